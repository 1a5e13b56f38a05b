package org.hftfw.conntrack.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackTable.EventSubscription;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The event socket's batched delivery and its buffer growth (NetlinkBufferSizeMaxGrowth), on a real kernel. */
@Tag("lab")
class EventBatchLabTest {

    @Test
    void everyEventIsFollowedByTheEndOfItsBatch() throws Exception {
        LabAssumptions.assumeAvailable();
        AtomicInteger events = new AtomicInteger();
        AtomicInteger sinceEnd = new AtomicInteger();
        AtomicInteger batches = new AtomicInteger();
        ConntrackEventListener l = new ConntrackEventListener() {
            @Override
            public void onEvent(ConntrackEvent e) {
                events.incrementAndGet();
                sinceEnd.incrementAndGet();
            }

            @Override
            public void endOfBatch() {
                if (sinceEnd.getAndSet(0) > 0) {
                    batches.incrementAndGet();
                }
            }
        };
        try (NetnsLab lab = new NetnsLab("hbt"); KernelConntrackTable t = lab.netns("fw").openConntrack();
             EventSubscription _ = t.subscribe(l)) {
            List<ConntrackEntry> entries = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                entries.add(Entries.udp("10.239.0.1", "10.239.0.2", 1000 + i, 53, 60));
            }
            t.createAll(entries);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((events.get() < 500 || sinceEnd.get() > 0) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(500, events.get());
            assertEquals(0, sinceEnd.get(), "the last batch was ended");
            assertTrue(batches.get() >= 1 && batches.get() <= 500, "batches: " + batches.get());
        }
    }

    @Test
    void theReceiveBufferDoublesUpToTheLimit() {
        LabAssumptions.assumeAvailable();
        try (NetnsLab lab = new NetnsLab("hbg")) {
            NetlinkSocket s = lab.netns("fw").call(() -> NetlinkSocket.open(0, 4096, 0, 0, false));
            try {
                assertEquals(2 * 4096, s.receiveBufferBytes(), "the kernel doubles the request");
                assertEquals(8192, s.growReceiveBuffer(16384));
                assertEquals(2 * 8192, s.receiveBufferBytes());
                assertEquals(16384, s.growReceiveBuffer(16384));
                assertEquals(2 * 16384, s.receiveBufferBytes());
                assertEquals(0, s.growReceiveBuffer(16384), "at the limit: not grown");
                assertEquals(2 * 16384, s.receiveBufferBytes());
            } finally {
                s.close();
            }
        }
    }
}
