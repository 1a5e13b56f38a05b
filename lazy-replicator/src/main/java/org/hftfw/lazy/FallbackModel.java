package org.hftfw.lazy;

import java.util.Arrays;
import smile.classification.DiscreteNaiveBayes;
import smile.util.IntSet;

/**
 * The naive Bayes fallback over the coarse features of {@link FeatureEncoder}, for (tuple, state) pairs without
 * enough observations of their own. The paper's classifier (Sect. VI-B) is a per-tuple table; this model is what
 * a new tuple starts from instead of "no knowledge".
 *
 * <p>The class and feature counts are kept here, as longs, and are what a model file stores: they survive Smile
 * upgrades, unlike Java serialization of the Smile object. The Smile {@link DiscreteNaiveBayes} (multinomial,
 * Laplace smoothing, label 0 = TS, 1 = SS) is rebuilt from the counts with fixed priors (Laplace-smoothed class
 * frequencies) and one aggregated {@code update} per class. That is one O(k·p) pass, the same cost as a single
 * online update (which recomputes the whole k×p table, Smile gotcha 2), and it is done lazily: before a prediction
 * when observations are pending, and once the model holds {@link #MATURE} observations only when the new ones
 * reach {@link #REBUILD_BATCH} and 1/{@link #STALE_SHARE} of those it was built from (so a mature model is at most
 * about 6 % stale, and the rebuild cost per observation falls as the model grows). Posteriors are cached per feature code until the next rebuild. Not thread-safe
 * (Smile gotcha 4); the replicator is single-threaded.
 *
 * <p>A model trained elsewhere can be given as a <b>prior</b> of strength K (see {@link LatencyScaledModel}): its
 * counts for each state are weighted by min(1, K / its observations of the state) and added to the local ones when
 * the Smile model is rebuilt, so the prior counts as at most K observations per state and yields as this site's own
 * observations arrive. Weighted counts are fractional: they are passed to Smile in units of 1/{@link #SCALE}
 * observation (with the Laplace smoothing scaled alike).
 */
final class FallbackModel {
    static final int TS = 0;
    static final int SS = 1;
    static final long MATURE = 4096;
    static final int REBUILD_BATCH = 64;
    static final int STALE_SHARE = 16;
    /** Units per observation of the counts given to Smile when a prior is blended in. */
    static final int SCALE = 16;

    private final long[] classCounts = new long[2];
    private final long[][] wordCounts = new long[2][FeatureEncoder.P];
    private long pending;
    private DiscreteNaiveBayes model;
    private int version = 1;
    private final double[] cachedPss = new double[FeatureEncoder.CODES];
    private final int[] cachedVersion = new int[FeatureEncoder.CODES];
    private final int[] x = new int[FeatureEncoder.P];
    private final double[] posterior = new double[2];
    private long rebuilds;
    /** The prior's feature counts, or null; and per state the weight min(1, strength / its observations). */
    private final long[][] priorWords;
    private final double[] priorWeight;
    private final long[] priorClassCounts;
    private final double strength;

    FallbackModel() {
        this.priorWords = null;
        this.priorWeight = null;
        this.priorClassCounts = null;
        this.strength = 0;
    }

    FallbackModel(long[] classCounts, long[][] wordCounts) {
        this(classCounts, wordCounts, null, null, 0);
    }

    /**
     * From saved counts, with a prior of strength {@code strength} ({@code priorWordCounts} null: none;
     * {@code Double.POSITIVE_INFINITY}: full weight).
     */
    FallbackModel(long[] classCounts, long[][] wordCounts, long[] priorClassCounts, long[][] priorWordCounts,
                  double strength) {
        checkShape(classCounts, wordCounts);
        if (priorWordCounts != null) {
            checkShape(priorClassCounts, priorWordCounts);
            this.priorWords = new long[][] {priorWordCounts[0].clone(), priorWordCounts[1].clone()};
            this.priorClassCounts = priorClassCounts.clone();
            this.priorWeight = new double[FeatureEncoder.S];
            for (int st = 0; st < FeatureEncoder.S; st++) {
                long n = priorWords[0][st] + priorWords[1][st];
                priorWeight[st] = n == 0 ? 0 : Math.min(1.0, strength / n);
            }
        } else {
            this.priorWords = null;
            this.priorClassCounts = null;
            this.priorWeight = null;
        }
        this.strength = strength;
        System.arraycopy(classCounts, 0, this.classCounts, 0, 2);
        for (int c = 0; c < 2; c++) {
            System.arraycopy(wordCounts[c], 0, this.wordCounts[c], 0, FeatureEncoder.P);
        }
        pending = observations() + (priorWords == null ? 0 : 1);
    }

    private static void checkShape(long[] classCounts, long[][] wordCounts) {
        if (classCounts == null || wordCounts == null || classCounts.length != 2 || wordCounts.length != 2
                || wordCounts[0].length != FeatureEncoder.P || wordCounts[1].length != FeatureEncoder.P) {
            throw new IllegalArgumentException("fallback counts have the wrong shape");
        }
    }

