package org.hftfw.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What every benchmark of this module shares in reporting: the header line naming the machine it ran on (the
 * machines are shared and noisy, so a figure means little without it), order statistics of repeated rounds, and the
 * sanity check that aborts a run whose work did not happen (a fast figure for work not done is worse than none).
 * Each benchmark prints its own figure beside its own baseline, measured in the same run.
 */
public final class Figures {
    private Figures() {}

    /** Prints {@code name: what (N CPUs, Java V)} as the first line of a benchmark's output. */
    public static void header(String name, String what) {
        System.out.printf(Locale.ROOT, "%s: %s (%d CPUs, Java %s)%n", name, what,
                Runtime.getRuntime().availableProcessors(), Runtime.version());
    }

    /** The machine's load averages over 1, 5 and 15 minutes (/proc/loadavg), to print beside a figure. */
    public static String loadAverage() {
        try {
            String line = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"));
            int end = -1;
            for (int fields = 0; fields < 3; fields++) {
                end = line.indexOf(' ', end + 1);
            }
            return end < 0 ? line.strip() : line.substring(0, end);
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    public static double median(List<Double> values) {
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    public static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The {@code q} quantile of an ascending array (nearest rank). */
    public static long quantile(long[] sorted, double q) {
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1))];
    }

    /** Events per second for {@code n} events in {@code nanos}. */
    public static double rate(long n, long nanos) {
        return n / (nanos / 1e9);
    }

    /** Aborts the benchmark if its work did not happen as planned. */
    public static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark check failed: " + what);
        }
    }
}
