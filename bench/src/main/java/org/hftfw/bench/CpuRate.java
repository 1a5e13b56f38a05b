package org.hftfw.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * Operations per second of the measuring thread's own CPU time, one figure per JMH iteration: a per-core rate. On
 * a machine whose two cores are shared with other work, JMH's wall-clock throughput moves with the load (the same
 * code measured 0.1 M and 1.3 M events/s in one session), while the CPU time the benchmark thread was given moves
 * far less. Start and stop it on the benchmark thread (a {@code Scope.Thread} state's iteration setup and teardown).
 */
public final class CpuRate {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final String what;
    private long cpuAtStart;
    private long opsAtStart;
    private long wallAtStart;

    public CpuRate(String what) {
        this.what = what;
    }

    /** Starts an iteration; {@code ops}: operations done so far. */
    public void start(long ops) {
        opsAtStart = ops;
        cpuAtStart = THREADS.getCurrentThreadCpuTime();
        wallAtStart = System.nanoTime();
    }

    /** Ends the iteration and prints its rate per CPU-second beside the share of a core the thread had. */
    public void stop(long ops) {
        long cpu = THREADS.getCurrentThreadCpuTime() - cpuAtStart;
        long wall = System.nanoTime() - wallAtStart;
        System.out.printf(Locale.ROOT, "  [%s: %,.0f per CPU-second, %.0f%% of a core]%n", what,
                Figures.rate(ops - opsAtStart, cpu), 100.0 * cpu / Math.max(1, wall));
    }
}
