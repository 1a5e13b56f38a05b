package org.hftfw.sidecar;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.hftfw.policy.PolicyConfig;
import org.hftfw.policy.ReplayEvaluator;
import org.hftfw.policy.ReplayHistory;
import org.hftfw.predictor.PredictorConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hftfw policy …}: offline checks of the fault predictor and policy daemon; {@code status} and {@code manual}
 * talk to the running daemon.
 */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "Offline checks of the predictor and policy; the running daemon's policy (status, manual).",
        subcommands = {PolicyCommand.Replay.class, org.hftfw.sidecar.sync.ProactiveCommands.Status.class,
            org.hftfw.sidecar.sync.ProactiveCommands.Manual.class, PolicyCommand.Bench.class})
final class PolicyCommand {

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Fault sample -> decision latency of the predictor + default policy (p50/p99/p999), over all "
                    + "samples and over the samples that order a migration, beside a no-op pass-through baseline in "
                    + "the same run.")
    static final class Bench implements Callable<Integer> {
        @Option(names = "--samples", defaultValue = "200000", description = "samples (default: ${DEFAULT-VALUE})")
        int samples;

        @Override
        public Integer call() {
            if (samples < 1000) {
                throw new Failures.UserError("--samples must be at least 1000");
            }
            org.hftfw.policy.DecisionLatencyBench.run(samples);
            return 0;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = {"Replay recorded error histories (CSV of counter samples with the known failure times; "
                + "the format is in ReplayHistory's documentation and policy-daemon/src/test/resources/replay) "
                + "through the predictor and the default policy on virtual time, and report precision, recall and "
                + "the lead time from the migration order to the failure. The lead time must exceed the measured "
                + "migration time for the proactive path to save the flows."})
    static final class Replay implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "HISTORY")
        List<Path> histories;
        @Option(names = "--horizon", defaultValue = "PT1H",
                description = "an order counts for a failure at most this long before it (ISO-8601, default: ${DEFAULT-VALUE})")
        Duration horizon;
        @Option(names = "--migration-time", defaultValue = "PT4S",
                description = "time a migration takes; an order later than failure - this is too late (default: ${DEFAULT-VALUE}, the seed's 25 000 flows)")
        Duration migrationTime;
        @Option(names = "--verbose", description = "print every decision")
        boolean verbose;

        @Override
        public Integer call() throws IOException {
            ReplayEvaluator ev = new ReplayEvaluator(PredictorConfig.defaults(), PolicyConfig.defaults(), horizon,
                    migrationTime);
            List<ReplayEvaluator.Score> scores = new ArrayList<>();
            for (Path p : histories) {
                if (!Files.isReadable(p)) {
                    throw new Failures.UserError("cannot read " + p);
                }
                ReplayHistory h;
                try {
                    h = ReplayHistory.parse(p);
                } catch (IllegalArgumentException e) {
                    throw new Failures.UserError(p + ": " + e.getMessage());
                }
                ReplayEvaluator.Score s = ev.evaluate(h);
                scores.add(s);
                System.out.println(s.format());
                if (verbose) {
                    s.decisions().forEach(d -> System.out.println("    t=" + d.timeNanos() / 1_000_000_000L + "s " + d));
                }
            }
            if (scores.size() > 1) {
                System.out.println(ReplayEvaluator.combine("ALL", scores).format());
            }
            return 0;
        }
    }
}
