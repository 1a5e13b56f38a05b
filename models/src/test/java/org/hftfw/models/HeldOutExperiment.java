package org.hftfw.models;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.lazy.ClassMetrics;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LazyReplicator;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;
import org.hftfw.lazy.ReplicatorMetrics;
import org.hftfw.models.logs.FlowLogs;

/**
 * Development tool (not a test): trains on the given training logs, then scores Bayes on each held-out log at one
 * barrier (DROP and DEFER) and prints the per-state counts of the replicator, beside the oracle. With {@code --cv}
 * it also does leave-one-out over the training logs (train on the others, score the one left out).
 *
 * <p>Usage: {@code HeldOutExperiment [--barrier B] [--cv] TRAIN... -- HELDOUT...}
 */
public final class HeldOutExperiment {
    public static void main(String[] args) throws Exception {
        double barrier = 0.125;
        boolean cv = false;
        boolean perState = true;
        List<Path> train = new ArrayList<>();
        List<Path> test = new ArrayList<>();
        boolean sep = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--barrier" -> barrier = Double.parseDouble(args[++i]);
                case "--cv" -> cv = true;
                case "--brief" -> perState = false;
                case "--" -> sep = true;
                default -> (sep ? test : train).add(Path.of(args[i]));
            }
        }
        LearnedModel m = Training.train(train, Duration.ofMillis(100), false, FlowLogs.Progress.NONE).model();
        System.out.println("model: " + m);
        for (Path p : test) {
            score(p, m, barrier, perState);
        }
        if (cv) {
            for (Path out : train) {
                List<Path> rest = new ArrayList<>(train);
                rest.remove(out);
                LearnedModel mm = Training.train(rest, Duration.ofMillis(100), false, FlowLogs.Progress.NONE).model();
                score(out, mm, barrier, false);
            }
        }
    }

    static void score(Path p, LearnedModel m, double barrier, boolean perState) throws Exception {
        List<ConntrackEvent> ev = FlowLogs.read(p, FlowLogs.Progress.NONE).events();
        Evaluation.Report r = Evaluation.run(List.of(ev), new Evaluation.Spec(LazyConfig.defaults(), m,
                new double[] {barrier}, List.of(Mode.DROP, Mode.DEFER), Duration.ofSeconds(15), Duration.ofMillis(1)));
        System.out.printf(Locale.ROOT, "%-60s oracle %.2f%%%n", p, 100 * r.oracle().saved());
        for (Evaluation.Row row : r.bayes()) {
            PolicyResult x = row.result();
            System.out.printf(Locale.ROOT, "   %-5s %.3f saved %6.2f%% (%5.1f%% of oracle) wrong %.3f%% exposure %.4f%%%n",
                    x.mode(), x.barrier(), 100 * x.saved(), 100 * x.saved() / r.oracle().saved(), 100 * x.wrong(),
                    100 * x.exposure());
        }
        if (!perState) {
            return;
        }
        long t0 = ev.getFirst().monotonicNanos();
        LazyReplicator rep = new LazyReplicator(LazyConfig.defaults().withBarrier(barrier), (e, at) -> { },
                () -> t0, m);
        for (ConntrackEvent e : ev) {
            rep.onEvent(e);
        }
        rep.advanceTo(ev.getLast().monotonicNanos());
        ReplicatorMetrics rm = rep.metrics();
        for (ClassMetrics c : rm.perState().values()) {
            System.out.printf(Locale.ROOT, "   %-16s changes %4d sent %4d labelled %4d wrong %3d model %4d none %3d%n",
                    c.name(), c.changes(), c.sent(), c.labelled(), c.wrong(), c.fallbackDecisions(), c.noKnowledge());
        }
    }
}
