package org.hftfw.conntrack.memory;

import org.hftfw.common.Clock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

/** The bounded-queue subscriptions: overrun and resync like ENOBUFS on a netlink socket. */
class QueuedSubscriptionTest {
    final AtomicLong nanos = new AtomicLong();
    final InMemoryConntrackTable table = InMemoryConntrackTable.create(Clock.of(nanos::get, () -> 1_700_000_000_000_000L));

    static Tuple udp(int sport) {
        return Tuple.ports(InetAddress.ofLiteral("10.201.0.1"), InetAddress.ofLiteral("10.201.0.2"), IpProto.UDP, sport, 53);
    }

    static ConntrackEntry entry(int sport) {
        return ConntrackEntry.builder(udp(sport)).timeout(30).build();
    }

    /** A listener that keeps a view of the table from events and resyncs, as a replicator would. */
    static final class MirrorListener implements ConntrackEventListener {
        final Map<Tuple, ConntrackEntry> view = new HashMap<>();
        final List<String> calls = new ArrayList<>();
        final List<Long> overrunCounts = new ArrayList<>();

        @Override
        public synchronized void onEvent(ConntrackEvent e) {
            calls.add(e.type() + ":" + e.entry().original().sport());
            if (e.type() == EventType.DESTROY) {
                view.remove(e.entry().original());
            } else {
                view.put(e.entry().original(), e.entry());
            }
        }

        @Override
        public synchronized void onOverrun(long overrunsSoFar) {
            calls.add("OVERRUN");
            overrunCounts.add(overrunsSoFar);
        }

        @Override
        public synchronized void onResync(List<ConntrackEntry> snapshot) {
            calls.add("RESYNC:" + snapshot.size());
            view.clear();
            snapshot.forEach(e -> view.put(e.original(), e));
        }

        synchronized Map<Tuple, ConntrackEntry> viewCopy() {
            return new HashMap<>(view);
        }
    }

    static Map<Tuple, ConntrackEntry> tableView(InMemoryConntrackTable t) {
        Map<Tuple, ConntrackEntry> m = new HashMap<>();
        t.list().forEach(e -> m.put(e.original(), e));
        return m;
    }

    @Test
    void queueWithinCapacityDeliversInOrderWithoutOverrun() {
        MirrorListener l = new MirrorListener();
        var sub = table.subscribeQueued(l, 8);
        table.create(entry(1));
        table.create(entry(2));
        table.delete(udp(1), 0);
        assertEquals(3, sub.queued());
        assertTrue(l.calls.isEmpty(), "nothing is delivered before the pump runs");
        assertEquals(3, sub.deliverPending());
        assertEquals(List.of("NEW:1", "NEW:2", "DESTROY:1"), l.calls);
        assertEquals(0, sub.droppedEvents());
        assertEquals(0, table.stats().overruns());
    }

    @Test
    void overflowDropsThenReportsOverrunAndResync() {
        MirrorListener l = new MirrorListener();
        var sub = table.subscribeQueued(l, 2);
        for (int i = 1; i <= 5; i++) {
            table.create(entry(i));
        }
        table.delete(udp(2), 0);
        assertEquals(2, sub.queued());
        assertEquals(4, sub.droppedEvents(), "NEW 3..5 and the DESTROY did not fit");
        assertEquals(2, sub.deliverPending());
        assertEquals(List.of("NEW:1", "NEW:2", "OVERRUN", "RESYNC:4"), l.calls,
                "queued events first, then the overrun and the table as it is now");
        assertEquals(tableView(table), l.viewCopy());
        assertEquals(new org.hftfw.conntrack.ConntrackTable.SourceStats(2, 1, 1, 0, 0), table.stats());

        // after the resync the subscription works normally again, and counts a second overrun separately
        table.create(entry(6));
        assertEquals(1, sub.deliverPending());
        for (int i = 7; i <= 10; i++) {
            table.create(entry(i));
        }
        sub.deliverPending();
        assertEquals(List.of(1L, 2L), l.overrunCounts);
        assertEquals(2, sub.overruns());
        assertEquals(tableView(table), l.viewCopy());
    }

    @Test
    void capacityMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> table.subscribeQueued(new MirrorListener(), 0));
    }

    @Test
    void asyncDeliveryWithSlowListenerOverrunsAndReconverges() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        LinkedBlockingQueue<String> progress = new LinkedBlockingQueue<>();
        MirrorListener mirror = new MirrorListener();
        ConntrackEventListener slow = new ConntrackEventListener() {
            @Override
            public void onEvent(ConntrackEvent event) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                mirror.onEvent(event);
                progress.add("event");
            }

            @Override
            public void onOverrun(long overrunsSoFar) {
                mirror.onOverrun(overrunsSoFar);
            }

            @Override
            public void onResync(List<ConntrackEntry> table) {
                mirror.onResync(table);
                progress.add("resync");
            }
        };
        var sub = table.subscribeAsync(slow, 16, Thread.ofPlatform().name("hmt-delivery").daemon().factory());
        try {
            for (int i = 1; i <= 200; i++) {
                table.create(entry(i));
            }
            for (int i = 1; i <= 200; i += 3) {
                table.delete(udp(i), 0);
            }
            assertTrue(sub.droppedEvents() > 0, "a blocked listener must overflow a 16-event queue");
            release.countDown();
            String p;
            do {
                p = progress.poll(10, TimeUnit.SECONDS);
            } while (p != null && !p.equals("resync"));
            assertEquals("resync", p, "the delivery thread must report the overrun with a resync");
            assertEquals(tableView(table), mirror.viewCopy());
            assertTrue(sub.overruns() >= 1);
        } finally {
            sub.close();
        }
        table.create(entry(1000));
        assertEquals(0, sub.queued(), "a closed subscription queues nothing");
    }
}
