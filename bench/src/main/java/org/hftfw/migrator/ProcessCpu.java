package org.hftfw.migrator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process has used (user + system, all its threads), from {@code /proc/PID/stat}: the migration benches
 * print it per round beside the wall time, because on a shared machine the wall time mostly says how long the
 * round waited for a CPU, while the CPU time says what the migration cost.
 */
final class ProcessCpu {
    /** /proc reports times in USER_HZ ticks, 100 per second on Linux whatever the kernel's HZ. */
    private static final long MILLIS_PER_TICK = 10;

    private ProcessCpu() {}

    /** Milliseconds of CPU used by process {@code pid} so far; -1 when it is gone or unreadable. */
    static long millis(long pid) {
        try {
            // not Files.readString, which read a /proc file (size 0) short (ConntrackMax)
            String stat = Files.readAllLines(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII)
                    .getFirst();
            // fields after the command name, which may itself hold spaces and parentheses: state is the first
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * MILLIS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The sum of {@link #millis} over {@code pids}; -1 when any is unreadable. */
    static long millis(long... pids) {
        long sum = 0;
        for (long p : pids) {
            long m = millis(p);
            if (m < 0) {
                return -1;
            }
            sum += m;
        }
        return sum;
    }
}
