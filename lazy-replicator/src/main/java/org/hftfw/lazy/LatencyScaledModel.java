package org.hftfw.lazy;

/**
 * The latency-scaled lifetime model: per (state, destination-port class), the distribution of a state's lifetime
 * <i>in units of the flow's round-trip time</i>, as a histogram of log2(lifetime / RTT) (4 bins per octave over
 * 2^−16 … 2^16, under- and overflow in the end bins). P(SS | state, port, RTT) is then the share of that
 * distribution at or above B / RTT.
 *
 * <p>Why: many conntrack states last a fixed number of round trips (SYN_RECV one client RTT, FIN_WAIT and LAST_ACK
 * about one, an HTTP exchange a few), so whether they outlive B = 2·l depends on the path's latency (paper, Sect.
 * III: "if latency is high, all the states tend to behave as SS"; Sect. VII-B: heterogeneous latency raises wrong
 * predictions). Counting TS/SS per RTT bucket needs observations at every latency; the ratio is the same at every
 * latency, so what one client teaches applies to every other — a 120 ms client's SYN_RECV is predicted TS from
 * 300 ms and 40 ms clients alike. States unrelated to latency (TIME_WAIT, an SSH session) have ratios far from
 * B / RTT and come out plainly SS or TS.
 *
 * <p>Learned from each state's real lifetime when it ends (a state labelled SS at its B deadline is added later,
 * when it is superseded, so long lifetimes are not cut at B), with the RTT known when it was classified. Counts
 * are longs, saved in model files beside the naive Bayes counts.
 */
final class LatencyScaledModel {
    static final int BINS_PER_OCTAVE = 4;
    static final int MIN_LOG2 = -16;
    static final int BINS = 2 * -MIN_LOG2 * BINS_PER_OCTAVE;
    static final int CONTEXTS = StateIds.COUNT * FeatureEncoder.PORT_CLASSES;

    private final long[][] counts;
    private final long[] totals = new long[CONTEXTS];

    LatencyScaledModel() {
        this.counts = new long[CONTEXTS][];
    }

    /** From saved counts: {@code counts[context]} is null or a BINS-long histogram. */
    LatencyScaledModel(long[][] saved) {
        if (saved.length != CONTEXTS) {
            throw new IllegalArgumentException("latency-scaled model has the wrong shape");
        }
        this.counts = new long[CONTEXTS][];
        for (int c = 0; c < CONTEXTS; c++) {
            if (saved[c] != null) {
                if (saved[c].length != BINS) {
                    throw new IllegalArgumentException("latency-scaled histogram has the wrong length");
                }
                counts[c] = saved[c].clone();
                for (long v : counts[c]) {
                    totals[c] += v;
                }
            }
        }
    }

    static int context(int stateId, int portClass) {
        return stateId * FeatureEncoder.PORT_CLASSES + portClass;
    }

    static int bin(double log2Ratio) {
        int b = (int) Math.floor((log2Ratio - MIN_LOG2) * BINS_PER_OCTAVE);
        return Math.max(0, Math.min(BINS - 1, b));
    }

    void observe(int stateId, int portClass, long lifetimeNanos, long rttNanos) {
        if (rttNanos <= 0 || lifetimeNanos < 0) {
            return;
        }
        int c = context(stateId, portClass);
        if (counts[c] == null) {
            counts[c] = new long[BINS];
        }
        counts[c][bin(log2((double) Math.max(lifetimeNanos, 1) / rttNanos))]++;
        totals[c]++;
    }

    long observations(int stateId, int portClass) {
        return totals[context(stateId, portClass)];
    }

    /**
     * P(lifetime ≥ B | state, port class, RTT), Laplace-smoothed ((n≥ + ½) / (n + 1)); the bin holding B / RTT counts
     * in proportion to its part above it. NaN without observations, without an RTT, or when B / RTT falls in an end
     * bin (the histogram cannot tell which side of it those lifetimes were).
     */
    double probabilityStable(int stateId, int portClass, long rttNanos, long boundaryNanos) {
        int c = context(stateId, portClass);
        if (rttNanos <= 0 || totals[c] == 0) {
            return Double.NaN;
        }
        double x = (log2((double) boundaryNanos / rttNanos) - MIN_LOG2) * BINS_PER_OCTAVE;
        long[] h = counts[c];
        double above;
        if (x < 1 || x >= BINS - 1) {
            return Double.NaN;   // B / RTT in an end bin: what lies beyond its edge is not known
        } else {
            int b = (int) Math.floor(x);
            above = h[b] * (b + 1 - x);
            for (int i = b + 1; i < BINS; i++) {
                above += h[i];
            }
        }
        return (above + 0.5) / (totals[c] + 1.0);
    }

    long total() {
        long t = 0;
        for (long v : totals) {
            t += v;
        }
        return t;
    }

    /** A copy of the histograms (null for contexts never observed). */
    long[][] counts() {
        long[][] out = new long[CONTEXTS][];
        for (int c = 0; c < CONTEXTS; c++) {
            out[c] = counts[c] == null ? null : counts[c].clone();
        }
        return out;
    }

    private static double log2(double v) {
        return Math.log(v) / Math.log(2);
    }
}
