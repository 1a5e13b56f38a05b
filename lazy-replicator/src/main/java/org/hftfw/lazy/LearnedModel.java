package org.hftfw.lazy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable snapshot of what a {@link LazyReplicator} has learned: every knowledge-base tuple with its packed
 * per-state counters, and the naive Bayes fallback's class and feature counts. Taken with
 * {@link LazyReplicator#snapshot()}, given to a new replicator as its starting knowledge, stored with
 * {@link ModelFile}. {@link #empty()} is "no model": every state change is replicated until something is learned.
 *
 * <p>Besides this evidence a model may carry a <b>prior</b>: naive Bayes and latency-scaled counts learned on other
 * networks (the shipped model), with a strength K: a replicator blends the prior into each decision as at most K
 * observations of the (state, port class, previous lifetime) concerned, so this site's own observations take over
 * as they arrive ({@link LatencyScaledModel}). {@link #asPrior} turns a trained model into one; a replicator's
 * snapshot keeps its prior apart and unchanged. And a free-text <b>provenance</b>: what the model was trained on.
 */
public final class LearnedModel {
    /**
     * The prior strength a portable model is written with (hftfw train --no-keys): as many observations as
     * {@code lazy.min-observations}' default, so the prior alone may decide, and after that many local observations
     * it has half the say. Chosen on held-out recordings and leave-one-mix-out (docs/evaluation.md): 5 was as good
     * as or better than 10, 20 and full weight on both, and never worse than an empty model on any mix.
     */
    public static final double DEFAULT_PRIOR_STRENGTH = 5;
    final long boundaryNanos;
    final long[] v4Addrs;
    final int[] v4Meta;
    final long[] v4Counters;
    final long[] v6Addrs;
    final int[] v6Meta;
    final long[] v6Counters;
    final long[] classCounts;
    final long[][] wordCounts;
    /**
     * Latency-scaled lifetime histograms, [row][bin] as {@link LatencyScaledModel#counts()} (the bucketed ones, then
     * the history ones), null rows for contexts never observed.
     */
    final long[][] latencyCounts;
    /** The prior's counts (all three null when there is no prior) and its strength. */
    final long[] priorClassCounts;
    final long[][] priorWordCounts;
    final long[][] priorLatencyCounts;
    final double priorStrength;
    /** What the model was trained on (free text, may be empty). */
    final String provenance;

    LearnedModel(long boundaryNanos, long[] v4Addrs, int[] v4Meta, long[] v4Counters, long[] v6Addrs, int[] v6Meta,
                 long[] v6Counters, long[] classCounts, long[][] wordCounts, long[][] latencyCounts) {
        this(boundaryNanos, v4Addrs, v4Meta, v4Counters, v6Addrs, v6Meta, v6Counters, classCounts, wordCounts,
                latencyCounts, null, null, null, 0, "");
    }

    LearnedModel(long boundaryNanos, long[] v4Addrs, int[] v4Meta, long[] v4Counters, long[] v6Addrs, int[] v6Meta,
                 long[] v6Counters, long[] classCounts, long[][] wordCounts, long[][] latencyCounts,
                 long[] priorClassCounts, long[][] priorWordCounts, long[][] priorLatencyCounts, double priorStrength,
                 String provenance) {
        boolean hasPrior = priorWordCounts != null;
        if (hasPrior != (priorClassCounts != null) || hasPrior != (priorLatencyCounts != null)
                || (hasPrior && (priorClassCounts.length != 2 || priorWordCounts.length != 2
                || priorWordCounts[0].length != FeatureEncoder.P || priorWordCounts[1].length != FeatureEncoder.P
                || priorLatencyCounts.length != LatencyScaledModel.ROWS || !(priorStrength > 0)))) {
            throw new IllegalArgumentException("inconsistent prior arrays");
        }
        this.priorClassCounts = priorClassCounts;
        this.priorWordCounts = priorWordCounts;
        this.priorLatencyCounts = priorLatencyCounts;
        this.priorStrength = hasPrior ? priorStrength : 0;
        this.provenance = java.util.Objects.requireNonNull(provenance, "provenance");
        if (v4Meta.length != v4Addrs.length || v4Counters.length != 2 * v4Meta.length
                || v6Addrs.length != 4 * v6Meta.length || v6Counters.length != 2 * v6Meta.length
                || classCounts.length != 2 || wordCounts.length != 2
                || wordCounts[0].length != FeatureEncoder.P || wordCounts[1].length != FeatureEncoder.P
                || latencyCounts.length != LatencyScaledModel.ROWS) {
            throw new IllegalArgumentException("inconsistent model arrays");
        }
        this.boundaryNanos = boundaryNanos;
        this.v4Addrs = v4Addrs;
        this.v4Meta = v4Meta;
        this.v4Counters = v4Counters;
        this.v6Addrs = v6Addrs;
        this.v6Meta = v6Meta;
        this.v6Counters = v6Counters;
        this.classCounts = classCounts;
        this.wordCounts = wordCounts;
        this.latencyCounts = latencyCounts;
    }

    /** No knowledge at all: the replicator starts by replicating everything. */
    public static LearnedModel empty() {
        return new LearnedModel(0, new long[0], new int[0], new long[0], new long[0], new int[0], new long[0],
                new long[2], new long[2][FeatureEncoder.P], new long[LatencyScaledModel.ROWS][]);
    }

    static LearnedModel of(List<KeyStats> keys, FallbackModel fallback, LatencyScaledModel latency,
                           long boundaryNanos, LearnedModel initial) {
        int n4 = 0;
        for (KeyStats k : keys) {
            if (k instanceof KeyStats.V4) {
                n4++;
            }
        }
        int n6 = keys.size() - n4;
        long[] a4 = new long[n4];
        int[] m4 = new int[n4];
        long[] c4 = new long[2 * n4];
        long[] a6 = new long[4 * n6];
        int[] m6 = new int[n6];
        long[] c6 = new long[2 * n6];
        int i4 = 0;
        int i6 = 0;
        for (KeyStats k : keys) {
            switch (k) {
                case KeyStats.V4 v -> {
                    a4[i4] = v.addrs;
                    m4[i4] = v.keyMeta();
                    c4[2 * i4] = v.c0;
                    c4[2 * i4 + 1] = v.c1;
                    i4++;
                }
                case KeyStats.V6 v -> {
                    a6[4 * i6] = v.src0;
                    a6[4 * i6 + 1] = v.src1;
                    a6[4 * i6 + 2] = v.dst0;
                    a6[4 * i6 + 3] = v.dst1;
                    m6[i6] = v.keyMeta();
                    c6[2 * i6] = v.c0;
                    c6[2 * i6 + 1] = v.c1;
                    i6++;
                }
            }
        }
        return new LearnedModel(boundaryNanos, a4, m4, c4, a6, m6, c6, fallback.classCounts(),
                fallback.wordCounts(), latency.counts(), initial.priorClassCounts, initial.priorWordCounts,
                initial.priorLatencyCounts, initial.priorStrength, initial.provenance);
    }

    /**
     * This model without its knowledge-base tuples: only the naive Bayes fallback. Per-tuple counters describe the
     * hosts of the network the model was trained on (their latencies); on another network they are stale and
     * mislead until reset, while the fallback's features (state, port class, previous lifetime, RTT) carry over.
     */
    public LearnedModel withoutKeys() {
        return new LearnedModel(boundaryNanos, new long[0], new int[0], new long[0], new long[0], new int[0],
                new long[0], classCounts.clone(), new long[][] {wordCounts[0].clone(), wordCounts[1].clone()},
                new LatencyScaledModel(latencyCounts).counts(), priorClassCounts, priorWordCounts,
                priorLatencyCounts, priorStrength, provenance);
    }

    /**
     * This model as a prior of strength {@code strength} (at most that many observations per state and histogram;
     * {@code Double.POSITIVE_INFINITY}: full weight) for a network it was not trained on: its naive Bayes and
     * latency-scaled counts (added to any prior it already has) become the prior, its evidence is empty, its
     * knowledge-base tuples are dropped (they describe the training network's hosts).
     */
    public LearnedModel asPrior(double strength) {
        if (!(strength > 0)) {
            throw new IllegalArgumentException("prior strength must be > 0, got " + strength);
        }
        long[] cls = classCounts.clone();
        long[][] words = {wordCounts[0].clone(), wordCounts[1].clone()};
        long[][] lat = new LatencyScaledModel(latencyCounts).counts();
        if (hasPrior()) {
            for (int c = 0; c < 2; c++) {
                cls[c] += priorClassCounts[c];
                for (int i = 0; i < FeatureEncoder.P; i++) {
                    words[c][i] += priorWordCounts[c][i];
                }
            }
            for (int x = 0; x < lat.length; x++) {
                long[] p = priorLatencyCounts[x];
                if (p != null) {
                    lat[x] = lat[x] == null ? new long[LatencyScaledModel.BINS] : lat[x];
                    for (int b = 0; b < p.length; b++) {
                        lat[x][b] += p[b];
                    }
                }
            }
        }
        return new LearnedModel(boundaryNanos, new long[0], new int[0], new long[0], new long[0], new int[0],
                new long[0], new long[2], new long[2][FeatureEncoder.P], new long[LatencyScaledModel.ROWS][],
                cls, words, lat, strength, provenance);
    }

    /** The same model with another provenance text. */
    public LearnedModel withProvenance(String text) {
        return new LearnedModel(boundaryNanos, v4Addrs, v4Meta, v4Counters, v6Addrs, v6Meta, v6Counters,
                classCounts, wordCounts, latencyCounts, priorClassCounts, priorWordCounts, priorLatencyCounts,
                priorStrength, text);
    }

    /** The same model with its prior at another strength (no effect without a prior). */
    public LearnedModel withPriorStrength(double strength) {
        if (!hasPrior()) {
            return this;
        }
        if (!(strength > 0)) {
            throw new IllegalArgumentException("prior strength must be > 0, got " + strength);
        }
        return new LearnedModel(boundaryNanos, v4Addrs, v4Meta, v4Counters, v6Addrs, v6Meta, v6Counters,
                classCounts, wordCounts, latencyCounts, priorClassCounts, priorWordCounts, priorLatencyCounts,
                strength, provenance);
    }

    public boolean hasPrior() {
        return priorWordCounts != null;
    }

    /** The prior's strength (observations per state and histogram at most), 0 without a prior. */
    public double priorStrength() {
        return priorStrength;
    }

    /** Labelled observations in the prior's naive Bayes part (0 without a prior). */
    public long priorObservations() {
        return hasPrior() ? priorClassCounts[0] + priorClassCounts[1] : 0;
    }

    public String provenance() {
        return provenance;
    }

    /** Puts the tuples into {@code kb} (a bounded base keeps what its bound allows). */
    void loadInto(KnowledgeBase kb) {
        for (int i = 0; i < v4Meta.length; i++) {
            KeyStats k = new KeyStats.V4(v4Addrs[i], v4Meta[i] >>> 24, (v4Meta[i] >>> 8) & 0xffff);
            k.c0 = v4Counters[2 * i];
            k.c1 = v4Counters[2 * i + 1];
            kb.put(k);
        }
        for (int i = 0; i < v6Meta.length; i++) {
            KeyStats k = new KeyStats.V6(v6Addrs[4 * i], v6Addrs[4 * i + 1], v6Addrs[4 * i + 2],
                    v6Addrs[4 * i + 3], v6Meta[i] >>> 24, (v6Meta[i] >>> 8) & 0xffff);
            k.c0 = v6Counters[2 * i];
            k.c1 = v6Counters[2 * i + 1];
            kb.put(k);
        }
    }

    FallbackModel fallback() {
        return new FallbackModel(classCounts, wordCounts, priorClassCounts, priorWordCounts, priorStrength);
    }

    LatencyScaledModel latencyModel() {
        return new LatencyScaledModel(latencyCounts, priorLatencyCounts, priorStrength);
    }

    /** Lifetime observations in the latency-scaled model. */
    public long latencyObservations() {
        long t = 0;
        for (int c = 0; c < LatencyScaledModel.CONTEXTS; c++) {   // the history rows count the same lifetimes again
            long[] row = latencyCounts[c];
            if (row != null) {
                for (long v : row) {
                    t += v;
                }
            }
        }
        return t;
    }

    /** Lifetimes counted in the history histograms (each also counted above; 0 for a format 3 or 4 file). */
    public long historyObservations() {
        long t = 0;
        for (int r = LatencyScaledModel.CONTEXTS; r < LatencyScaledModel.ROWS; r++) {
            long[] row = latencyCounts[r];
            if (row != null) {
                for (long v : row) {
                    t += v;
                }
            }
        }
        return t;
    }

    /** Number of knowledge-base tuples (IPv4 + IPv6). */
    public int keyCount() {
        return v4Meta.length + v6Meta.length;
    }

    public int ipv4KeyCount() {
        return v4Meta.length;
    }

    public int ipv6KeyCount() {
        return v6Meta.length;
    }

    /** Labelled observations in the naive Bayes fallback. */
    public long fallbackObservations() {
        return classCounts[0] + classCounts[1];
    }

    /** The TS/SS boundary B the model was trained with (0 for the empty model). */
    public Duration trainedBoundary() {
        return Duration.ofNanos(boundaryNanos);
    }

    public boolean isEmpty() {
        return keyCount() == 0 && fallbackObservations() == 0 && latencyObservations() == 0 && !hasPrior();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LearnedModel m && m.boundaryNanos == boundaryNanos && Arrays.equals(m.v4Addrs, v4Addrs)
                && Arrays.equals(m.v4Meta, v4Meta) && Arrays.equals(m.v4Counters, v4Counters)
                && Arrays.equals(m.v6Addrs, v6Addrs) && Arrays.equals(m.v6Meta, v6Meta)
                && Arrays.equals(m.v6Counters, v6Counters) && Arrays.equals(m.classCounts, classCounts)
                && Arrays.deepEquals(m.wordCounts, wordCounts) && Arrays.deepEquals(m.latencyCounts, latencyCounts)
                && Arrays.equals(m.priorClassCounts, priorClassCounts)
                && Arrays.deepEquals(m.priorWordCounts, priorWordCounts)
                && Arrays.deepEquals(m.priorLatencyCounts, priorLatencyCounts)
                && Double.compare(m.priorStrength, priorStrength) == 0 && m.provenance.equals(provenance);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(boundaryNanos) * 31 + Arrays.hashCode(v4Addrs) * 17 + Arrays.hashCode(v4Counters)
                + Arrays.hashCode(v6Addrs) + Arrays.deepHashCode(wordCounts);
    }

    @Override
    public String toString() {
        return "LearnedModel[" + v4Meta.length + " IPv4 + " + v6Meta.length + " IPv6 tuples, "
                + fallbackObservations() + " fallback observations, " + latencyObservations()
                + " latency-scaled lifetimes, B=" + trainedBoundary()
                + (hasPrior() ? ", prior of " + priorObservations() + " observations at strength " + priorStrength
                : "") + "]";
    }
}