    void observe(int code, boolean transitional) {
        int c = transitional ? TS : SS;
        classCounts[c]++;
        wordCounts[c][FeatureEncoder.stateFeature(code)]++;
        wordCounts[c][FeatureEncoder.statePortFeature(code)]++;
        wordCounts[c][FeatureEncoder.stateLifetimeFeature(code)]++;
        wordCounts[c][FeatureEncoder.stateRttFeature(code)]++;
        pending++;
    }

    long observations() {
        return classCounts[0] + classCounts[1];
    }

    /** Labelled observations of a state (all tuples, all other features), plus what the prior counts for. */
    double stateObservations(int stateId) {
        double local = wordCounts[0][stateId] + wordCounts[1][stateId];
        return priorWords == null ? local
                : local + Math.min(strength, (double) (priorWords[0][stateId] + priorWords[1][stateId]));
    }

    /** P(SS | features of {@code code}) from the naive Bayes model, or NaN when it has no observations. */
    double probabilityStable(int code) {
        if (observations() == 0 && priorWords == null) {
            return Double.NaN;
        }
        long n = observations();
        if (pending > 0 && (model == null || n < MATURE
                || pending >= Math.max(REBUILD_BATCH, (n - pending) / STALE_SHARE))) {
            rebuild();
        }
        if (cachedVersion[code] == version) {
            return cachedPss[code];
        }
        x[FeatureEncoder.statePortFeature(code)] = 1;
        x[FeatureEncoder.stateLifetimeFeature(code)] = 1;
        x[FeatureEncoder.stateRttFeature(code)] = 1;
        model.predict(x, posterior);
        x[FeatureEncoder.statePortFeature(code)] = 0;
        x[FeatureEncoder.stateLifetimeFeature(code)] = 0;
        x[FeatureEncoder.stateRttFeature(code)] = 0;
        double pss = posterior[SS];
        cachedPss[code] = pss;
        cachedVersion[code] = version;
        return pss;
    }

    private void rebuild() {
        if (priorWords != null) {
            rebuildWithPrior();
            return;
        }
        long n = observations();
        double[] priors = {(classCounts[TS] + 1.0) / (n + 2.0), (classCounts[SS] + 1.0) / (n + 2.0)};
        DiscreteNaiveBayes m = new DiscreteNaiveBayes(DiscreteNaiveBayes.Model.MULTINOMIAL, priors,
                FeatureEncoder.P, 1.0, IntSet.of(2));
        long max = 0;
        for (long[] row : wordCounts) {
            for (long w : row) {
                max = Math.max(max, w);
            }
        }
        // Smile counts are int: scale down proportionally if a count would overflow (ratios are what matter).
        long divisor = max > Integer.MAX_VALUE / 2 ? max / (Integer.MAX_VALUE / 2) + 1 : 1;
        for (int c = 0; c < 2; c++) {
            int[] counts = new int[FeatureEncoder.P];
            boolean any = false;
            for (int i = 0; i < counts.length; i++) {
                counts[i] = (int) (wordCounts[c][i] / divisor);
                any |= counts[i] > 0;
            }
            if (any) {
                m.update(counts, c);
            }
        }
        model = m;
        pending = 0;
        version++;
        rebuilds++;
    }

    /** As {@link #rebuild()}, the prior's counts weighted per state and added, in units of 1/SCALE. */
    private void rebuildWithPrior() {
        double[][] w = new double[2][FeatureEncoder.P];
        double[] cls = new double[2];
        double max = 0;
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < FeatureEncoder.P; i++) {
                w[c][i] = wordCounts[c][i] + priorWeight[FeatureEncoder.stateOfFeature(i)] * priorWords[c][i];
                max = Math.max(max, w[c][i]);
                if (i < FeatureEncoder.S) {
                    cls[c] += w[c][i];
                }
            }
        }
        double n = cls[0] + cls[1];
        double[] priors = {(cls[TS] + 1.0) / (n + 2.0), (cls[SS] + 1.0) / (n + 2.0)};
        // Smile counts are int: scale down proportionally if a count would overflow (ratios are what matter)
        double unit = max * SCALE > Integer.MAX_VALUE / 2.0 ? (Integer.MAX_VALUE / 2.0) / max : SCALE;
        DiscreteNaiveBayes m = new DiscreteNaiveBayes(DiscreteNaiveBayes.Model.MULTINOMIAL, priors,
                FeatureEncoder.P, unit, IntSet.of(2));
        for (int c = 0; c < 2; c++) {
            int[] counts = new int[FeatureEncoder.P];
            boolean any = false;
            for (int i = 0; i < counts.length; i++) {
                counts[i] = (int) Math.round(w[c][i] * unit);
                any |= counts[i] > 0;
            }
            if (any) {
                m.update(counts, c);
            }
        }
        model = m;
        pending = 0;
        version++;
        rebuilds++;
    }

    long[] priorClassCounts() {
        return priorClassCounts == null ? null : priorClassCounts.clone();
    }

    long[][] priorWordCounts() {
        return priorWords == null ? null : new long[][] {priorWords[0].clone(), priorWords[1].clone()};
    }

    long rebuilds() {
        return rebuilds;
    }

    long[] classCounts() {
        return classCounts.clone();
    }

    long[][] wordCounts() {
        return new long[][] {wordCounts[0].clone(), wordCounts[1].clone()};
    }

    @Override
    public String toString() {
        return "FallbackModel" + Arrays.toString(classCounts);
    }
}
