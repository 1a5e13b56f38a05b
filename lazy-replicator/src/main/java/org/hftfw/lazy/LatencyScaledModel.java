package org.hftfw.lazy;

/**
 * The latency-scaled lifetime model: per (state, destination-port class, previous-lifetime bucket), the distribution
 * of a state's lifetime <i>in units of the flow's round-trip time</i>, as a histogram of log2(lifetime / RTT) (16 bins
 * per octave over 2^−16 … 2^16, under- and overflow in the end bins). P(SS | state, port, previous lifetime, RTT) is
 * then the share of that distribution at or above B / RTT.
 *
 * <p>Why the RTT: many conntrack states last a fixed number of round trips (SYN_RECV one client RTT, FIN_WAIT and
 * LAST_ACK about one, an HTTP exchange a few), so whether they outlive B = 2·l depends on the path's latency (paper,
 * Sect. III: "if latency is high, all the states tend to behave as SS"; Sect. VII-B: heterogeneous latency raises
 * wrong predictions). Counting TS/SS per RTT bucket needs observations at every latency; the ratio is the same at
 * every latency, so what one client teaches applies to every other — a 120 ms client's SYN_RECV is predicted TS from
 * 300 ms and 40 ms clients alike. States unrelated to latency (TIME_WAIT, an SSH session) have ratios far from
 * B / RTT and come out plainly SS or TS.
 *
 * <p>Why the previous state's lifetime, also in RTTs ({@link #prevBucket}, half-octave buckets, plus "first state of
 * the flow"): the states of a close share round trips. When an HTTP server closes first, FIN_WAIT lasts until the
 * client's next ACK and CLOSE_WAIT until the client's FIN, and the two together last one RTT: CLOSE_WAIT is short
 * after a long FIN_WAIT and a whole RTT after an instant one. Likewise FIN_WAIT lasts one RTT after an instant
 * ESTABLISHED (the response fitted the first window) and about 2 RTT − ESTABLISHED after a one-round-trip response.
 * Conditioning on the previous lifetime ÷ RTT captures this at every latency; on the held-out heterogeneous
 * recording it doubles the CLOSE_WAIT changes correctly held back, with no wrong prediction added (docs/evaluation.md).
 * A (state, port class, bucket) histogram with fewer than the caller's minimum observations is not used; the caller
 * asks {@link #probabilityStablePooled} instead, the histogram summed over all previous-lifetime buckets.
 *
 * <p>Resolution: 16 bins per octave (4.4 % wide). SYN_RECV lasts the client's RTT to within 1–2 %, and the
 * previous-lifetime buckets above make other states nearly as sharp; with 4 bins per octave (19 %) a 190 ms client's
 * SYN_RECV (B / RTT = 1.05) fell in the bin holding ratio 1.0 and was sent as likely stable. Each histogram is a
 * Fenwick tree, so the share above B / RTT costs two O(log BINS) prefix sums, not a scan of the bins.
 *
 * <p>Learned from each state's real lifetime when it ends (a state labelled SS at its B deadline is added later,
 * when it is superseded, so long lifetimes are not cut at B), with the RTT and the bucket known when it was
 * classified. Counts are longs, saved in model files beside the naive Bayes counts (only the bucketed histograms:
 * the pooled ones are their sums).
 *
 * <p><b>A prior that yields to local evidence</b> (issue 13 item 1). A model trained elsewhere (the shipped one) is
 * kept apart from what this site observes and acts as a Dirichlet prior of strength K per histogram: P(SS) =
 * (above_local + w·above_prior + ½) / (n_local + w·n_prior + 1) with w = min(1, K / n_prior), so the prior counts as
 * at most K observations of each (state, port class, previous lifetime) and its share of a decision is K / (K + n)
 * after n local observations. Without the cap a prior of thousands of lab lifetimes outvoted a site's own evidence
 * for good, and on traffic unlike its training the shipped model held back stable states that an empty model,
 * learning online, sent (measured: docs/evaluation.md, "shipped model as a prior"). K = infinity gives the prior
 * full weight (as one body of evidence: what training does when it continues from earlier logs).
 */
final class LatencyScaledModel {
    static final int BINS_PER_OCTAVE = 16;
    static final int MIN_LOG2 = -16;
    static final int BINS = 2 * -MIN_LOG2 * BINS_PER_OCTAVE;
    /**
     * Previous-lifetime buckets: 0 = first state of the flow (or no RTT), 1 = previous lifetime &lt; RTT/16, 2..12 =
     * half-octaves [2^((k−10)/2), 2^((k−9)/2)) RTT, 13 = ≥ 2^1.5 RTT.
     */
    static final int PREV_BUCKETS = 14;
    static final int POOLED_CONTEXTS = StateIds.COUNT * FeatureEncoder.PORT_CLASSES;
    static final int CONTEXTS = POOLED_CONTEXTS * PREV_BUCKETS;

