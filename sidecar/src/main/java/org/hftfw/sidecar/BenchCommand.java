package org.hftfw.sidecar;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.hftfw.bench.Jmh;
import org.hftfw.lazy.KnowledgeBaseMemoryBench;
import org.hftfw.models.EvaluateBench;
import org.hftfw.models.EvaluateLogBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code hftfw bench …}: the benchmarks of the bench module that belong to no single stage command (the stage ones
 * are {@code hftfw conntrack|migrate|sync|policy bench}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks, each beside its baseline: the JMH benchmarks of the hot paths, the knowledge base's "
                + "memory per tuple, the offline evaluation engine.",
        subcommands = {BenchCommand.JmhRun.class, BenchCommand.KbMemory.class, BenchCommand.Evaluate.class})
final class BenchCommand {

    @Command(name = "jmh", mixinStandardHelpOptions = false,
            description = {"JMH benchmarks of the hot paths, each beside its baseline.",
                "Runs those (FT-FW codec, classify + learn, policy decision, log reader) whose names match REGEX",
                "(all by default), with short defaults (1 fork, 2 + 3 iterations of 1 s); any JMH option",
                "overrides them, e.g. -f 3 -wi 5 -i 10; -l lists them, -h shows JMH's options."})
    static final class JmhRun implements Callable<Integer> {
        @Unmatched
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            try {
                Jmh.run(args.toArray(String[]::new));
            } catch (org.openjdk.jmh.runner.NoBenchmarksException e) {
                throw new Failures.UserError("no JMH benchmark matches " + args + " (hftfw bench jmh -l lists them)");
            }
            return 0;
        }
    }

    @Command(name = "kb-memory", mixinStandardHelpOptions = true,
            description = "Knowledge-base heap per tuple, with and without compact object headers, beside a "
                    + "ConcurrentHashMap of the same tuples and the seed's 80 B; then Caffeine variants. One JVM each.")
    static final class KbMemory implements Callable<Integer> {
        @Option(names = "--tuples", defaultValue = "1000000", description = "tuples (default: ${DEFAULT-VALUE})")
        int tuples;

        @Override
        public Integer call() throws Exception {
            if (tuples < 1000) {
                throw new Failures.UserError("--tuples must be at least 1000");
            }
            KnowledgeBaseMemoryBench.run(tuples);
            return 0;
        }
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true,
            description = {"Time the offline evaluation engine.",
                "On SYNTHETIC logs (every policy, the barrier sweep), or with --log on a log built from a",
                "recorded trace, beside reading the log alone."})
    static final class Evaluate implements Callable<Integer> {
        @Option(names = "--events", defaultValue = "1000000", description = "events per log (default: ${DEFAULT-VALUE})")
        int events;
        @Option(names = "--log", description = "build the log from a recorded trace instead of synthetic flows")
        boolean log;
        @Option(names = "--trace", paramLabel = "FILE", description = "the recorded trace for --log (default: "
                + "models/traces/heterogeneous-21.events.log.gz under the current directory)")
        Path trace;

        @Override
        public Integer call() throws Exception {
            if (events < 1000) {
                throw new Failures.UserError("--events must be at least 1000");
            }
            if (log) {
                Path t = trace != null ? trace : EvaluateLogBench.DEFAULT_TRACE;
                if (!java.nio.file.Files.isReadable(t)) {
                    throw new Failures.UserError("no trace at " + t + " (run from the project root, or give --trace)");
                }
                EvaluateLogBench.run(t, events);
            } else {
                EvaluateBench.run(events);
            }
            return 0;
        }
    }
}
