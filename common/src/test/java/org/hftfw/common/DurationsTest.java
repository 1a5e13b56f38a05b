package org.hftfw.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void readsTheConfigFileForms() {
        assertEquals(Duration.ofNanos(250_000), Durations.parse("x", "250us"));
        assertEquals(Duration.ofMillis(500), Durations.parse("x", "500ms"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("x", "1.5s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("x", "5m"));
        assertEquals(Duration.ofHours(1), Durations.parse("x", "1h"));
        assertEquals(Duration.ofDays(5), Durations.parse("x", "5d"));
        assertEquals(Duration.ofMillis(250), Durations.parse("x", 250));
        assertEquals(Duration.ofMillis(30), Durations.parse("x", "30"));
    }

    @Test
    void aBadValueNamesItsKey() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> Durations.parse("lazy.latency", "soon"));
        assertTrue(e.getMessage().startsWith("lazy.latency: not a duration: 'soon'"), e.getMessage());
        assertEquals(1, e.problems().size());
    }
}