    /** Per context a Fenwick tree over the BINS bins (index 1..BINS), so a share above B / RTT costs O(log BINS). */
    private final long[][] trees = new long[CONTEXTS][];
    private final long[] totals = new long[CONTEXTS];
    private final long[][] pooled = new long[POOLED_CONTEXTS][];
    private final long[] pooledTotals = new long[POOLED_CONTEXTS];
    /** The prior (a model trained elsewhere), null when there is none; never updated. */
    private final LatencyScaledModel prior;
    private final double strength;
    /** Per (state, port class): the prior was withdrawn there ({@link CalibrationGuard}); runtime only. */
    private final boolean[] priorDropped = new boolean[POOLED_CONTEXTS];

    LatencyScaledModel() {
        this.prior = null;
        this.strength = 0;
    }

    /** From saved counts: {@code counts[context]} is null or a BINS-long histogram. */
    LatencyScaledModel(long[][] saved) {
        this(saved, null, 0);
    }

    /**
     * From saved evidence and a saved prior of strength {@code strength} (observations per histogram at most;
     * {@code Double.POSITIVE_INFINITY}: full weight). {@code priorCounts} null: no prior.
     */
    LatencyScaledModel(long[][] saved, long[][] priorCounts, double strength) {
        this.prior = priorCounts == null ? null : new LatencyScaledModel(priorCounts);
        this.strength = strength;
        if (saved.length != CONTEXTS) {
            throw new IllegalArgumentException("latency-scaled model has the wrong shape");
        }
        for (int c = 0; c < CONTEXTS; c++) {
            if (saved[c] != null) {
                if (saved[c].length != BINS) {
                    throw new IllegalArgumentException("latency-scaled histogram has the wrong length");
                }
                for (int b = 0; b < BINS; b++) {
                    if (saved[c][b] != 0) {
                        add(c, c / PREV_BUCKETS, b, saved[c][b]);
                    }
                }
                if (trees[c] == null) {
                    trees[c] = new long[BINS + 1];   // an all-zero saved row stays a (zero) row
                }
            }
        }
    }

    static int context(int stateId, int portClass, int prevBucket) {
        return pooledContext(stateId, portClass) * PREV_BUCKETS + prevBucket;
    }

    static int pooledContext(int stateId, int portClass) {
        return stateId * FeatureEncoder.PORT_CLASSES + portClass;
    }

    /** The bucket of the previous state's lifetime in RTTs; 0 when there was none ({@code < 0}) or no RTT. */
    static int prevBucket(long prevLifetimeNanos, long rttNanos) {
        if (prevLifetimeNanos < 0 || rttNanos <= 0) {
            return 0;
        }
        if (prevLifetimeNanos * 16 < rttNanos) {
            return 1;
        }
        double r = (double) prevLifetimeNanos / rttNanos;
        int k = Math.getExponent(r * r) + 10;   // floor(2·log2 r) + 10, exact
        return Math.max(2, Math.min(PREV_BUCKETS - 1, k));
    }

    static int bin(double log2Ratio) {
        int b = (int) Math.floor((log2Ratio - MIN_LOG2) * BINS_PER_OCTAVE);
        return Math.max(0, Math.min(BINS - 1, b));
    }

    void observe(int stateId, int portClass, int prevBucket, long lifetimeNanos, long rttNanos) {
        if (rttNanos <= 0 || lifetimeNanos < 0) {
            return;
        }
        add(context(stateId, portClass, prevBucket), pooledContext(stateId, portClass),
                bin(log2((double) Math.max(lifetimeNanos, 1) / rttNanos)), 1);
    }

    private void add(int c, int pc, int bin, long n) {
        if (trees[c] == null) {
            trees[c] = new long[BINS + 1];
        }
        if (pooled[pc] == null) {
            pooled[pc] = new long[BINS + 1];
        }
        for (int i = bin + 1; i <= BINS; i += i & -i) {
            trees[c][i] += n;
            pooled[pc][i] += n;
        }
        totals[c] += n;
        pooledTotals[pc] += n;
    }

    /** Sum of bins [0, n) of a Fenwick tree. */
    private static long prefix(long[] tree, int n) {
        long s = 0;
        for (int i = n; i > 0; i -= i & -i) {
            s += tree[i];
        }
        return s;
    }

    /**
     * Observations of (state, port class) in one previous-lifetime bucket: the local ones plus what the prior
     * counts for (at most its strength).
     */
    double observations(int stateId, int portClass, int prevBucket) {
        int c = context(stateId, portClass, prevBucket);
        return totals[c] + (priorAt(c / PREV_BUCKETS) == null ? 0 : Math.min((double) prior.totals[c], strength));
    }

    /** Observations of (state, port class) over all previous-lifetime buckets, as above. */
    double observations(int stateId, int portClass) {
        int pc = pooledContext(stateId, portClass);
        return pooledTotals[pc] + (priorAt(pc) == null ? 0 : Math.min((double) prior.pooledTotals[pc], strength));
    }

