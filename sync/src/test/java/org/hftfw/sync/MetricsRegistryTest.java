package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Prometheus text rendering: a failing source, bad names, special values. */
class MetricsRegistryTest {

    @Test
    void aFailingSourceDoesNotBreakTheScrape() {
        MetricsRegistry reg = new MetricsRegistry()
                .gauge("a_ok", "fine", () -> 1)
                .gauge("b_broken", "throws", () -> { throw new IllegalStateException("gone"); });
        String s = reg.scrape();
        assertTrue(s.contains("a_ok 1\n"));
        assertTrue(s.contains("# b_broken unavailable: IllegalStateException"));
    }

    @Test
    void rejectsBadNamesAndDuplicates() {
        MetricsRegistry reg = new MetricsRegistry().gauge("x", "x", () -> 0);
        assertThrows(IllegalArgumentException.class, () -> reg.gauge("x", "again", () -> 0));
        assertThrows(IllegalArgumentException.class, () -> reg.gauge("bad-name", "dash", () -> 0));
        assertThrows(IllegalArgumentException.class, () -> reg.gauge("sent_total", "a gauge named like a counter", () -> 0));
        assertThrows(IllegalArgumentException.class, () -> reg.counter("sent", "a counter without _total", () -> 0));
        assertEquals("NaN", MetricsRegistry.format(Double.NaN));
        assertEquals("+Inf", MetricsRegistry.format(Double.POSITIVE_INFINITY));
    }
}
