package org.hftfw.migrator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a process's CPU went over a span, thread name by thread name, and how long its threads waited for a CPU
 * while runnable: {@code /proc/PID/task/TID/schedstat} (on-CPU and run-queue nanoseconds) read at both ends.
 *
 * <p>Why: on a machine whose two CPUs are shared with other agents the wall time of a round is mostly its CPU divided
 * by the share the scheduler gives, and which threads besides the event loops and the kernel writer take part of
 * that share (the collector's VM thread, the JIT, the migrator's progress polls) is what decides what to cut next.
 * The run-queue wait says how much of the wall time the threads were ready and not running.
 */
public final class ThreadCpu {
    private final long pid;
    private final Map<String, long[]> atStart;

    private ThreadCpu(long pid) {
        this.pid = pid;
        this.atStart = read(pid);
    }

    /** Starts a span for process {@code pid}. */
    public static ThreadCpu start(long pid) {
        return new ThreadCpu(pid);
    }

    /**
     * The span up to now: on-CPU milliseconds per thread name (threads of one name summed), the largest first, the
     * rest as "others", then the run-queue wait of all threads together.
     */
    public String describe(int top) {
        Map<String, long[]> now = read(pid);
        List<Map.Entry<String, long[]>> used = new ArrayList<>();
        long waitNanos = 0;
        for (Map.Entry<String, long[]> e : now.entrySet()) {
            long[] before = atStart.getOrDefault(e.getKey(), new long[2]);
            long cpu = e.getValue()[0] - before[0];
            waitNanos += Math.max(0, e.getValue()[1] - before[1]);
            if (cpu > 0) {
                used.add(Map.entry(e.getKey(), new long[] {cpu}));
            }
        }
        used.sort((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]));
        StringBuilder sb = new StringBuilder();
        long others = 0;
        for (int i = 0; i < used.size(); i++) {
            if (i < top) {
                sb.append(String.format(Locale.ROOT, "%s%s %.0f", i == 0 ? "" : ", ", used.get(i).getKey(),
                        used.get(i).getValue()[0] / 1e6));
            } else {
                others += used.get(i).getValue()[0];
            }
        }
        if (others > 0) {
            sb.append(String.format(Locale.ROOT, ", others %.0f", others / 1e6));
        }
        return sb.append(String.format(Locale.ROOT, " ms; runnable but waiting for a CPU %.0f ms", waitNanos / 1e6))
                .toString();
    }

    /** Thread name → {on-CPU ns, run-queue ns}, summed over the threads of that name; empty once the process ended. */
    private static Map<String, long[]> read(long pid) {
        Map<String, long[]> m = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks) {
                try {
                    String name = firstLine(t.resolve("comm"));
                    String[] s = firstLine(t.resolve("schedstat")).split(" ", -1);
                    long[] sum = m.computeIfAbsent(name, k -> new long[2]);
                    sum[0] += Long.parseLong(s[0]);
                    sum[1] += Long.parseLong(s[1]);
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read: its time is no longer counted anywhere
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return m;
    }

    private static String firstLine(Path p) throws IOException {
        // not Files.readString, which read a /proc file (size 0) short (ConntrackMax)
        List<String> lines = Files.readAllLines(p, StandardCharsets.US_ASCII);
        return lines.isEmpty() ? "" : lines.getFirst().strip();
    }
}
