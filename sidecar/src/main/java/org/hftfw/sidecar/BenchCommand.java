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
                + "memory per tuple, the offline evaluation engine, the failover lab, the daemon's footprint.",
        subcommands = {BenchCommand.JmhRun.class, BenchCommand.KbMemory.class, BenchCommand.Evaluate.class,
            BenchCommand.Failover.class, BenchCommand.Footprint.class, BenchCommand.Pipeline.class})
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
            if (args.contains("--help")) {                  // JMH's parser knows only -h: --help was a crash
                picocli.CommandLine.usage(this, System.out);
                return 0;
            }
            try {
                Jmh.run(args.toArray(String[]::new));
            } catch (org.openjdk.jmh.runner.NoBenchmarksException e) {
                throw new Failures.UserError("no JMH benchmark matches " + args + " (hftfw bench jmh -l lists them)");
            } catch (org.openjdk.jmh.runner.options.CommandLineOptionException e) {
                throw new Failures.UserError(e.getMessage() + " (hftfw bench jmh -h shows JMH's options)");
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

    @Command(name = "failover", mixinStandardHelpOptions = true,
            description = {"The failover lab: an hFT-FW and a conntrackd firewall pair through real faults.",
                "Needs root, keepalived, conntrackd, nft. Client/fw1/fw2/server namespaces, keepalived VRRP from",
                "conf/keepalived, long-lived TCP flows that must each echo after the takeover, new short",
                "connections per second. Per pair and case: flows that survived, INVALID",
                "drops on the new master, the longest stall, takeover time, Tprop; conntrackd pairs as the baseline.",
                "Cases: a = predicted fault (EDAC UE -> migrate -> commit -> demote), b = b-links (fw1's links go",
                "down) and b-kill (kill -9 of fw1's daemon), c = loss on the sync link, then b-links, upgrade =",
                "rolling upgrade of an hFT-FW pair (fw2's daemon stopped and started, then fw1's: the flows must",
                "survive the takeover and fw1's return; with --upgrade-from REV both start on an earlier build).",
                "failback = fw1's daemon stopped and started again under keepalived's preempt."})
    static final class Failover implements Callable<Integer> {
        @Option(names = "--flows", defaultValue = "1000", description = "long-lived flows (default: ${DEFAULT-VALUE})")
        int flows;
        @Option(names = "--rate", defaultValue = "1000",
                description = "new short connections per second (default: ${DEFAULT-VALUE})")
        int rate;
        @Option(names = "--case", split = ",", defaultValue = "a,b,c",
                description = "a, b, b-links, b-kill, c, upgrade, failback (default: ${DEFAULT-VALUE})")
        List<String> cases;
        @Option(names = "--pair", split = ",", defaultValue = "hftfw,mixed,conntrackd",
                description = "hftfw, mixed, conntrackd (default: ${DEFAULT-VALUE})")
        List<String> pairs;
        @Option(names = "--interval", paramLabel = "MS",
                description = "a long-lived flow's ping-pong interval (default: max(50, flows / 4))")
        Long interval;
        @Option(names = "--advert", defaultValue = "0.1", description = "VRRP advert interval in s (default: ${DEFAULT-VALUE})")
        double advert;
        @Option(names = "--loss", defaultValue = "30", description = "sync link loss in case c, %% (default: ${DEFAULT-VALUE})")
        int loss;
        @Option(names = "--observe", defaultValue = "15",
                description = "seconds every flow gets to echo after the takeover (default: ${DEFAULT-VALUE})")
        int observe;
        @Option(names = "--backup-conf", paramLabel = "HOCON", defaultValue = "",
                description = "appended to the hFT-FW backup's config, e.g. a backup mode")
        String backupConf;
        @Option(names = "--conf-dir", paramLabel = "DIR",
                description = "the keepalived files (default: conf/keepalived of this checkout)")
        Path confDir;
        @Option(names = "--upgrade-from", paramLabel = "REV",
                description = "case upgrade between two builds: both nodes start on REV of this checkout's git history "
                        + "(built offline from the local Maven repository into --old-builds, or reused from there) and "
                        + "are upgraded to this build one at a time (docs/deploy.md section 8)")
        String upgradeFrom;
        @Option(names = "--old-builds", paramLabel = "DIR",
                description = "where the builds of --upgrade-from are made and kept (default: ${DEFAULT-VALUE})")
        Path oldBuilds = defaultOldBuilds();

        @Override
        public Integer call() throws Exception {
            var why = org.hftfw.failover.FailoverLab.unavailable();
            if (why.isPresent()) {
                throw new Failures.UserError("the failover lab cannot run here: " + why.get());
            }
            Path conf = confDir != null ? confDir : org.hftfw.failover.FailoverLab.findConfDir().orElseThrow(
                    () -> new Failures.UserError("conf/keepalived not found above the working directory or this "
                            + "program; give --conf-dir"));
            org.hftfw.failover.FailoverLab.Spec spec;
            try {
                List<org.hftfw.failover.FailoverLab.Case> cs = new ArrayList<>();
                for (String c : cases) {
                    cs.addAll(org.hftfw.failover.FailoverLab.Case.parse(c));
                }
                List<org.hftfw.failover.FailoverLab.Pair> ps = new ArrayList<>();
                for (String p : pairs) {
                    ps.add(org.hftfw.failover.FailoverLab.Pair.parse(p));
                }
                var d = org.hftfw.failover.FailoverLab.Spec.of(flows, rate, cs, ps, hftfwCommand(), clientCommand(),
                        conf);
                spec = new org.hftfw.failover.FailoverLab.Spec(flows, rate,
                        interval != null ? interval : d.intervalMillis(), advert, loss, observe, cs, ps, d.hftfw(),
                        d.client(), conf, backupConf);
            } catch (IllegalArgumentException e) {
                throw new Failures.UserError(e.getMessage());
            }
            if (upgradeFrom != null) {
                try {
                    spec = spec.upgradingFrom(org.hftfw.failover.OldBuild.of(conf.toAbsolutePath().getParent()
                            .getParent(), upgradeFrom, oldBuilds, System.out));
                } catch (org.hftfw.failover.OldBuild.Unavailable e) {
                    throw new Failures.UserError(e.getMessage());
                }
            }
            org.hftfw.failover.FailoverLab.run(spec, System.out);
            return 0;
        }

        /** The old builds' folder shared by the bench and FailoverLabTest: built once per commit and machine boot. */
        static Path defaultOldBuilds() {
            return Path.of(System.getProperty("java.io.tmpdir"), "hftfw-old-builds");
        }

        /**
         * The control client keepalived's notify script runs: the no-JVM client beside this program's jar or classes
         * (sidecar/target/hftfw-client, which bin/hftfw builds; the package's bin/hftfw-client), else the CLI itself.
         */
        static List<String> clientCommand() {
            try {
                Path code = Path.of(Hftfw.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                for (Path c : List.of(code.resolveSibling("hftfw-client"),
                        code.getParent().resolveSibling("bin").resolve("hftfw-client"))) {
                    if (java.nio.file.Files.isExecutable(c)) {
                        return List.of(c.toString());
                    }
                }
            } catch (java.net.URISyntaxException | RuntimeException e) {
                // no code source to look beside: the CLI serves
            }
            return hftfwCommand();
        }

        /** This JVM and class path running the CLI again: what the lab's daemons run. */
        static List<String> hftfwCommand() {
            return List.of(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
                    "-XX:+UseCompactObjectHeaders", "-cp", System.getProperty("java.class.path"), Hftfw.class.getName());
        }
    }

    @Command(name = "footprint", mixinStandardHelpOptions = true,
            description = {"The sync daemon's footprint beside stock conntrackd's.",
                "RSS, OS threads and CPU per 1 000 events/s of both, in one namespace this bench creates (needs",
                "root and conntrackd): hftfw sync both with lazy replication and the predictor on, idle, with",
                "--flows flows loaded, then under a bounded loader of --rate conntrack events/s. Target: RSS <=",
                "96 MB, <= 16 threads (issue #12)."})
    static final class Footprint implements Callable<Integer> {
        @Option(names = "--flows", defaultValue = "100000", description = "flows loaded (default: ${DEFAULT-VALUE})")
        int flows;
        @Option(names = "--rate", defaultValue = "2000", description = "events per second (default: ${DEFAULT-VALUE})")
        int rate;
        @Option(names = "--seconds", defaultValue = "10", description = "length of the rate phase (default: ${DEFAULT-VALUE})")
        int seconds;
        @Option(names = "--jvm-options", paramLabel = "FILE|none",
                description = "the daemon's JVM options file (default: conf/daemon.jvm of this checkout; none: JVM "
                        + "defaults)")
        String jvmOptions;
        @Option(names = "--analyse", paramLabel = "DIR",
                description = "write the daemon's memory breakdown per phase into DIR (/proc smaps, Native Memory "
                        + "Tracking, metaspace, class loaders, heap histogram, heap dump; NMT and the "
                        + "histogram's and dump's full collections change the figures)")
        Path analyse;

        @Override
        public Integer call() throws Exception {
            var why = org.hftfw.footprint.FootprintBench.unavailable();
            if (why.isPresent()) {
                throw new Failures.UserError("the footprint bench cannot run here: " + why.get());
            }
            Path options = DaemonJvmOptions.resolve(jvmOptions);
            try {
                org.hftfw.footprint.FootprintBench.run(new org.hftfw.footprint.FootprintBench.Spec(flows, rate, seconds,
                        Failover.hftfwCommand(), options, analyse == null ? null : analyse.toAbsolutePath()), System.out);
            } catch (IllegalArgumentException e) {
                throw new Failures.UserError(e.getMessage());
            }
            return 0;
        }
    }

    @Command(name = "pipeline", mixinStandardHelpOptions = true,
            description = {"The primary's event path on one thread, beside decoding alone.",
                "Kernel-format events in, decode, filter, replicate-all or the lazy decision, FT-FW encode,",
                "datagrams to a null sink:",
                "events per CPU-second and bytes allocated per event (issue #14: >= 1 M and >= 500 k events/s per",
                "core, no allocation per event). Median of --rounds rounds after a warm-up."})
    static final class Pipeline implements Callable<Integer> {
        @Option(names = "--events", defaultValue = "1000000", description = "events per round (default: ${DEFAULT-VALUE})")
        long events;
        @Option(names = "--rounds", defaultValue = "5", description = "rounds (default: ${DEFAULT-VALUE})")
        int rounds;
        @Option(names = "--warm-up", defaultValue = "2000000",
                description = "events before the first round (default: ${DEFAULT-VALUE})")
        long warmUp;
        @Option(names = "--daemon-jit", description = {"run each path with the daemon's compiler: the JIT options of",
            "conf/daemon.jvm (compilers, thresholds, inlining, code cache) and the two that change the",
            "compiled path (collector, Netty allocator), read from the file"})
        boolean daemonJit;

        @Override
        public Integer call() throws Exception {
            if (events < 1000 || rounds < 1 || warmUp < 0) {
                throw new Failures.UserError("--events must be at least 1000, --rounds at least 1, --warm-up >= 0");
            }
            org.hftfw.sync.PipelineAllocationBench.run(warmUp, events, rounds, daemonJit);
            return 0;
        }
    }
}
