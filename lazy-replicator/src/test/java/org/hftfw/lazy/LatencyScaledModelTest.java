package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyScaledModelTest {
    private static final int SYN_RECV = StateIds.TCP + 2;
    private static final int TIME_WAIT = StateIds.TCP + 7;
    private static final long MS = 1_000_000L;
    private static final long B = 200 * MS;

    /** SYN_RECV lasts one RTT: learned at 40 and 300 ms, it is predicted at RTTs never seen. */
    @Test
    void aStateLastingOneRoundTripIsPredictedAtAnyLatency() {
        LatencyScaledModel m = new LatencyScaledModel();
        for (long rtt : new long[] {40, 300, 40, 300, 40, 300, 40, 300}) {
            m.observe(SYN_RECV, 0, rtt * MS * 105 / 100, rtt * MS);
        }
        assertEquals(8, m.observations(SYN_RECV, 0));
        assertTrue(m.probabilityStable(SYN_RECV, 0, 120 * MS, B) < 0.1, "120 ms RTT: SYN_RECV outlives B rarely");
        assertTrue(m.probabilityStable(SYN_RECV, 0, 260 * MS, B) > 0.9, "260 ms RTT: it outlives B");
        assertTrue(Double.isNaN(m.probabilityStable(SYN_RECV, 1, 120 * MS, B)), "another port class: no data");
        assertTrue(Double.isNaN(m.probabilityStable(SYN_RECV, 0, -1, B)), "no RTT: no answer");
    }

    /** Beyond the histogram's range the answer is "not known", never a confident TS. */
    @Test
    void ratiosBeyondTheRangeGiveNoAnswer() {
        LatencyScaledModel m = new LatencyScaledModel();
        m.observe(TIME_WAIT, 0, 120_000 * MS, 10_000);     // 120 s at a 10 µs RTT: ratio far above 2^16
        assertTrue(Double.isNaN(m.probabilityStable(TIME_WAIT, 0, 1_000, B)));
    }

    @Test
    void savedCountsRestoreTheSameAnswers() {
        LatencyScaledModel m = new LatencyScaledModel();
        for (int i = 1; i < 50; i++) {
            m.observe(SYN_RECV, i % 8, i * 7 * MS, (i % 9 + 1) * 20 * MS);
        }
        LatencyScaledModel copy = new LatencyScaledModel(m.counts());
        for (int pc = 0; pc < 8; pc++) {
            for (long rtt = 10; rtt < 600; rtt += 37) {
                assertEquals(m.probabilityStable(SYN_RECV, pc, rtt * MS, B),
                        copy.probabilityStable(SYN_RECV, pc, rtt * MS, B), 0.0);
            }
        }
        assertEquals(m.total(), copy.total());
    }
}
