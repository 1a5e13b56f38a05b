package org.hftfw.sync;

import com.sun.management.ThreadMXBean;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.lang.management.ManagementFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.hftfw.bench.Figures;

/**
 * {@code hftfw bench pipeline}: the primary's event path of {@link PipelineBenchmark} (kernel-format event datagrams
 * in, decode, filter, replication decision, FT-FW engine, datagrams to a null sink), each path on this thread without
 * JMH, printing the two figures issue 14 item 4 names: events per CPU-second of the thread (goals 1 M replicate-all,
 * 500 k lazy) and the bytes allocated per event (goal 0), beside the decode-only baseline of the same run.
 *
 * <p>The allocation is exact: the JVM counts every byte a thread allocates ({@code getCurrentThreadAllocatedBytes}),
 * so unlike a timing it does not move with the machine's load. Each path first runs {@code warmUp} events (the JIT
 * compiles it, and the flows of the replay are all known and their queue nodes exist), then {@code rounds} rounds of
 * {@code events} events; the figure is their median. What the bytes are spent on: JFR's allocation samples
 * ({@code -XX:StartFlightRecording}, docs/performance.md §4).
 */
public final class PipelineAllocationBench {
    private static final ThreadMXBean THREAD = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    private PipelineAllocationBench() {}

    /** One path of the pipeline: a step delivers a batch, {@code delivered} counts events. */
    private record Path(String name, Runnable step, LongSupplier delivered) {}

    /**
     * Measures each path in a JVM of its own, as JMH forks: in one JVM the paths that ran before would leave the
     * shared call sites (the decoder's listener call) polymorphic, which changes what the JIT inlines and so what
     * escape analysis removes; the daemon runs one path.
     */
    public static void run(long warmUp, long events, int rounds, boolean daemonJit)
            throws IOException, InterruptedException {
        List<String> jit = daemonJit ? org.hftfw.footprint.DaemonJit.options() : List.of();
        Figures.header("pipeline", "kernel-format events in, FT-FW datagrams to a null sink; " + events
                + " events per round, median of " + rounds + " rounds after " + warmUp + " warm-up events, one JVM "
                + "per path" + (daemonJit ? ", the daemon's JIT (conf/daemon.jvm: " + String.join(" ", jit) + ")" : "")
                + "; load average " + Figures.loadAverage());
        for (String path : new String[] {"decode", "replicate-all", "lazy"}) {
            List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED", "-XX:+UseCompactObjectHeaders", "-Dhftfw.log.level=WARN"));
            cmd.addAll(jit);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    PipelineAllocationBench.class.getName(), path, Long.toString(warmUp), Long.toString(events),
                    Integer.toString(rounds)));
            int exit = new ProcessBuilder(cmd).inheritIO().start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("the " + path + " run exited with " + exit);
            }
        }
        System.out.println("load average at the end: " + Figures.loadAverage());
    }

    /**
     * One path in this JVM: {@code decode|replicate-all|lazy warmUp events rounds}. The path runs on a Netty
     * {@link FastThreadLocalThread}, as the FT-FW engine does on the channel's event loop in the daemon: Netty recycles
     * the pooled datagram buffers' objects only on such threads, and on another one a datagram would cost an object
     * that the daemon does not allocate.
     */
    public static void main(String[] args) throws InterruptedException {
        Throwable[] failed = new Throwable[1];
        Thread t = new FastThreadLocalThread(() -> runPath(args), "pipeline-" + args[0]);
        t.setUncaughtExceptionHandler((thread, e) -> failed[0] = e);
        t.start();
        t.join();
        if (failed[0] != null) {
            throw new IllegalStateException("the " + args[0] + " path failed", failed[0]);
        }
    }

    private static void runPath(String[] args) {
        long warmUp = Long.parseLong(args[1]);
        long events = Long.parseLong(args[2]);
        int rounds = Integer.parseInt(args[3]);
        PipelineBenchmark b = new PipelineBenchmark();
        Path p = switch (args[0]) {
            case "decode" -> {
                var s = new PipelineBenchmark.DecodeOnly();
                s.setUp();
                yield new Path("decode only (baseline)", () -> b.baselineDecodeOnly(s), s.feed::delivered);
            }
            case "replicate-all" -> {
                var s = new PipelineBenchmark.ReplicateAll();
                s.setUp();
                yield new Path("replicate-all", () -> b.replicateAll(s), s.feed::delivered);
            }
            case "lazy" -> {
                var s = new PipelineBenchmark.Lazy();
                s.setUp();
                yield new Path("lazy", () -> b.lazy(s), s.feed::delivered);
            }
            default -> throw new IllegalArgumentException("no path " + args[0]);
        };
        measure(p, warmUp, events, rounds);
    }

    private static void measure(Path p, long warmUp, long events, int rounds) {
        drive(p, warmUp);
        double[] bytes = new double[rounds];
        double[] rates = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long e0 = p.delivered().getAsLong();
            long a0 = THREAD.getCurrentThreadAllocatedBytes();
            long c0 = THREAD.getCurrentThreadCpuTime();
            drive(p, events);
            long c1 = THREAD.getCurrentThreadCpuTime();
            long a1 = THREAD.getCurrentThreadAllocatedBytes();
            long n = p.delivered().getAsLong() - e0;
            bytes[r] = (double) (a1 - a0) / n;
            rates[r] = Figures.rate(n, c1 - c0);
        }
        Arrays.sort(bytes);
        Arrays.sort(rates);
        System.out.printf(Locale.ROOT, "%-24s %,12.0f events per CPU-second (%,.0f-%,.0f)   %8.1f B/event "
                + "(%.1f-%.1f)%n", p.name(), Figures.median(rates), rates[0], rates[rounds - 1], Figures.median(bytes),
                bytes[0], bytes[rounds - 1]);
    }

    private static void drive(Path p, long events) {
        long until = p.delivered().getAsLong() + events;
        while (p.delivered().getAsLong() < until) {
            p.step().run();
        }
    }
}
