package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyScaledModelTest {
    private static final int SYN_RECV = StateIds.TCP + 2;
    private static final int CLOSE_WAIT = StateIds.TCP + 5;
    private static final int LAST_ACK = StateIds.TCP + 6;
    private static final int TIME_WAIT = StateIds.TCP + 7;
    private static final long MS = 1_000_000L;
    private static final long B = 200 * MS;

    /** SYN_RECV lasts one RTT: learned at 40 and 300 ms, it is predicted at RTTs never seen. */
    @Test
    void aStateLastingOneRoundTripIsPredictedAtAnyLatency() {
        LatencyScaledModel m = new LatencyScaledModel();
        for (long rtt : new long[] {40, 300, 40, 300, 40, 300, 40, 300}) {
            m.observe(SYN_RECV, 0, 0, rtt * MS * 105 / 100, rtt * MS);
        }
        assertEquals(8, m.observations(SYN_RECV, 0));
        assertEquals(8, m.observations(SYN_RECV, 0, 0));
        assertTrue(m.probabilityStable(SYN_RECV, 0, 0, 120 * MS, B) < 0.1, "120 ms RTT: SYN_RECV outlives B rarely");
        assertTrue(m.probabilityStable(SYN_RECV, 0, 0, 260 * MS, B) > 0.9, "260 ms RTT: it outlives B");
        assertTrue(Double.isNaN(m.probabilityStable(SYN_RECV, 1, 0, 120 * MS, B)), "another port class: no data");
        assertTrue(Double.isNaN(m.probabilityStable(SYN_RECV, 0, 0, -1, B)), "no RTT: no answer");
    }

    /**
     * CLOSE_WAIT after an HTTP server's close lasts the rest of one RTT after FIN_WAIT: over all previous lifetimes
     * it is a coin toss at a 400 ms RTT, knowing the previous lifetime (in RTTs) it is not.
     */
    @Test
    void thePreviousStatesLifetimeInRoundTripsSeparatesTheRestOfARoundTrip() {
        LatencyScaledModel m = new LatencyScaledModel();
        long[] rtts = {50, 120, 250, 400, 450};
        for (int i = 0; i < 200; i++) {
            long rtt = rtts[i % rtts.length] * MS;
            long finWait = i % 2 == 0 ? rtt / 100 : rtt * 95 / 100;   // instant, or nearly the whole round trip
            m.observe(CLOSE_WAIT, 0, LatencyScaledModel.prevBucket(finWait, rtt), rtt - finWait, rtt);
        }
        long rtt = 420 * MS;
        double pooled = m.probabilityStablePooled(CLOSE_WAIT, 0, rtt, B);
        assertTrue(pooled > 0.3 && pooled < 0.7, "over all previous lifetimes: " + pooled);
        int afterLong = LatencyScaledModel.prevBucket(rtt * 9 / 10, rtt);
        int afterInstant = LatencyScaledModel.prevBucket(rtt / 80, rtt);
        assertTrue(m.probabilityStable(CLOSE_WAIT, 0, afterLong, rtt, B) < 0.05, "after a long FIN_WAIT: TS");
        assertTrue(m.probabilityStable(CLOSE_WAIT, 0, afterInstant, rtt, B) > 0.95, "after an instant one: SS");
    }

    @Test
    void previousLifetimeBuckets() {
        assertEquals(0, LatencyScaledModel.prevBucket(-1, 100), "first state of the flow");
        assertEquals(0, LatencyScaledModel.prevBucket(50, -1), "no RTT");
        assertEquals(1, LatencyScaledModel.prevBucket(5, 100));
        assertEquals(2, LatencyScaledModel.prevBucket(100, 1600), "RTT/16 starts bucket 2");
        assertEquals(10, LatencyScaledModel.prevBucket(100, 100), "one RTT");
        assertEquals(11, LatencyScaledModel.prevBucket(142, 100));
        assertEquals(13, LatencyScaledModel.prevBucket(1_000_000, 100), "far beyond: the last bucket");
        for (long p = 0; p < 5000; p += 7) {
            int b = LatencyScaledModel.prevBucket(p, 100);
            assertTrue(b >= 1 && b < LatencyScaledModel.PREV_BUCKETS);
            assertTrue(b >= LatencyScaledModel.prevBucket(Math.max(0, p - 7), 100), "monotonic");
        }
    }

    /** Beyond the histogram's range the answer is "not known", never a confident TS. */
    @Test
    void ratiosBeyondTheRangeGiveNoAnswer() {
        LatencyScaledModel m = new LatencyScaledModel();
        m.observe(TIME_WAIT, 0, 0, 120_000 * MS, 10_000);     // 120 s at a 10 µs RTT: ratio far above 2^16
        assertTrue(Double.isNaN(m.probabilityStable(TIME_WAIT, 0, 0, 1_000, B)));
        assertTrue(Double.isNaN(m.probabilityStablePooled(TIME_WAIT, 0, 1_000, B)));
    }

    @Test
    void savedCountsRestoreTheSameAnswers() {
        LatencyScaledModel m = new LatencyScaledModel();
        for (int i = 1; i < 50; i++) {
            m.observe(SYN_RECV, i % 8, i % LatencyScaledModel.PREV_BUCKETS, i * 7L * MS, (i % 9 + 1) * 20L * MS);
        }
        LatencyScaledModel copy = new LatencyScaledModel(m.counts());
        for (int pc = 0; pc < 8; pc++) {
            for (long rtt = 10; rtt < 600; rtt += 37) {
                assertEquals(m.probabilityStablePooled(SYN_RECV, pc, rtt * MS, B),
                        copy.probabilityStablePooled(SYN_RECV, pc, rtt * MS, B), 0.0);
                for (int pb = 0; pb < LatencyScaledModel.PREV_BUCKETS; pb++) {
                    assertEquals(m.probabilityStable(SYN_RECV, pc, pb, rtt * MS, B),
                            copy.probabilityStable(SYN_RECV, pc, pb, rtt * MS, B), 0.0);
                }
            }
        }
        assertEquals(m.total(), copy.total());
    }

    /**
     * A prior of strength K counts as at most K observations: local evidence that contradicts it takes over after a
     * few observations, where a prior at full weight (thousands of lifetimes from elsewhere) never yields.
     */
    @Test
    void aPriorYieldsToLocalEvidence() {
        LatencyScaledModel elsewhere = new LatencyScaledModel();
        for (int i = 0; i < 2000; i++) {
            elsewhere.observe(CLOSE_WAIT, 0, 0, 300 * MS, 100 * MS);        // elsewhere: 3 RTT, stable at 100 ms
        }
        LatencyScaledModel capped = new LatencyScaledModel(new long[LatencyScaledModel.ROWS][],
                elsewhere.counts(), 5);
        LatencyScaledModel full = new LatencyScaledModel(new long[LatencyScaledModel.ROWS][],
                elsewhere.counts(), Double.POSITIVE_INFINITY);
        assertEquals(5.0, capped.observations(CLOSE_WAIT, 0, 0), "the prior alone counts as K observations");
        assertEquals(2000.0, full.observations(CLOSE_WAIT, 0, 0));
        assertTrue(capped.probabilityStable(CLOSE_WAIT, 0, 0, 100 * MS, B) > 0.9, "before local evidence: the prior");
        for (int i = 0; i < 40; i++) {                                      // here: 0.1 RTT, always transitional
            capped.observe(CLOSE_WAIT, 0, 0, 10 * MS, 100 * MS);
            full.observe(CLOSE_WAIT, 0, 0, 10 * MS, 100 * MS);
        }
        assertEquals(45.0, capped.observations(CLOSE_WAIT, 0, 0));
        double p = capped.probabilityStable(CLOSE_WAIT, 0, 0, 100 * MS, B);
        assertEquals((5 + 0.5) / (40 + 5 + 1.0), p, 1e-9, "K / (K + n) of the say is the prior's");
        assertTrue(p <= 0.125, "held back at the default barrier");
        assertTrue(full.probabilityStable(CLOSE_WAIT, 0, 0, 100 * MS, B) > 0.95, "at full weight it never yields");
        assertEquals(p, capped.probabilityStablePooled(CLOSE_WAIT, 0, 100 * MS, B), 1e-9);
    }

    /** A prior withdrawn from one (state, port class) (CalibrationGuard) no longer counts there, and only there. */
    @Test
    void aDroppedPriorLeavesOnlyLocalEvidenceInItsContext() {
        LatencyScaledModel elsewhere = new LatencyScaledModel();
        for (int i = 0; i < 100; i++) {
            elsewhere.observe(CLOSE_WAIT, 0, 0, 10 * MS, 100 * MS);
            elsewhere.observe(CLOSE_WAIT, 1, 0, 10 * MS, 100 * MS);
        }
        LatencyScaledModel m = new LatencyScaledModel(new long[LatencyScaledModel.ROWS][], elsewhere.counts(), 5);
        m.observe(CLOSE_WAIT, 0, 0, 300 * MS, 100 * MS);
        assertTrue(m.hasPrior(CLOSE_WAIT, 0));
        m.dropPrior(CLOSE_WAIT, 0);
        assertFalse(m.hasPrior(CLOSE_WAIT, 0));
        assertEquals(1.0, m.observations(CLOSE_WAIT, 0, 0), "the local observation only");
        assertEquals(1.0, m.observations(CLOSE_WAIT, 0));
        assertEquals(1.5 / 2, m.probabilityStable(CLOSE_WAIT, 0, 0, 100 * MS, B), 1e-9);
        assertTrue(m.hasPrior(CLOSE_WAIT, 1), "another port class keeps it");
        assertEquals(5.0, m.observations(CLOSE_WAIT, 1, 0));
    }

    /**
     * Issue 13 item 3: the lifetime two states back tells who closed first. After an instant CLOSE_WAIT, a LAST_ACK
     * ends at once when the server closed first (its FIN_WAIT took most of the client's RTT) and lasts the client's
     * RTT when the client did (its FIN_WAIT was instant); the previous lifetime alone makes it a coin flip.
     */
    @Test
    void theLifetimeTwoStatesBackTellsWhoClosedFirst() {
        LatencyScaledModel m = new LatencyScaledModel();
        long rtt = 300 * MS;
        int instant = LatencyScaledModel.prevBucket(rtt / 100, rtt);
        int mostOfTheRtt = LatencyScaledModel.prevBucket(rtt * 95 / 100, rtt);
        for (int i = 0; i < 20; i++) {
            m.observe(LAST_ACK, 1, instant, mostOfTheRtt, 2 * MS, rtt);
            m.observe(LAST_ACK, 1, instant, instant, rtt, rtt);
        }
        double byPrevious = m.probabilityStable(LAST_ACK, 1, instant, rtt, B);
        assertTrue(byPrevious > 0.4 && byPrevious < 0.6, "the previous lifetime alone: " + byPrevious);
        assertEquals(20.0, m.historyObservations(LAST_ACK, 1, instant, mostOfTheRtt));
        assertTrue(m.probabilityStableHistory(LAST_ACK, 1, instant, mostOfTheRtt, rtt, B) < 0.05, "server closed");
        assertTrue(m.probabilityStableHistory(LAST_ACK, 1, instant, instant, rtt, B) > 0.95, "client closed");
        assertTrue(Double.isNaN(m.probabilityStableHistory(LAST_ACK, 1, instant, 0, rtt, B)), "never observed");
        m.observe(LAST_ACK, 1, instant, 5 * MS, rtt);
        assertEquals(41.0, m.observations(LAST_ACK, 1, instant), "without a history bucket: counted once");
        assertEquals(40.0, m.historyObservations(LAST_ACK, 1, instant, mostOfTheRtt)
                + m.historyObservations(LAST_ACK, 1, instant, instant));

        LatencyScaledModel back = new LatencyScaledModel(m.counts());
        assertEquals(20.0, back.historyObservations(LAST_ACK, 1, instant, instant), "saved and restored");
        LatencyScaledModel asPrior = new LatencyScaledModel(new long[LatencyScaledModel.ROWS][], m.counts(), 5);
        assertEquals(5.0, asPrior.historyObservations(LAST_ACK, 1, instant, instant), "a prior counts as K");
        assertTrue(asPrior.probabilityStableHistory(LAST_ACK, 1, instant, instant, rtt, B) > 0.9);
    }
}