    /** The prior where it still counts for (state, port class) context {@code pc}, else null. */
    private LatencyScaledModel priorAt(int pc) {
        return priorDropped[pc] ? null : prior;
    }

    /** A prior is blended into the decisions of (state, port class). */
    boolean hasPrior(int stateId, int portClass) {
        return priorAt(pooledContext(stateId, portClass)) != null;
    }

    /** Withdraws the prior from the decisions of (state, port class): it disagrees with this site's labels there. */
    void dropPrior(int stateId, int portClass) {
        priorDropped[pooledContext(stateId, portClass)] = true;
    }

    /**
     * P(lifetime ≥ B | state, port class, previous-lifetime bucket, RTT), Laplace-smoothed ((n≥ + ½) / (n + 1)); the
     * bin holding B / RTT counts in proportion to its part above it. NaN without observations, without an RTT, or
     * when B / RTT falls in an end bin (the histogram cannot tell which side of it those lifetimes were).
     */
    double probabilityStable(int stateId, int portClass, int prevBucket, long rttNanos, long boundaryNanos) {
        int c = context(stateId, portClass, prevBucket);
        return priorAt(c / PREV_BUCKETS) == null ? share(trees[c], totals[c], rttNanos, boundaryNanos)
                : share(trees[c], totals[c], prior.trees[c], prior.totals[c], rttNanos, boundaryNanos);
    }

    /** As {@link #probabilityStable(int, int, int, long, long)} from the histogram of all buckets together. */
    double probabilityStablePooled(int stateId, int portClass, long rttNanos, long boundaryNanos) {
        int pc = pooledContext(stateId, portClass);
        return priorAt(pc) == null ? share(pooled[pc], pooledTotals[pc], rttNanos, boundaryNanos)
                : share(pooled[pc], pooledTotals[pc], prior.pooled[pc], prior.pooledTotals[pc], rttNanos,
                boundaryNanos);
    }

    private static double share(long[] tree, long total, long rttNanos, long boundaryNanos) {
        if (rttNanos <= 0 || total == 0) {
            return Double.NaN;
        }
        double x = position(rttNanos, boundaryNanos);
        if (Double.isNaN(x)) {
            return Double.NaN;
        }
        return (above(tree, total, x) + 0.5) / (total + 1.0);
    }

    /** As above with the prior's histogram added at weight min(1, strength / its total). */
    private double share(long[] tree, long total, long[] priorTree, long priorTotal, long rttNanos,
                         long boundaryNanos) {
        if (rttNanos <= 0 || total + priorTotal == 0) {
            return Double.NaN;
        }
        double x = position(rttNanos, boundaryNanos);
        if (Double.isNaN(x)) {
            return Double.NaN;
        }
        double localAbove = total == 0 ? 0 : above(tree, total, x);
        if (priorTotal == 0) {
            return (localAbove + 0.5) / (total + 1.0);
        }
        double w = Math.min(1.0, strength / priorTotal);
        return (localAbove + w * above(priorTree, priorTotal, x) + 0.5) / (total + w * priorTotal + 1.0);
    }

    /** The fractional bin index of B / RTT, or NaN when it falls in an end bin (beyond it is not known). */
    private static double position(long rttNanos, long boundaryNanos) {
        double x = (log2((double) boundaryNanos / rttNanos) - MIN_LOG2) * BINS_PER_OCTAVE;
        return x < 1 || x >= BINS - 1 ? Double.NaN : x;
    }

    /** Observations at or above fractional bin {@code x}; the bin holding it counts in proportion. */
    private static double above(long[] tree, long total, double x) {
        int b = (int) Math.floor(x);
        long below = prefix(tree, b);
        long through = prefix(tree, b + 1);
        return total - through + (through - below) * (b + 1 - x);
    }

    /** The prior's histograms (null rows where it has none), or null without a prior. */
    long[][] priorCounts() {
        return prior == null ? null : prior.counts();
    }

    double strength() {
        return strength;
    }

    long total() {
        long t = 0;
        for (long v : pooledTotals) {
            t += v;
        }
        return t;
    }

    /** A copy of the bucketed histograms (null for contexts never observed). */
    long[][] counts() {
        long[][] out = new long[CONTEXTS][];
        for (int c = 0; c < CONTEXTS; c++) {
            if (trees[c] != null) {
                out[c] = new long[BINS];
                long prev = 0;
                for (int b = 0; b < BINS; b++) {
                    long p = prefix(trees[c], b + 1);
                    out[c][b] = p - prev;
                    prev = p;
                }
            }
        }
        return out;
    }

    private static double log2(double v) {
        return Math.log(v) * INV_LN2;
    }

    private static final double INV_LN2 = 1.0 / Math.log(2);
}
