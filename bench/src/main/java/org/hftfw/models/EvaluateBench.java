package org.hftfw.models;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.hftfw.bench.Figures;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LazyReplicator;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;

/**
 * Benchmark and synthetic report ({@code hftfw bench evaluate}): scores every policy on a seeded synthetic log of
 * about {@code events} events (homogeneous 30 ms and heterogeneous 20-500 ms RTT), times trace preparation and each
 * evaluation, and sweeps the barrier. All figures printed are on SYNTHETIC logs.
 */
public final class EvaluateBench {
    private EvaluateBench() {}

    public static void run(int events) {
        Figures.header("evaluation engine on SYNTHETIC logs", "about " + events + " events per log");
        Duration l = Duration.ofMillis(100);
        for (boolean het : new boolean[] {false, true}) {
            SyntheticTraces.Spec spec = SyntheticTraces.Spec.webMix(1, events * 10 / 66).withHeterogeneous(het);
            long t0 = System.nanoTime();
            List<ConntrackEvent> log = SyntheticTraces.generate(spec);
            long t1 = System.nanoTime();
            Trace trace = Trace.of(log, l);
            long t2 = System.nanoTime();
            System.out.printf(Locale.ROOT, "%n== SYNTHETIC %s log: %d events, %d flows; generated in %.2f s, trace "
                            + "prepared in %.2f s (B = 200 ms)%n", het ? "heterogeneous-RTT (20-500 ms)"
                            : "homogeneous-RTT (~30 ms)", trace.size(), trace.flowCount(), (t1 - t0) / 1e9,
                    (t2 - t1) / 1e9);
            Evaluator ev = new Evaluator(trace);
            long s0 = System.nanoTime();
            List<PolicyResult> std = ev.standard(LazyConfig.defaults(), LearnedModel.empty(), Duration.ofMillis(1),
                    Duration.ofSeconds(15));
            long s1 = System.nanoTime();
            std.forEach(r -> System.out.println(r.summary()));
            System.out.println(ev.evaluate(new Policy.Polling(Duration.ofSeconds(1))).summary());
            System.out.printf(Locale.ROOT, "standard suite (8 policies incl. 2 bayes runs): %.2f s%n",
                    (s1 - s0) / 1e9);

            // a model trained on another seeded log (different flows, same address pools), then frozen vs learning
            // (idle expiry of a day: the synthetic log's long flows outlast its last NEW by more than the default hour)
            LazyReplicator trainer = new LazyReplicator(LazyConfig.defaults().withKeyIdleExpiry(Duration.ofDays(1)),
                    (e, at) -> { }, () -> 0);
            SyntheticTraces.generate(new SyntheticTraces.Spec(2, spec.flows() / 4, spec.flowsPerSecond(),
                    spec.rttMeanMs(), het, spec.interactiveShare(), spec.udpShare(), spec.clients(), spec.servers()))
                    .forEach(trainer::onEvent);
            LearnedModel model = trainer.snapshot();
            System.out.println(ev.evaluate(new Policy.Bayes(LazyConfig.defaults(), model)).summary()
                    + "   [from a model of " + model.keyCount() + " tuples]");
            System.out.println(ev.evaluate(new Policy.Bayes(LazyConfig.defaults().withLearning(false), model))
                    .summary() + "   [same model, frozen]");

            long w0 = System.nanoTime();
            List<PolicyResult> sweep = ev.sweep(LazyConfig.defaults(), new double[] {0.05, 0.125, 0.25, 0.35, 0.5},
                    List.of(Mode.DROP, Mode.DEFER), LearnedModel.empty());
            long w1 = System.nanoTime();
            System.out.println("barrier sweep (online learning):");
            sweep.forEach(r -> System.out.println(r.summary()));
            System.out.printf(Locale.ROOT, "sweep of %d bayes runs: %.2f s (%.2f s per run of %d events)%n",
                    sweep.size(), (w1 - w0) / 1e9, (w1 - w0) / 1e9 / sweep.size(), trace.size());
        }
    }
}
