package org.hftfw.sync;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
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

    public static void run(long warmUp, long events, int rounds) {
        Figures.header("pipeline", "kernel-format events in, FT-FW datagrams to a null sink; " + events
                + " events per round, " + rounds + " rounds after " + warmUp + " warm-up events, load average "
                + Figures.loadAverage());
        PipelineBenchmark b = new PipelineBenchmark();
        var decode = new PipelineBenchmark.DecodeOnly();
        decode.setUp();
        var all = new PipelineBenchmark.ReplicateAll();
        all.setUp();
        var lazy = new PipelineBenchmark.Lazy();
        lazy.setUp();
        for (Path p : new Path[] {
            new Path("decode only (baseline)", () -> b.baselineDecodeOnly(decode), decode.feed::delivered),
            new Path("replicate-all", () -> b.replicateAll(all), all.feed::delivered),
            new Path("lazy", () -> b.lazy(lazy), lazy.feed::delivered)}) {
            measure(p, warmUp, events, rounds);
        }
        System.out.println("load average at the end: " + Figures.loadAverage());
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
