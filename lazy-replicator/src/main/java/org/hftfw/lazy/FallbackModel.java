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
 */
final class FallbackModel {
    static final int TS = 0;
    static final int SS = 1;
    static final long MATURE = 4096;
    static final int REBUILD_BATCH = 64;
    static final int STALE_SHARE = 16;

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

    FallbackModel() {}

    FallbackModel(long[] classCounts, long[][] wordCounts) {
        if (classCounts.length != 2 || wordCounts.length != 2 || wordCounts[0].length != FeatureEncoder.P
                || wordCounts[1].length != FeatureEncoder.P) {
            throw new IllegalArgumentException("fallback counts have the wrong shape");
        }
        System.arraycopy(classCounts, 0, this.classCounts, 0, 2);
        for (int c = 0; c < 2; c++) {
            System.arraycopy(wordCounts[c], 0, this.wordCounts[c], 0, FeatureEncoder.P);
        }
        pending = observations();
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

    /** Labelled observations of a state (all tuples, all other features). */
    long stateObservations(int stateId) {
        return wordCounts[0][stateId] + wordCounts[1][stateId];
    }

    /** P(SS | features of {@code code}) from the naive Bayes model, or NaN when it has no observations. */
    double probabilityStable(int code) {
        if (observations() == 0) {
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
