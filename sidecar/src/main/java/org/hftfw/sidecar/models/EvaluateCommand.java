package org.hftfw.sidecar.models;

import org.hftfw.common.Durations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;
import org.hftfw.lazy.ModelFile;
import org.hftfw.lazy.ModelFileException;
import org.hftfw.models.BarrierPlot;
import org.hftfw.models.DefaultModel;
import org.hftfw.models.Evaluation;
import org.hftfw.models.Evaluator;
import org.hftfw.models.HindsightBound;
import org.hftfw.models.MixLab;
import org.hftfw.models.ParetoFront;
import org.hftfw.models.Policy;
import org.hftfw.models.Trace;
import org.hftfw.models.logs.FlowLogs;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hftfw evaluate}: Bayes lazy replication against the baselines on recorded flow logs. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Scores Bayes lazy replication on flow logs beside conntrackd's ways and the oracle.",
            "Per barrier and mode: saved messages, good and wrong prediction rates, exposure; beside the",
            "baselines replicate-all, FT-FW queue collapsing, conntrackd's",
            "State Accept filter (with and without UDP), PollSecs, defer-all and the oracle. Rates are fractions",
            "in --json, percentages in the table."})
public final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "default",
            description = "model file to start from, 'default' (shipped) or 'none' (start empty and learn online, "
                    + "as the seed did) (default: ${DEFAULT-VALUE})")
    String model;

    static final class Barriers {
        @Option(names = "--barrier", description = "one barrier in [0, 1] (default 0.125)")
        Double barrier;
        @Option(names = "--sweep", paramLabel = "FROM:TO:STEP", description = "barriers FROM, FROM+STEP, … TO")
        String sweep;
    }

    @ArgGroup(exclusive = true)
    Barriers barriers;
    @Option(names = "--mode", defaultValue = "both", description = "drop, defer or both (default: ${DEFAULT-VALUE})")
    String mode;
    @Option(names = "--latency", defaultValue = "100ms", description = "network latency l, B = 2·l (default: ${DEFAULT-VALUE})")
    String latency;
    @Option(names = "--poll-secs", defaultValue = "15", description = "PollSecs of the polling baseline (default: ${DEFAULT-VALUE})")
    double pollSecs;
    @Option(names = "--ftfw-delay", defaultValue = "1ms",
            description = "FT-FW transmit-queue delay of the queue-collapsing baseline (default: ${DEFAULT-VALUE})")
    String ftfwDelay;
    @Option(names = "--ignore-keys", description = "use only the model's fallback parts, not its knowledge-base tuples")
    boolean ignoreKeys;
    @Option(names = "--prior-strength", paramLabel = "K",
            description = "use the model as a prior counting as at most K observations per state and histogram, so "
                    + "local evidence takes over ('inf': full weight; default: as the model file says)")
    String priorStrength;
    @Option(names = "--frozen", description = "no learning during the evaluation (the model as it is)")
    boolean frozen;
    @Option(names = "--json", description = "print JSON instead of the table")
    boolean json;
    @Option(names = "--plot", paramLabel = "FILE", description = "also draw the barrier plot (.png, or .svg)")
    Path plot;
    @Option(names = "--pareto", paramLabel = "FILE.svg",
            description = "also draw the Pareto front (saved vs exposure from the event, every policy) as SVG and "
                    + "print it as a Markdown table")
    Path pareto;
    @Option(names = "--mixes", paramLabel = "N",
            description = "instead of logs: leave-one-mix-out on N generated traffic mixes (SYNTHETIC; latency "
                    + "profiles homogeneous, heterogeneous, bimodal in turn): per mix a model trained on the others, "
                    + "the --model one and an empty one, beside the oracle and conntrackd's state filter")
    Integer mixes;
    @Option(names = "--mix-seed", defaultValue = "1000", description = "seed of the first mix (default: ${DEFAULT-VALUE})")
    long mixSeed;
    @Option(names = "--mix-flows", defaultValue = "3000", description = "flows per mix (default: ${DEFAULT-VALUE})")
    int mixFlows;
    @Option(names = "--bound",
            description = "also compute the hindsight bound: per log or mix, the most any classifier on the event "
                    + "stream's features (a ladder of ever finer feature sets) could save in DEFER mode at wrong "
                    + "<= 0.5 %%, fitted on the log itself with every label known (docs/evaluation.md 5.8)")
    boolean bound;
    @Option(names = "--bound-seeds", defaultValue = "16", paramLabel = "K",
            description = "with --mixes --bound: also fit the bound on K logs of each mix (its own and K-1 more "
                    + "traffic seeds) pooled (default: ${DEFAULT-VALUE})")
    int boundSeeds;
    @Parameters(arity = "0..*", paramLabel = "LOG", description = "flow logs (.gz accepted)")
    List<Path> logs = List.of();

    @Override
    public Integer call() {
        try {
            if (mixes != null) {
                return mixLab();
            }
            if (logs.isEmpty()) {
                throw new Logs.CliError("give flow logs to evaluate, or --mixes N");
            }
            Logs.checkReadable(logs);
            Duration l = Logs.latency(latency);
            LazyConfig base = LazyConfig.defaults().withLatency(l).withLearning(!frozen);
            double[] bs = barrierList();
            List<Mode> modes = switch (mode.toLowerCase(Locale.ROOT)) {
                case "drop" -> List.of(Mode.DROP);
                case "defer" -> List.of(Mode.DEFER);
                case "both" -> List.of(Mode.DROP, Mode.DEFER);
                default -> throw new Logs.CliError("--mode must be drop, defer or both, got '" + mode + "'");
            };
            if (!(pollSecs > 0)) {
                throw new Logs.CliError("--poll-secs must be > 0");
            }
            Duration delay;
            try {
                delay = Durations.parse("--ftfw-delay", ftfwDelay);
            } catch (RuntimeException e) {
                throw new Logs.CliError(e.getMessage());
            }
            LearnedModel initial = initialModel();
            if (ignoreKeys) {
                initial = initial.withoutKeys();
            }
            if (!initial.isEmpty() && !initial.trainedBoundary().equals(Duration.ofNanos(base.boundaryNanos()))) {
                System.err.printf("hftfw: warning: the model was trained with B = %s, evaluating with B = %s%n",
                        initial.trainedBoundary(), Duration.ofNanos(base.boundaryNanos()));
            }
            for (String w : TrainingOverlap.warnings(initial.provenance(), logs)) {
                System.err.println("hftfw: warning: " + w);
            }
            CliProgress progress = new CliProgress(System.err);
            List<List<ConntrackEvent>> events = new ArrayList<>();
            for (Path p : logs) {
                FlowLogs.Loaded loaded = FlowLogs.read(p, progress);
                Logs.report(loaded, System.err);
                events.add(loaded.events());
            }
            long t0 = System.nanoTime();
            Evaluation.Report r = Evaluation.run(events, new Evaluation.Spec(base, initial, bs, modes,
                    Duration.ofMillis(Math.round(pollSecs * 1000)), delay));
            System.err.printf(Locale.ROOT, "hftfw: evaluated %d events x %d Bayes runs + baselines in %.2f s "
                    + "(model: %s)%n", r.events(), bs.length * modes.size(), (System.nanoTime() - t0) / 1e9,
                    model.equals("none") ? "none, online learning" : model + ", " + initial);
            System.out.print(json ? Evaluation.json(r) : Evaluation.table(r));
            if (bound) {
                for (int i = 0; i < logs.size(); i++) {
                    Evaluator ev = new Evaluator(Trace.of(events.get(i), l));
                    System.out.print(HindsightBound.table(logs.get(i).getFileName().toString(),
                            ev.evaluate(new Policy.Oracle()).saved(), HindsightBound.compute(ev.trace(),
                                    MixLab.WRONG_BUDGET)));
                }
            }
            if (plot != null) {
                String title = String.format(Locale.ROOT, "Bayes lazy replication, B = %d ms: %s",
                        base.boundaryNanos() / 1_000_000, String.join(", ", logs.stream()
                                .map(p -> p.getFileName().toString()).toList()));
                BarrierPlot.write(r, title.length() > 90 ? title.substring(0, 87) + "..." : title, plot);
                System.err.println("hftfw: plot written to " + plot);
            }
            if (pareto != null) {
                String title = String.format(Locale.ROOT, "Saved vs exposure, B = %d ms: %s",
                        base.boundaryNanos() / 1_000_000, String.join(", ", logs.stream()
                                .map(p -> p.getFileName().toString()).toList()));
                ParetoFront.writeSvg(r, title.length() > 90 ? title.substring(0, 87) + "..." : title, pareto);
                System.out.print("\nPareto front (saved vs exposure from the event):\n" + ParetoFront.markdown(r));
                System.err.println("hftfw: Pareto plot written to " + pareto);
            }
            return 0;
        } catch (Logs.CliError e) {
            return Logs.fail(System.err, e.getMessage());
        } catch (ModelFileException e) {
            return Logs.fail(System.err, "model refused: " + e.getMessage());
        } catch (IOException e) {
            return Logs.fail(System.err, e.getMessage());
        }
    }

    private Integer mixLab() throws IOException {
        if (!logs.isEmpty()) {
            throw new Logs.CliError("--mixes generates its own logs: give no LOG");
        }
        if (mixes < 2 || mixFlows < 1) {
            throw new Logs.CliError("--mixes needs at least 2 mixes and --mix-flows at least 1");
        }
        if (boundSeeds < 1) {
            throw new Logs.CliError("--bound-seeds must be at least 1");
        }
        double[] bs = barrierList();
        if (bs.length != 1) {
            throw new Logs.CliError("--mixes scores one --barrier, not a sweep");
        }
        List<Mode> modes = switch (mode.toLowerCase(Locale.ROOT)) {
            case "drop" -> List.of(Mode.DROP);
            case "defer" -> List.of(Mode.DEFER);
            case "both" -> List.of(Mode.DROP, Mode.DEFER);
            default -> throw new Logs.CliError("--mode must be drop, defer or both, got '" + mode + "'");
        };
        LearnedModel shipped = ignoreKeys ? initialModel().withoutKeys() : initialModel();
        List<MixLab.MixResult> r = MixLab.run(new MixLab.Spec(mixes, mixSeed, mixFlows, bs[0], modes, shipped,
                        Logs.priorStrength(priorStrength, LearnedModel.DEFAULT_PRIOR_STRENGTH), bound ? boundSeeds : 0),
                line -> System.err.println("hftfw: " + line));
        System.out.println("leave-one-mix-out on SYNTHETIC mixes (models/.../MixTraces), barrier " + bs[0]
                + "; --model " + model + " as 'shipped'");
        System.out.print(MixLab.table(r));
        if (bound) {
            System.out.print(MixLab.boundTable(r, boundSeeds));
        }
        return 0;
    }

    private double[] barrierList() {
        if (barriers == null || (barriers.barrier == null && barriers.sweep == null)) {
            return new double[] {0.125};
        }
        if (barriers.barrier != null) {
            if (!(barriers.barrier >= 0 && barriers.barrier <= 1)) {
                throw new Logs.CliError("--barrier must be in [0, 1], got " + barriers.barrier);
            }
            return new double[] {barriers.barrier};
        }
        String[] f = barriers.sweep.split(":", -1);
        try {
            if (f.length != 3) {
                throw new IllegalArgumentException("expected FROM:TO:STEP");
            }
            return Evaluation.sweep(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
        } catch (IllegalArgumentException e) {
            throw new Logs.CliError("--sweep '" + barriers.sweep + "': " + e.getMessage());
        }
    }

    private LearnedModel initialModel() throws IOException {
        LearnedModel m = loadModel();
        if (priorStrength == null || m.isEmpty()) {
            return m;
        }
        double k = Logs.priorStrength(priorStrength, LearnedModel.DEFAULT_PRIOR_STRENGTH);
        return m.hasPrior() ? m.withPriorStrength(k) : m.asPrior(k);
    }

    private LearnedModel loadModel() throws IOException {
        return switch (model) {
            case "none" -> LearnedModel.empty();
            case "default" -> Files.exists(Path.of(model)) ? ModelFile.load(Path.of(model)) : DefaultModel.load();
            default -> {
                Path p = Path.of(model);
                if (!Files.isRegularFile(p)) {
                    throw new Logs.CliError("--model " + model + ": no such file");
                }
                yield ModelFile.load(p);
            }
        };
    }
}
