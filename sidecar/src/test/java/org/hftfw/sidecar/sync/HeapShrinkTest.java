package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HeapShrinkTest {
    private static final long MB = 1L << 20;

    /** The old generation's use and what was live after the last full collection, as the collector keeps them. */
    private static final class OldGeneration {
        final AtomicLong used = new AtomicLong();
        final AtomicLong live = new AtomicLong();
        final AtomicInteger collections = new AtomicInteger();
        long foundLive;
        /** The daemon's own work that a full collection would stop (the backup's writer trailing a bulk). */
        boolean held;

        OldGeneration(long used, long live) {
            this.used.set(used);
            this.live.set(live);
            this.foundLive = live;
        }

        /** A full collection: what it finds live is {@link #foundLive}. */
        void collect() {
            collections.incrementAndGet();
            used.set(foundLive);
            live.set(foundLive);
        }

        HeapShrink shrink() {
            HeapShrink s = new HeapShrink(used::get, live::get, this::collect, () -> held);
            assertFalse(s.check(), "the first look only takes the marks");
            assertFalse(s.check(), "nothing grew");
            return s;
        }
    }

    @Test
    void collectsOnceTheOldGenerationGrewByAQuarterAndEightMegabytesThenOnceMoreWhenQuiet() {
        OldGeneration old = new OldGeneration(40 * MB, 40 * MB);
        HeapShrink s = old.shrink();
        old.used.set(49 * MB);
        assertFalse(s.check(), "9 MB more is less than a quarter of 40 MB");
        old.foundLive = 48 * MB; // in the middle of a burst: what is in flight counts as live
        old.used.set(50 * MB);
        assertTrue(s.check(), "10 MB more: a quarter");
        assertEquals(1, old.collections.get());
        old.used.set(50 * MB);
        assertFalse(s.check(), "promoted since: the burst goes on");
        old.foundLive = 41 * MB;
        assertTrue(s.check(), "quiet: once more, for what was in flight at the first collection");
        assertEquals(41 * MB, old.used.get());
        assertFalse(s.check(), "quiet, and the last collection was quiet too");
        assertFalse(s.check());
        assertEquals(2, old.collections.get());
    }

    @Test
    void aSmallHeapWaitsForEightMegabytesOfGrowth() {
        OldGeneration old = new OldGeneration(4 * MB, 4 * MB);
        HeapShrink s = old.shrink();
        old.used.set(12 * MB - 1);
        assertFalse(s.check(), "8 MB over 4 MB live is the least growth that counts; this is a byte short of it");
        old.used.set(12 * MB);
        assertTrue(s.check());
        assertEquals(1, old.collections.get());
    }

    @Test
    void collectsOnceNothingMoreWasPromotedForAPeriodAfterATenthOfGrowth() {
        OldGeneration old = new OldGeneration(40 * MB, 40 * MB);
        HeapShrink s = old.shrink();
        old.used.set(43 * MB);
        assertFalse(s.check());
        assertFalse(s.check(), "quiet, but 3 MB is less than a tenth of 40 MB");
        old.used.set(45 * MB);
        assertFalse(s.check(), "5 MB more, but promoted during the last period");
        old.foundLive = 44 * MB;
        assertTrue(s.check(), "5 MB more and nothing promoted for a period");
        assertFalse(s.check(), "it freed 1 MB: nothing a burst left in flight, no second one");
        assertFalse(s.check());
        assertEquals(1, old.collections.get());
    }

    @Test
    void noCollectionWhileHeldThenOnceTheHoldEnds() {
        OldGeneration old = new OldGeneration(30 * MB, 30 * MB);
        HeapShrink s = old.shrink();
        old.used.set(300 * MB); // a migration's bulk received, promoted
        assertFalse(s.check(), "promoted within the period: busy");
        old.held = true; // the writer still writes what the bulk brought, allocating little: the heap looks quiet
        assertFalse(s.check(), "quiet, but held");
        assertFalse(s.check(), "still held");
        assertEquals(0, old.collections.get());
        old.held = false;
        old.foundLive = 290 * MB;
        assertTrue(s.check(), "the writer caught up: quiet and grown");
        assertEquals(1, old.collections.get());
    }

    @Test
    void aQuietCollectionThatFreedABurstsLeftoversIsFollowedByOneMore() {
        OldGeneration old = new OldGeneration(30 * MB, 30 * MB);
        HeapShrink s = old.shrink();
        old.used.set(79 * MB); // 100 000 new flows, the last of them promoted before this period
        assertFalse(s.check(), "promoted 49 MB within the period: busy");
        old.foundLive = 31 * MB; // the resend queue and the deferred sends still hold some of the burst
        assertTrue(s.check(), "quiet: the burst has passed");
        old.foundLive = 27 * MB;
        assertTrue(s.check(), "still quiet: once more, for what was in flight at the first one");
        assertEquals(27 * MB, old.used.get());
        assertFalse(s.check(), "the follow-up is not followed");
        assertFalse(s.check());
        assertEquals(2, old.collections.get());
    }

    @Test
    void theCollectorsOwnFullCollectionIsFollowedByOneOnceQuiet() {
        OldGeneration old = new OldGeneration(40 * MB, 40 * MB);
        HeapShrink s = old.shrink();
        old.used.set(60 * MB); // the old generation filled in a burst: the collector collected by itself
        old.live.set(60 * MB);
        assertFalse(s.check(), "it ran in the burst");
        old.foundLive = 42 * MB;
        assertTrue(s.check(), "quiet now");
        assertFalse(s.check());
        assertEquals(1, old.collections.get());
    }

    @Test
    void waitsUntilAMigrationsBulkHasPassed() {
        OldGeneration old = new OldGeneration(40 * MB, 40 * MB);
        HeapShrink s = old.shrink();
        old.used.set(60 * MB);
        assertFalse(s.check(), "20 MB promoted within the period: a bulk is under way");
        old.used.set(64 * MB);
        assertFalse(s.check(), "4 MB more within the period: still busy");
        old.used.set(66 * MB);
        old.foundLive = 52 * MB;
        assertTrue(s.check(), "2 MB in the last period: the bulk has passed");
        assertEquals(52 * MB, old.used.get());
        assertEquals(1, old.collections.get());
    }
}
