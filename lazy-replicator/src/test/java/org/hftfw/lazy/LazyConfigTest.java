package org.hftfw.lazy;

import org.hftfw.common.InvalidConfigException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LazyConfigTest {
    @Test
    void defaultsAreValidAndBIsTwiceL() {
        LazyConfig c = LazyConfig.defaults().validated();
        assertEquals(200_000_000L, c.boundaryNanos());
    }

    @Test
    void reportsEveryProblemAtOnce() {
        LazyConfig bad = LazyConfig.defaults().withBarrier(-0.1).withLatency(Duration.ofHours(2)).withMaxKeys(0);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, bad::validated);
        assertEquals(3, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("max-keys"), e.getMessage());
        assertTrue(e.getMessage().contains("latency"), e.getMessage());
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
