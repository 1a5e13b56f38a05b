package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FallbackModelTest {
    private static final int SYN_SENT = StateIds.TCP + 1;
    private static final int ESTABLISHED = StateIds.TCP + 3;

    @Test
    void noObservationsMeansNoModel() {
        assertTrue(Double.isNaN(new FallbackModel().probabilityStable(FeatureEncoder.code(SYN_SENT, 0, 0))));
    }

    /** The Smile posterior equals multinomial naive Bayes computed by hand (Laplace, smoothed priors). */
    @Test
    void posteriorMatchesHandComputedMultinomialNaiveBayes() {
        FallbackModel m = new FallbackModel();
        int ts = FeatureEncoder.code(SYN_SENT, 0, 0);
        int ss = FeatureEncoder.code(ESTABLISHED, 0, 1);
        for (int i = 0; i < 6; i++) {
            m.observe(ts, true);
        }
        for (int i = 0; i < 3; i++) {
            m.observe(ss, false);
        }
        m.observe(ts, false);
        // class TS: 6 obs, 18 words; class SS: 4 obs, 12 words; p features
        int p = FeatureEncoder.P;
        double priorTs = 7.0 / 12;
        double priorSs = 5.0 / 12;
        double lTs = priorTs * Math.pow(7.0 / (18 + p), 3);
        // SS class: SYN_SENT 1, web 4, bucket 0 once (+1 smoothing each)
        double lSs = priorSs * (2.0 / (12 + p)) * (5.0 / (12 + p)) * (2.0 / (12 + p));
        assertEquals(lSs / (lTs + lSs), m.probabilityStable(ts), 1e-9);
        double lTs2 = priorTs * Math.pow(1.0 / (18 + p), 2) * (7.0 / (18 + p));
        // ESTABLISHED/web/bucket 1: TS has 0 ESTABLISHED, 7 web, 0 bucket-1; SS has 3, 4, 3 (+1 smoothing)
        double lSs2 = priorSs * (4.0 / (12 + p)) * (5.0 / (12 + p)) * (4.0 / (12 + p));
        assertEquals(lSs2 / (lTs2 + lSs2), m.probabilityStable(ss), 1e-9);
        assertEquals(7, m.stateObservations(SYN_SENT));
        assertEquals(3, m.stateObservations(ESTABLISHED));
    }

    @Test
    void matureModelRebuildsInBatches() {
        FallbackModel m = new FallbackModel();
        int code = FeatureEncoder.code(SYN_SENT, 0, 0);
        for (int i = 0; i < FallbackModel.MATURE; i++) {
            m.observe(code, true);
        }
        m.probabilityStable(code);
        long rebuilds = m.rebuilds();
        for (int i = 0; i < FallbackModel.REBUILD_BATCH - 1; i++) {
            m.observe(code, true);
            m.probabilityStable(code);
        }
        assertEquals(rebuilds, m.rebuilds(), "pending observations below the batch size wait");
        m.observe(code, true);
        m.probabilityStable(code);
        assertEquals(rebuilds + 1, m.rebuilds());
    }

    @Test
    void restoredCountsGiveTheSamePosterior() {
        FallbackModel m = new FallbackModel();
        for (int i = 0; i < 50; i++) {
            m.observe(FeatureEncoder.code(SYN_SENT, i % 8, i % 5), i % 7 != 0);
        }
        FallbackModel copy = new FallbackModel(m.classCounts(), m.wordCounts());
        for (int c = 0; c < FeatureEncoder.CODES; c += 37) {
            assertEquals(m.probabilityStable(c), copy.probabilityStable(c), 1e-12);
        }
    }
}
