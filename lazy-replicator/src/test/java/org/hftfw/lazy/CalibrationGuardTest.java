package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CalibrationGuardTest {
    private static final int EST = 3;
    private static final int WEB = 0;
    private static final long B = 200_000_000L;

    @Test
    void aStableChangeAmongTheFirstHeldWithdrawsTheSourceForThatContextOnly() {
        CalibrationGuard g = new CalibrationGuard();
        assertFalse(g.record(CalibrationGuard.PRIOR, EST, WEB, false, 0.125));
        assertTrue(g.record(CalibrationGuard.PRIOR, EST, WEB, true, 0.125), "1 of 2 held was stable: > 12.5 %");
        assertTrue(g.distrusted(CalibrationGuard.PRIOR, EST, WEB));
        assertFalse(g.mayHold(CalibrationGuard.PRIOR, EST, WEB, 10 * B, B), "withdrawn: holds nothing more");
        assertFalse(g.distrusted(CalibrationGuard.FALLBACK, EST, WEB), "the other source is still trusted");
        assertFalse(g.distrusted(CalibrationGuard.PRIOR, EST, WEB + 1), "another port class is still trusted");
        assertFalse(g.record(CalibrationGuard.PRIOR, EST, WEB, true, 0.125), "counted once");
        assertEquals(1, g.trips());
    }

    @Test
    void aSourceWrongWithinTheBarriersShareStaysTrusted() {
        CalibrationGuard g = new CalibrationGuard();
        for (int i = 0; i < 40; i++) {
            g.record(CalibrationGuard.FALLBACK, EST, WEB, i % 10 == 9, 0.125);   // 10 % stable, barrier 12.5 %
        }
        assertFalse(g.distrusted(CalibrationGuard.FALLBACK, EST, WEB));
        assertEquals(0, g.trips());
    }

    /** Before its first labels in a context a source holds one change per B there, not a burst. */
    @Test
    void onProbationOneHeldChangePerBarrierUntilTwoAreLabelled() {
        CalibrationGuard g = new CalibrationGuard();
        long t = 1_000_000_000L;
        assertTrue(g.mayHold(CalibrationGuard.PRIOR, EST, WEB, t, B));
        g.hold(CalibrationGuard.PRIOR, EST, WEB, t);
        assertFalse(g.mayHold(CalibrationGuard.PRIOR, EST, WEB, t + B / 2, B), "the first one's label is not in");
        assertTrue(g.mayHold(CalibrationGuard.PRIOR, EST, WEB + 1, t + B / 2, B), "per context");
        g.record(CalibrationGuard.PRIOR, EST, WEB, false, 0.125);
        assertTrue(g.mayHold(CalibrationGuard.PRIOR, EST, WEB, t + B, B));
        g.hold(CalibrationGuard.PRIOR, EST, WEB, t + B);
        g.record(CalibrationGuard.PRIOR, EST, WEB, false, 0.125);
        g.hold(CalibrationGuard.PRIOR, EST, WEB, t + B + 1);
        assertTrue(g.mayHold(CalibrationGuard.PRIOR, EST, WEB, t + B + 2, B), "two labelled: probation over");
    }
}
