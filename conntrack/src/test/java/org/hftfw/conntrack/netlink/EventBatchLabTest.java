package org.hftfw.conntrack.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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

    /**
     * A queue more than a quarter full when the pump reads grows the buffer before the kernel drops anything. The queue's
     * fill is watched on a second socket subscribed to the same events with the same buffer (never read), while the
     * pump's listener is held on the first event.
     */
    @Test
    void aQueueMoreThanAQuarterFullGrowsTheBufferBeforeAnyOverrun() throws Exception {
        LabAssumptions.assumeAvailable();
        int buffer = 256 << 10;
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger events = new AtomicInteger();
        ConntrackEventListener held = e -> {
            events.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        };
        int groups = Nl.groupMask(Nl.NFNLGRP_CONNTRACK_NEW) | Nl.groupMask(Nl.NFNLGRP_CONNTRACK_UPDATE)
                | Nl.groupMask(Nl.NFNLGRP_CONNTRACK_DESTROY);
        Ctnetlink.Options o = Ctnetlink.Options.defaults().withEventBufferBytes(buffer).withEventBufferMaxBytes(4 * buffer);
        try (NetnsLab lab = new NetnsLab("hbe")) {
            NetnsLab.Netns fw = lab.netns("fw");
            NetlinkSocket twin = fw.call(() -> NetlinkSocket.open(groups, buffer, 0, 0, false));
            try (KernelConntrackTable t = fw.openConntrack(o); EventSubscription _ = t.subscribe(held)) {
                NetlinkSocket.QueueProbe fill = twin.new QueueProbe();
                assertTrue(fill.read(), "SO_MEMINFO");
                int created = 0;
                while (fill.queued() * 2 < fill.limit()) {
                    List<ConntrackEntry> chunk = new ArrayList<>();
                    for (int i = 0; i < 50; i++, created++) {
                        chunk.add(Entries.udp("10.239.1.1", "10.239.1.2", 1000 + created, 53, 60));
                    }
                    t.createAll(chunk);
                    assertTrue(fill.read());
                }
                release.countDown();
                int expected = created;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (events.get() < expected && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(expected, events.get(), "every event delivered");
                assertEquals(0, t.stats().overruns());
                assertTrue(t.eventBufferEarlyGrowths() >= 1, "grown before an overrun");
            } finally {
                twin.close();
            }
        }
    }
}
