package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CalibrationGuardTest {
    private static final int EST = 3;
    private static final int WEB = 0;

    @Test
    void twoStableOfFewHeldWithdrawTheSourceForThatContextOnly() {
        CalibrationGuard g = new CalibrationGuard();
        assertFalse(g.record(CalibrationGuard.PRIOR, EST, WEB, true, 0.125), "one wrong prediction is not enough");
        assertFalse(g.distrusted(CalibrationGuard.PRIOR, EST, WEB));
        assertFalse(g.record(CalibrationGuard.PRIOR, EST, WEB, false, 0.125));
        assertTrue(g.record(CalibrationGuard.PRIOR, EST, WEB, true, 0.125), "2 of 3 held were stable");
        assertTrue(g.distrusted(CalibrationGuard.PRIOR, EST, WEB));
        assertFalse(g.distrusted(CalibrationGuard.FALLBACK, EST, WEB), "the other source is still trusted");
        assertFalse(g.distrusted(CalibrationGuard.PRIOR, EST, WEB + 1), "another port class is still trusted");
        assertFalse(g.record(CalibrationGuard.PRIOR, EST, WEB, true, 0.125), "counted once");
        assertEquals(1, g.trips());
    }

    @Test
    void aCalibratedSourceWrongWithinTheBarriersShareStaysTrusted() {
        CalibrationGuard g = new CalibrationGuard();
        for (int i = 0; i < 40; i++) {
            g.record(CalibrationGuard.FALLBACK, EST, WEB, i % 10 == 9, 0.125);   // 10 % stable, barrier 12.5 %
        }
        assertFalse(g.distrusted(CalibrationGuard.FALLBACK, EST, WEB));
        assertEquals(0, g.trips());
    }
}
