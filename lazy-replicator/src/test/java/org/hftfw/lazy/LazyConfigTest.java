package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LazyConfigTest {
    @Test
    void defaultsAreValidAndBIsTwiceL() {
        LazyConfig c = LazyConfig.defaults().validated();
        assertEquals(200_000_000L, c.boundaryNanos());
    }

    @Test
    void parsesSettings() {
        LazyConfig c = LazyConfig.parse(Map.of("barrier", "0.25", "latency", "30ms", "mode", "defer",
                "max-failing-predictions", "4", "min-observations", "8", "max-keys", "5000",
                "key-idle-expiry", "10m", "flow-idle-expiry", "PT1H", "learning", "off"));
        assertEquals(0.25, c.barrier());
        assertEquals(Duration.ofMillis(30), c.latency());
        assertEquals(Mode.DEFER, c.mode());
        assertEquals(4, c.maxFailingPredictions());
        assertEquals(8, c.minObservations());
        assertEquals(5000, c.maxKeys());
        assertEquals(Duration.ofMinutes(10), c.keyIdleExpiry());
        assertEquals(Duration.ofHours(1), c.flowIdleExpiry());
        assertEquals(false, c.learning());
    }

    @Test
    void reportsEveryProblemAtOnce() {
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("barrier", "-0.1");
        bad.put("latency", "100");
        bad.put("mode", "lazy");
        bad.put("colour", "blue");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> LazyConfig.parse(bad));
        assertEquals(4, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("unknown setting 'colour'"));
        assertTrue(e.getMessage().contains("latency"));
    }

    @Test
    void validationCoversEveryRange() {
        LazyConfig d = LazyConfig.defaults();
        assertEquals(1, d.withBarrier(Double.NaN).problems().size());
        assertEquals(1, d.withBarrier(1.0000001).problems().size());
        assertEquals(0, d.withBarrier(0).problems().size());
        assertEquals(0, d.withBarrier(1).problems().size());
        assertEquals(1, d.withLatency(Duration.ofMillis(-1)).problems().size());
        assertEquals(1, d.withLatency(Duration.ofHours(2)).problems().size());
        assertEquals(1, d.withMode(null).problems().size());
        assertEquals(1, d.withMaxFailingPredictions(256).problems().size());
        assertEquals(0, d.withMaxFailingPredictions(0).problems().size());
        assertEquals(1, d.withMinObservations(0).problems().size());
        assertEquals(1, d.withMinObservations(256).problems().size());
        assertEquals(1, d.withMaxKeys(0).problems().size());
        assertEquals(1, d.withMaxFlows(0).problems().size());
        assertEquals(1, d.withKeyIdleExpiry(Duration.ZERO).problems().size());
        assertEquals(1, d.withFlowIdleExpiry(null).problems().size());
        assertThrows(InvalidConfigException.class,
                () -> new LazyReplicator(d.withBarrier(2), (e, t) -> { }, () -> 0));
    }
}
