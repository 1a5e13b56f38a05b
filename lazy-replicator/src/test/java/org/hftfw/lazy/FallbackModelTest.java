package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FallbackModelTest {
    private static final int SYN_SENT = StateIds.TCP + 1;
    private static final int ESTABLISHED = StateIds.TCP + 3;

    @Test
    void noObservationsMeansNoModel() {
        assertTrue(Double.isNaN(new FallbackModel().probabilityStable(FeatureEncoder.code(SYN_SENT, 0, 0, 0))));
    }

    /** The Smile posterior equals multinomial naive Bayes computed by hand (Laplace, smoothed priors). */
    @Test
    void posteriorMatchesHandComputedMultinomialNaiveBayes() {
        FallbackModel m = new FallbackModel();
        int ts = FeatureEncoder.code(SYN_SENT, 0, 0, 0);
        int ss = FeatureEncoder.code(ESTABLISHED, 0, 1, 0);
        for (int i = 0; i < 6; i++) {
            m.observe(ts, true);
        }
        for (int i = 0; i < 3; i++) {
            m.observe(ss, false);
        }
        m.observe(ts, false);
        // class TS: 6 obs, 24 words (4 groups counted); SS: 4 obs, 16 words; predictions use the three
        // conjunctions state×port, state×previous-lifetime, state×RTT (+1 Laplace smoothing each)
        int p = FeatureEncoder.P;
        double priorTs = 7.0 / 12;
        double priorSs = 5.0 / 12;
        // SYN_SENT×web, SYN_SENT×first, SYN_SENT×unknown-RTT: TS 6 each, SS 1 each
        double lTs = priorTs * Math.pow(7.0 / (24 + p), 3);
        double lSs = priorSs * Math.pow(2.0 / (16 + p), 3);
        assertEquals(lSs / (lTs + lSs), m.probabilityStable(ts), 1e-9);
        // ESTABLISHED×web, ESTABLISHED×bucket 1, ESTABLISHED×unknown-RTT: TS 0 each, SS 3 each
        double lTs2 = priorTs * Math.pow(1.0 / (24 + p), 3);
        double lSs2 = priorSs * Math.pow(4.0 / (16 + p), 3);
        assertEquals(lSs2 / (lTs2 + lSs2), m.probabilityStable(ss), 1e-9);
        assertEquals(7, m.stateObservations(SYN_SENT));
        assertEquals(3, m.stateObservations(ESTABLISHED));
    }

    @Test
    void matureModelRebuildsInBatchesGrowingWithIt() {
        FallbackModel m = new FallbackModel();
        int code = FeatureEncoder.code(SYN_SENT, 0, 0, 0);
        for (int i = 0; i < FallbackModel.MATURE; i++) {
            m.observe(code, true);
        }
        for (int round = 0; round < 3; round++) {
            m.probabilityStable(code);
            long rebuilds = m.rebuilds();
            long batch = Math.max(FallbackModel.REBUILD_BATCH, m.observations() / FallbackModel.STALE_SHARE);
            for (int i = 0; i < batch - 1; i++) {
                m.observe(code, true);
                m.probabilityStable(code);
            }
            assertEquals(rebuilds, m.rebuilds(), "pending observations below the batch size wait");
            m.observe(code, true);
            m.probabilityStable(code);
            assertEquals(rebuilds + 1, m.rebuilds(), "a batch of " + batch + " rebuilds once");
            for (int i = 0; i < 20 * batch; i++) {
                m.observe(code, true);   // grow the model: the next batch is larger
            }
        }
    }

    @Test
    void restoredCountsGiveTheSamePosterior() {
        FallbackModel m = new FallbackModel();
        for (int i = 0; i < 50; i++) {
            m.observe(FeatureEncoder.code(SYN_SENT, i % 8, i % 5, i % 8), i % 7 != 0);
        }
        FallbackModel copy = new FallbackModel(m.classCounts(), m.wordCounts());
        for (int c = 0; c < FeatureEncoder.CODES; c += 37) {
            assertEquals(m.probabilityStable(c), copy.probabilityStable(c), 1e-12);
        }
    }

    /**
     * A prior counts as at most K observations per state: a prior that says ESTABLISHED is stable (1000 times) gives
     * way to 30 local transitional ones at strength 5, never at full weight; a prior at full weight answers like the
     * same counts given as evidence.
     */
    @Test
    void aPriorCountsAsAtMostKObservationsPerState() {
        FallbackModel elsewhere = new FallbackModel();
        int est = FeatureEncoder.code(ESTABLISHED, 0, 1, 3);
        int syn = FeatureEncoder.code(SYN_SENT, 0, 0, 3);
        for (int i = 0; i < 1000; i++) {
            elsewhere.observe(est, false);
            elsewhere.observe(syn, true);
        }
        long[] cls = elsewhere.classCounts();
        long[][] words = elsewhere.wordCounts();
        long[] none = new long[2];
        long[][] noWords = new long[2][FeatureEncoder.P];
        FallbackModel capped = new FallbackModel(none, noWords, cls, words, 5);
        FallbackModel full = new FallbackModel(none, noWords, cls, words, Double.POSITIVE_INFINITY);
        assertEquals(5.0, capped.stateObservations(ESTABLISHED));
        assertTrue(capped.probabilityStable(est) > 0.5, "before local evidence: the prior says stable");
        assertEquals(elsewhere.probabilityStable(est), full.probabilityStable(est), 1e-6);
        for (int i = 0; i < 30; i++) {
            capped.observe(est, true);
            full.observe(est, true);
        }
        assertTrue(capped.probabilityStable(est) < 0.125, "local evidence decides: " + capped.probabilityStable(est));
        assertTrue(full.probabilityStable(est) > 0.5, "full weight: the prior still decides");
    }
}
