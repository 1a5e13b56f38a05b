package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.sync.LogCapture;
import org.junit.jupiter.api.Test;

class HeapWatchTest {

    @Test
    void warnsOnceWhenTheLiveHeapNearsTheMaximumAndAgainOnlyAfterItFell() {
        AtomicLong live = new AtomicLong(50L << 20);
        HeapWatch w = new HeapWatch(live::get, 100L << 20);
        try (LogCapture log = new LogCapture()) {
            assertFalse(w.check());
            live.set(90L << 20);
            assertTrue(w.check());
            assertTrue(w.check(), "still full");
            assertEquals(1, log.count("raise -Xmx"), log.lines().toString());
            assertTrue(log.lines().toString().contains("90 % full after garbage collection (90 of 100 MB)"),
                    log.lines().toString());
            live.set(80L << 20);
            assertTrue(w.check(), "between the two marks: still warned, no new line");
            live.set(60L << 20);
            assertFalse(w.check());
            live.set(95L << 20);
            assertTrue(w.check());
            assertEquals(2, log.count("raise -Xmx"), "warned again after it had fallen back");
        }
    }
}
