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
 * <p>Why also the lifetime of the state before that ({@link #historyObservations}, issue 13 item 3: "the previous
 * states' lifetimes in the same flow"): one previous lifetime leaves who closed first ambiguous. A LAST_ACK after an
 * instant CLOSE_WAIT follows either a server-first close whose FIN_WAIT took most of the client's RTT (LAST_ACK
 * then ends at once) or a client-first close whose FIN_WAIT was instant (LAST_ACK then lasts the client's RTT): the
 * FIN_WAIT's lifetime, two states back, tells them apart. Each observation is therefore also counted in a <i>history</i>
 * histogram per (state, port class, previous-lifetime bucket, bucket of the lifetime before it); the caller asks it
 * first when it has enough observations. Measured cross-fitted (docs/evaluation.md §5.7): +2.3 … +5.3 points of
 * transitional changes held at ≤ 0.5 % wrong on the generated heterogeneous mixes.
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
    /** History contexts: a (state, port class, previous-lifetime) context × the bucket of the lifetime before it. */
    static final int HISTORY_CONTEXTS = CONTEXTS * PREV_BUCKETS;
    /** Rows of {@link #counts()}: the bucketed histograms, then the history ones (index CONTEXTS + history context). */
    static final int ROWS = CONTEXTS + HISTORY_CONTEXTS;

    /** Per context a Fenwick tree over the BINS bins (index 1..BINS), so a share above B / RTT costs O(log BINS). */
    private final long[][] trees = new long[CONTEXTS][];
    private final long[] totals = new long[CONTEXTS];
    private final long[][] pooled = new long[POOLED_CONTEXTS][];
    private final long[] pooledTotals = new long[POOLED_CONTEXTS];
    /**
     * History histograms, allocated on first use: [context][bucket before the previous one] a Fenwick tree whose
     * unused slot 0 holds its total (most of the 14 × 14 combinations never occur, so no second array of totals).
     */
    private final long[][][] history = new long[CONTEXTS][][];
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
        if (saved.length != ROWS) {
            throw new IllegalArgumentException("latency-scaled model has the wrong shape");
        }
        for (int r = 0; r < ROWS; r++) {
            if (saved[r] != null) {
                if (saved[r].length != BINS) {
                    throw new IllegalArgumentException("latency-scaled histogram has the wrong length");
                }
                if (r < CONTEXTS) {
                    for (int b = 0; b < BINS; b++) {
                        if (saved[r][b] != 0) {
                            add(r, r / PREV_BUCKETS, b, saved[r][b]);
                        }
                    }
                    if (trees[r] == null) {
                        trees[r] = new long[BINS + 1];   // an all-zero saved row stays a (zero) row
                    }
                } else {
                    int h = r - CONTEXTS;
                    long[] tree = historyTree(h / PREV_BUCKETS, h % PREV_BUCKETS);
                    for (int b = 0; b < BINS; b++) {
                        if (saved[r][b] != 0) {
                            addTo(tree, b, saved[r][b]);
                        }
                    }
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

    /** An ended state's lifetime, without the history (only its previous lifetime is known). */
    void observe(int stateId, int portClass, int prevBucket, long lifetimeNanos, long rttNanos) {
        observe(stateId, portClass, prevBucket, -1, lifetimeNanos, rttNanos);
    }

    /**
     * An ended state's lifetime; {@code historyBucket} is the {@link #prevBucket} of the lifetime before the
     * previous one (0: none), or −1 to leave the history histograms out.
     */
    void observe(int stateId, int portClass, int prevBucket, int historyBucket, long lifetimeNanos, long rttNanos) {
        if (rttNanos <= 0 || lifetimeNanos < 0) {
            return;
        }
        int c = context(stateId, portClass, prevBucket);
        int bin = bin(log2((double) Math.max(lifetimeNanos, 1) / rttNanos));
        add(c, pooledContext(stateId, portClass), bin, 1);
        if (historyBucket >= 0) {
            addTo(historyTree(c, historyBucket), bin, 1);
        }
    }

    private long[] historyTree(int c, int historyBucket) {
        if (history[c] == null) {
            history[c] = new long[PREV_BUCKETS][];
        }
        if (history[c][historyBucket] == null) {
            history[c][historyBucket] = new long[BINS + 1];
        }
        return history[c][historyBucket];
    }

    /** Adds to a history tree: the Fenwick nodes, and the total in slot 0. */
    private static void addTo(long[] tree, int bin, long n) {
        for (int i = bin + 1; i <= BINS; i += i & -i) {
            tree[i] += n;
        }
        tree[0] += n;
    }

    private long[] historyAt(int c, int historyBucket) {
        return history[c] == null ? null : history[c][historyBucket];
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

    /** Observations of a history context (see {@link #observe(int, int, int, int, long, long)}), as above. */
    double historyObservations(int stateId, int portClass, int prevBucket, int historyBucket) {
        int c = context(stateId, portClass, prevBucket);
        long[] local = historyAt(c, historyBucket);
        long[] p = priorAt(c / PREV_BUCKETS) == null ? null : prior.historyAt(c, historyBucket);
        return (local == null ? 0 : local[0]) + (p == null ? 0 : Math.min((double) p[0], strength));
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

    /** As {@link #probabilityStable(int, int, int, long, long)} from a history histogram. */
    double probabilityStableHistory(int stateId, int portClass, int prevBucket, int historyBucket, long rttNanos,
                                    long boundaryNanos) {
        int c = context(stateId, portClass, prevBucket);
        long[] local = historyAt(c, historyBucket);
        long[] p = priorAt(c / PREV_BUCKETS) == null ? null : prior.historyAt(c, historyBucket);
        long localTotal = local == null ? 0 : local[0];
        return p == null ? share(local, localTotal, rttNanos, boundaryNanos)
                : share(local, localTotal, p, p[0], rttNanos, boundaryNanos);
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

    /**
     * A copy of the bucketed histograms, then the history ones at {@code CONTEXTS + context × PREV_BUCKETS + bucket}
     * ({@link #ROWS} rows, null for contexts never observed).
     */
    long[][] counts() {
        long[][] out = new long[ROWS][];
        for (int c = 0; c < CONTEXTS; c++) {
            if (trees[c] != null) {
                out[c] = bins(trees[c]);
            }
            for (int h = 0; h < PREV_BUCKETS; h++) {
                long[] tree = historyAt(c, h);
                if (tree != null) {
                    out[CONTEXTS + c * PREV_BUCKETS + h] = bins(tree);
                }
            }
        }
        return out;
    }

    private static long[] bins(long[] tree) {
        long[] out = new long[BINS];
        long prev = 0;
        for (int b = 0; b < BINS; b++) {
            long p = prefix(tree, b + 1);
            out[b] = p - prev;
            prev = p;
        }
        return out;
    }

    private static double log2(double v) {
        return Math.log(v) * INV_LN2;
    }

    private static final double INV_LN2 = 1.0 / Math.log(2);
}
