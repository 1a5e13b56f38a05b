package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HeapShrinkTest {
    private static final long MB = 1L << 20;

    @Test
    void collectsOnceTheOldGenerationGrewByAQuarterAndEightMegabytesOverWhatWasLive() {
        AtomicLong used = new AtomicLong(40 * MB);
        AtomicLong live = new AtomicLong(40 * MB);
        AtomicInteger collections = new AtomicInteger();
        HeapShrink s = new HeapShrink(used::get, live::get, () -> {
            collections.incrementAndGet();
            used.set(41 * MB); // the collection found 41 MB live
            live.set(41 * MB);
        });
        assertFalse(s.check(), "nothing grew");
        used.set(49 * MB);
        assertFalse(s.check(), "9 MB more is less than a quarter of 40 MB");
        used.set(50 * MB);
        assertTrue(s.check(), "10 MB more: a quarter");
        assertEquals(1, collections.get());
        assertFalse(s.check(), "the mark moved up with what was found live: no second collection");
        assertEquals(1, collections.get());
    }

    @Test
    void aSmallHeapWaitsForEightMegabytesOfGrowth() {
        AtomicLong used = new AtomicLong(12 * MB - 1);
        AtomicInteger collections = new AtomicInteger();
        HeapShrink s = new HeapShrink(used::get, () -> 4 * MB, collections::incrementAndGet);
        assertFalse(s.check(), "8 MB over 4 MB live is the least growth that counts; this is a byte short of it");
        used.set(12 * MB);
        assertTrue(s.check());
        assertEquals(1, collections.get());
    }

    @Test
    void collectsOnceNothingMoreWasPromotedForAPeriodAfterATenthOfGrowth() {
        AtomicLong used = new AtomicLong(43 * MB);
        AtomicLong live = new AtomicLong(40 * MB);
        AtomicInteger collections = new AtomicInteger();
        HeapShrink s = new HeapShrink(used::get, live::get, () -> {
            collections.incrementAndGet();
            used.set(38 * MB); // what was live in the middle of the burst was in flight
            live.set(38 * MB);
        });
        assertFalse(s.check());
        assertFalse(s.check(), "quiet, but 3 MB is less than a tenth of 40 MB");
        used.set(45 * MB);
        assertFalse(s.check(), "5 MB more, but promoted during the last period");
        assertTrue(s.check(), "5 MB more and nothing promoted for a period");
        assertEquals(1, collections.get());
        assertFalse(s.check());
        assertFalse(s.check(), "quiet after the collection, nothing grew");
        assertEquals(1, collections.get());
    }
}
