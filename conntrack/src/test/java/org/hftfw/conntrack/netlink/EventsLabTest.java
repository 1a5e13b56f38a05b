package org.hftfw.conntrack.netlink;

import org.hftfw.common.Clock;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackTable.EventSubscription;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Event subscription against the real kernel: kinds, order, injected clocks, overruns and resync. */
@Tag("lab")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventsLabTest {
    private NetnsLab lab;
    private NetnsLab.Netns ns;

    @BeforeEach
    void setUp() {
        LabAssumptions.assumeAvailable();
        lab = new NetnsLab("hnl");
        ns = lab.netns("ev");
    }

    @AfterEach
    void tearDown() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void newUpdateDestroyWithInjectedClocks() throws Exception {
        AtomicLong mono = new AtomicLong(1_000);
        AtomicLong wall = new AtomicLong(1_700_000_000_000_000L);
        Ctnetlink.Options o = Ctnetlink.Options.defaults()
                .withClock(Clock.of(() -> mono.addAndGet(10), () -> wall.addAndGet(1)));
        LinkedBlockingQueue<ConntrackEvent> events = new LinkedBlockingQueue<>();
        try (KernelConntrackTable t = ns.openConntrack(o);
             EventSubscription _ = t.subscribe(events::add)) {
            ConntrackEntry e = Entries.tcpEstablished("10.203.0.1", "10.203.0.2", 1111, 80, 100, 0)
                    .toBuilder().tcpState(TcpState.SYN_RECV).build();
            t.create(e);
            t.update(e.toBuilder().tcpState(TcpState.ESTABLISHED).mark(4).build());
            t.delete(e.original(), 0);

            ConntrackEvent created = events.poll(5, TimeUnit.SECONDS);
            ConntrackEvent updated = events.poll(5, TimeUnit.SECONDS);
            ConntrackEvent destroyed = events.poll(5, TimeUnit.SECONDS);
            assertNotNull(destroyed, "three events expected, got " + created + " " + updated);
            assertEquals(List.of(EventType.NEW, EventType.UPDATE, EventType.DESTROY),
                    List.of(created.type(), updated.type(), destroyed.type()));
            for (ConntrackEvent ev : List.of(created, updated, destroyed)) {
                assertEquals(e.original(), ev.entry().original());
                assertEquals(e.reply(), ev.entry().reply());
            }
            assertEquals(TcpState.SYN_RECV, created.entry().tcpState());
            assertEquals(TcpState.ESTABLISHED, updated.entry().tcpState());
            assertEquals(4, updated.entry().mark());
            assertTrue(created.monotonicNanos() > 1_000 && created.monotonicNanos() < updated.monotonicNanos()
                    && updated.monotonicNanos() < destroyed.monotonicNanos(), "injected monotonic clock");
            assertTrue(created.epochMicros() > 1_700_000_000_000_000L && created.epochMicros() < destroyed.epochMicros());
            assertEquals(3, t.stats().events());
            assertEquals(0, t.stats().overruns());
        }
    }

    @Test
    void overrunIsCountedAndFollowedByAFullResync() throws Exception {
        int n = 4000;
        CountDownLatch burstDone = new CountDownLatch(1);
        List<Long> overruns = Collections.synchronizedList(new ArrayList<>());
        List<List<ConntrackEntry>> resyncs = Collections.synchronizedList(new ArrayList<>());
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        AtomicLong events = new AtomicLong();
        // the flows the listener knows: the last resync's, and those whose NEW it was given after that resync
        Set<Tuple> known = new HashSet<>();
        ConntrackEventListener slow = new ConntrackEventListener() {
            @Override
            public void onEvent(ConntrackEvent event) {
                events.incrementAndGet();
                try {
                    burstDone.await(30, TimeUnit.SECONDS); // hold the socket full until the burst is over
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (known) {
                    known.add(event.entry().original());
                }
            }

            @Override
            public void onOverrun(long overrunsSoFar) {
                overruns.add(overrunsSoFar);
                order.add("overrun");
            }

            @Override
            public void onResync(List<ConntrackEntry> table) {
                resyncs.add(table);
                order.add("resync");
                synchronized (known) {                  // last: once the test sees it, the lists above are complete
                    known.clear();
                    table.forEach(e -> known.add(e.original()));
                }
            }
        };
        // the smallest event buffer the kernel accepts: a burst of NEW events cannot fit
        try (KernelConntrackTable t = ns.openConntrack(Ctnetlink.Options.defaults().withEventBufferBytes(4096));
             EventSubscription _ = t.subscribe(slow)) {
            List<ConntrackEntry> entries = Entries.many(n, 5);
            assertEquals(n, t.createAll(entries).created());
            burstDone.countDown();
            Set<Tuple> expected = entries.stream().map(ConntrackEntry::original).collect(Collectors.toSet());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // an overrun may already be noticed mid-burst (its resync then sees part of the table): when the pump
            // starts late on a busy machine, the first read finds the socket overflowed before the listener holds
            // anything. What the listener knows in the end is the last resync plus the NEWs it was given since
            while (System.nanoTime() < deadline && !knows(known, expected)) {
                Thread.sleep(20);
            }
            assertTrue(!overruns.isEmpty(), "an overrun must be reported");
            assertEquals(overruns.size(), t.stats().overruns());
            assertEquals("overrun", order.get(0));
            assertTrue(order.contains("resync"), "resync after overrun: " + order);
            synchronized (known) {
                assertEquals(expected, known, "the last resync and the events after it hold the full table ("
                        + overruns.size() + " overruns, " + resyncs.size() + " resyncs, the last of "
                        + resyncs.get(resyncs.size() - 1).size() + "; " + events.get() + " events; " + t.stats() + ")");
            }
            assertEquals(resyncs.size(), t.stats().resyncs());
            assertTrue(events.get() < n, "events were really lost: " + events.get());
        }
    }

    private static boolean knows(Set<Tuple> known, Set<Tuple> expected) {
        synchronized (known) {
            return known.equals(expected);
        }
    }

    @Test
    void closingTheSubscriptionStopsDelivery() throws Exception {
        LinkedBlockingQueue<ConntrackEvent> events = new LinkedBlockingQueue<>();
        try (KernelConntrackTable t = ns.openConntrack()) {
            EventSubscription sub = t.subscribe(events::add);
            t.create(Entries.udp("10.203.1.1", "10.203.1.2", 1, 2, 30));
            assertNotNull(events.poll(5, TimeUnit.SECONDS));
            sub.close();
            t.create(Entries.udp("10.203.1.1", "10.203.1.2", 3, 4, 30));
            assertEquals(null, events.poll(500, TimeUnit.MILLISECONDS));
        }
    }
}
