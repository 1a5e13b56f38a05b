package org.hftfw.migrator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Samples what one thread of another process is doing, from {@code /proc/PID/task/TID/stat} (state) and
 * {@code .../wchan} (where the kernel has it wait): running or runnable, waiting in {@code nfnetlink_rcv_msg} (for
 * the nfnetlink subsystem mutex, which every ctnetlink create takes, one message at a time, for all network
 * namespaces of the host: {@code IPCTNL_MSG_CT_NEW} is an {@code NFNL_CB_MUTEX} callback), waiting elsewhere in the
 * kernel, or sleeping (a futex: no work). The daemon migration bench samples the backup's kernel writer while it
 * times a migration: on a shared machine the wall time is as much other processes' netlink requests as its own work.
 */
final class ThreadStates {
    private final Path stat;
    private final Path wchan;
    private long running;
    private long mutex;
    private long otherKernel;
    private long sleeping;

    private final Path schedstat;
    private final long[] cpuAtStart;
    private long[] cpuAtEnd;

    private ThreadStates(Path task) {
        this.stat = task.resolve("stat");
        this.wchan = task.resolve("wchan");
        this.schedstat = task.resolve("schedstat");
        this.cpuAtStart = cpu();
    }

    /**
     * The thread's CPU so far: on-CPU nanoseconds ({@code schedstat}), user and system clock ticks ({@code stat}, 10 ms
     * each); zeros once it has ended.
     */
    private long[] cpu() {
        try {
            String[] f = firstLine(stat).substring(firstLine(stat).lastIndexOf(')') + 2).split(" ", -1);
            long onCpu = Long.parseLong(firstLine(schedstat).split(" ", -1)[0]);
            return new long[] {onCpu, Long.parseLong(f[11]), Long.parseLong(f[12])};
        } catch (IOException | RuntimeException e) {
            return new long[3];
        }
    }

    /** Ends the measured span: {@link #describe} reports the thread's CPU from its start ({@link #of}) to here. */
    void stop() {
        cpuAtEnd = cpu();
    }

    /** The thread of {@code pid} whose name ({@code comm}, at most 15 characters) starts with {@code name}. */
    static Optional<ThreadStates> of(long pid, String name) {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks) {
                if (firstLine(t.resolve("comm")).startsWith(name)) {
                    return Optional.of(new ThreadStates(t));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Takes one sample; a thread that has ended is not counted. */
    void sample() {
        try {
            String s = firstLine(stat);
            char state = s.charAt(s.lastIndexOf(')') + 2);
            String where = firstLine(wchan);
            switch (state) {
                case 'R' -> running++;
                case 'D' -> {
                    if (where.startsWith("nfnetlink_rcv_msg")) {
                        mutex++;
                    } else {
                        otherKernel++;
                    }
                }
                default -> sleeping++;
            }
        } catch (IOException | RuntimeException e) {
            // the thread ended
        }
    }

    /**
     * "CPU C ms (U µs per flow; user u, system s ticks), N samples: running X %, waiting for the nfnetlink mutex Y %,
     * in the kernel otherwise Z %, idle W %"; the CPU part once {@link #stop} ran.
     */
    String describe(long flows) {
        long n = running + mutex + otherKernel + sleeping;
        String cpu = "";
        if (cpuAtEnd != null && cpuAtEnd[0] > 0) {
            long nanos = cpuAtEnd[0] - cpuAtStart[0];
            cpu = String.format(Locale.ROOT, "CPU %.1f ms (%.2f µs per flow; user %d, system %d ticks of 10 ms), ",
                    nanos / 1e6, nanos / 1e3 / Math.max(1, flows), cpuAtEnd[1] - cpuAtStart[1],
                    cpuAtEnd[2] - cpuAtStart[2]);
        }
        if (n == 0) {
            return cpu + "no samples";
        }
        return cpu + String.format(Locale.ROOT, "%d samples: running %.0f %%, waiting for the nfnetlink mutex %.0f %%, "
                + "in the kernel otherwise %.0f %%, idle %.0f %%", n, 100.0 * running / n, 100.0 * mutex / n,
                100.0 * otherKernel / n, 100.0 * sleeping / n);
    }

    private static String firstLine(Path p) throws IOException {
        // not Files.readString, which read a /proc file (size 0) short (ConntrackMax)
        List<String> lines = Files.readAllLines(p, StandardCharsets.US_ASCII);
        return lines.isEmpty() ? "" : lines.getFirst().strip();
    }
}
