package org.hftfw.conntrack.memory;

import org.hftfw.common.Clock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackException.EntryExistsException;
import org.hftfw.conntrack.ConntrackException.NoSuchEntryException;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InMemoryConntrackTableTest {
    static final long SEC = 1_000_000_000L;

    final AtomicLong nanos = new AtomicLong(5 * SEC);
    final AtomicLong micros = new AtomicLong(1_700_000_000_000_000L);
    InMemoryConntrackTable table;
    final List<ConntrackEvent> events = new ArrayList<>();

    @BeforeEach
    void setUp() {
        table = InMemoryConntrackTable.create(Clock.of(nanos::get, micros::get));
        table.subscribe(events::add);
    }

    static InetAddress ip(String s) {
        return InetAddress.ofLiteral(s);
    }

    static Tuple tcp(int sport) {
        return Tuple.ports(ip("10.201.0.1"), ip("10.201.0.2"), IpProto.TCP, sport, 80);
    }

    static ConntrackEntry established(int sport, long timeout) {
        return ConntrackEntry.builder(tcp(sport)).tcpState(TcpState.ESTABLISHED)
                .status(Status.SEEN_REPLY | Status.ASSURED).timeout(timeout).build();
    }

    void advance(long n) {
        nanos.addAndGet(n);
        micros.addAndGet(n / 1000);
    }

    @Test
    void createStoresEntryLikeTheKernel() {
        table.create(ConntrackEntry.builder(tcp(1000)).status(Status.SEEN_REPLY | Status.DYING | Status.OFFLOAD)
                .timeout(120).build());
        ConntrackEntry e = table.get(tcp(1000), 0).orElseThrow();
        assertEquals(TcpState.NONE, e.tcpState(), "TCP without a state is created in NONE");
        assertTrue(e.hasStatus(Status.CONFIRMED));
        assertTrue(e.hasStatus(Status.SEEN_REPLY));
        assertFalse(e.hasStatus(Status.DYING), "kernel-only bits are ignored on create");
        assertFalse(e.hasStatus(Status.OFFLOAD));
        assertEquals(120, e.timeout());
        assertEquals(1, e.use());
        assertEquals(1, e.id());
        assertEquals(micros.get() * 1000, e.startNanos());
        assertEquals(tcp(1000).inverted(), e.reply());
        assertTrue(table.get(tcp(1001), 0).isEmpty());
        assertTrue(table.get(tcp(1000), 3).isEmpty(), "zones are separate");
    }

    @Test
    void idsAreMonotonicWhenNotGiven() {
        table.create(established(1, 10));
        table.create(established(2, 10).toBuilder().id(777).build());
        table.create(established(3, 10));
        assertEquals(List.of(1L, 777L, 2L), table.list().stream().map(ConntrackEntry::id).toList());
    }

    @Test
    void duplicateOriginalOrReplyTupleIsRejected() {
        table.create(established(1000, 60));
        assertThrows(EntryExistsException.class, () -> table.create(established(1000, 60)));
        // original equal to the existing reply tuple
        ConntrackEntry mirrored = ConntrackEntry.builder(tcp(1000).inverted()).timeout(60).build();
        var ex = assertThrows(EntryExistsException.class, () -> table.create(mirrored));
        assertEquals(ConntrackException.EEXIST, ex.errno());
        // a NATed entry whose reply tuple collides with the existing entry's reply
        Tuple other = Tuple.ports(ip("10.201.0.3"), ip("10.201.0.2"), IpProto.TCP, 1000, 80);
        ConntrackEntry natted = ConntrackEntry.builder(other).reply(tcp(1000).inverted()).timeout(60).build();
        assertThrows(EntryExistsException.class, () -> table.create(natted));
        // the same tuple in another zone is a different entry
        table.create(established(1000, 60).toBuilder().zone(7).build());
        assertEquals(2, table.size());
        assertEquals(3, table.stats().errors());
    }

    @Test
    void createNeedsTimeoutAndValidTcpState() {
        var noTimeout = assertThrows(ConntrackException.class,
                () -> table.create(ConntrackEntry.builder(tcp(1)).build()));
        assertEquals(ConntrackException.EINVAL, noTimeout.errno());
        var badState = assertThrows(ConntrackException.class,
                () -> table.create(ConntrackEntry.builder(tcp(1)).protoState(42).timeout(5).build()));
        assertEquals(ConntrackException.EINVAL, badState.errno());
        assertEquals(0, table.size());
        assertTrue(events.isEmpty());
    }

    @Test
    void updateChangesMutableAttributesOnly() {
        table.create(ConntrackEntry.builder(tcp(1000)).tcpState(TcpState.SYN_SENT).timeout(120).build());
        Tuple bogusReply = Tuple.ports(ip("10.201.9.9"), ip("10.201.0.1"), IpProto.TCP, 80, 1000);
        table.update(ConntrackEntry.builder(tcp(1000)).reply(bogusReply).tcpState(TcpState.ESTABLISHED)
                .status(Status.SEEN_REPLY | Status.ASSURED).timeout(432000).mark(42).build());
        ConntrackEntry e = table.get(tcp(1000), 0).orElseThrow();
        assertEquals(TcpState.ESTABLISHED, e.tcpState());
        assertEquals(432000, e.timeout());
        assertEquals(42, e.mark());
        assertTrue(e.hasStatus(Status.ASSURED));
        assertTrue(e.hasStatus(Status.CONFIRMED), "unchangeable bits keep their value");
        assertEquals(tcp(1000).inverted(), e.reply(), "tuples are never updated");

        advance(10 * SEC);
        table.update(e.toBuilder().timeout(-1).protoState(-1).mark(43).build());
        ConntrackEntry later = table.get(tcp(1000), 0).orElseThrow();
        assertEquals(431990, later.timeout(), "no timeout in the update keeps the deadline");
        assertEquals(TcpState.ESTABLISHED, later.tcpState(), "no state in the update keeps the state");
        assertEquals(43, later.mark());
    }

    @Test
    void updateErrors() {
        var absent = assertThrows(NoSuchEntryException.class, () -> table.update(established(1, 10)));
        assertEquals(ConntrackException.ENOENT, absent.errno());
        table.create(established(1, 10));
        var busy = assertThrows(ConntrackException.class,
                () -> table.update(established(1, 10).toBuilder().status(Status.SEEN_REPLY).build()));
        assertEquals(InMemoryConntrackTable.EBUSY, busy.errno());
        assertTrue(table.get(tcp(1), 0).orElseThrow().hasStatus(Status.ASSURED));
        assertThrows(ConntrackException.class, () -> table.update(established(1, 10).toBuilder().protoState(10).build()));
        assertEquals(3, table.stats().errors());
    }

    @Test
    void deleteAndFlush() {
        var absent = assertThrows(NoSuchEntryException.class, () -> table.delete(tcp(1), 0));
        assertEquals(ConntrackException.ENOENT, absent.errno());
        table.create(established(1, 100));
        table.create(established(2, 100));
        table.create(established(3, 100));
        advance(30 * SEC);
        table.delete(tcp(1), 0);
        assertThrows(NoSuchEntryException.class, () -> table.delete(tcp(1), 0));
        ConntrackEvent destroy = events.getLast();
        assertEquals(EventType.DESTROY, destroy.type());
        assertEquals(70, destroy.entry().timeout(), "a deleted entry reports its remaining timeout");
        assertEquals(micros.get() * 1000, destroy.entry().stopNanos());
        // the freed tuples can be used again
        table.create(established(1, 100));
        table.flush();
        assertEquals(0, table.size());
        assertEquals(List.of(EventType.DESTROY, EventType.DESTROY, EventType.DESTROY),
                events.subList(events.size() - 3, events.size()).stream().map(ConntrackEvent::type).toList());
        table.create(ConntrackEntry.builder(tcp(1).inverted()).timeout(5).build());
    }

    @Test
    void createAllCountsCreatedUpdatedAndFailed() {
        table.create(established(1, 10));
        List<ConntrackEntry> batch = List.of(
                established(1, 99).toBuilder().mark(5).build(),         // exists
                established(2, 99),                                     // new
                ConntrackEntry.builder(tcp(3)).build(),                 // no timeout
                ConntrackEntry.builder(tcp(1).inverted()).timeout(9).build()); // collides with entry 1's reply
        ConntrackTable.BatchResult plain = table.createAll(batch, false);
        assertEquals(new ConntrackTable.BatchResult(4, 1, 0, 3, plain.firstErrors()), plain);
        assertEquals(3, plain.firstErrors().size());
        assertFalse(plain.allSucceeded());
        assertEquals(0, table.get(tcp(1), 0).orElseThrow().mark());

        ConntrackTable.BatchResult replace = table.createAll(batch, true);
        assertEquals(4, replace.requested());
        assertEquals(0, replace.created());
        assertEquals(2, replace.updated(), "entries 1 and 2 exist now and are updated");
        assertEquals(2, replace.failed(), "no timeout, and a reply collision is not a replace");
        assertEquals(5, table.get(tcp(1), 0).orElseThrow().mark());
        assertEquals(99, table.get(tcp(1), 0).orElseThrow().timeout());
    }

    @Test
    void eventsCarryTypeEntryAndClocks() {
        table.create(established(1, 60));
        advance(SEC);
        table.update(established(1, 50).toBuilder().mark(1).build());
        advance(SEC);
        table.delete(tcp(1), 0);
        assertEquals(List.of(EventType.NEW, EventType.UPDATE, EventType.DESTROY),
                events.stream().map(ConntrackEvent::type).toList());
        assertEquals(5 * SEC, events.get(0).monotonicNanos());
        assertEquals(7 * SEC, events.get(2).monotonicNanos());
        assertEquals(micros.get(), events.get(2).epochMicros());
        assertEquals(1, events.get(1).entry().mark());
        assertEquals(50, events.get(1).entry().timeout());
        assertEquals(49, events.get(2).entry().timeout());
        assertEquals(3, table.stats().events());
    }

    @Test
    void closedSubscriptionAndFailingListener() {
        List<ConntrackEvent> second = new ArrayList<>();
        ConntrackTable.EventSubscription sub = table.subscribe(second::add);
        table.subscribe(e -> { throw new IllegalStateException("listener bug"); });
        table.create(established(1, 60));
        sub.close();
        table.create(established(2, 60));
        assertEquals(1, second.size());
        assertEquals(2, events.size(), "a failing listener does not stop the others");
        assertEquals(2, table.size(), "nor the mutation");
        assertEquals(2, table.stats().errors());
    }

    /**
     * A synchronous subscription's quiet step holds the table still: a mutation from another thread (and so its
     * event) waits until the step is done, and the step may read the table itself.
     */
    @Test
    void whileQuietHoldsMutationsUntilTheStepEnds() throws Exception {
        ConntrackTable.EventSubscription sub = table.subscribe(e -> { });
        table.create(established(1, 60));
        java.util.concurrent.CountDownLatch inStep = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread quiet = Thread.ofPlatform().start(() -> {
            try {
                sub.whileQuiet(() -> {
                    inStep.countDown();
                    assertEquals(1, table.list().size(), "the step reads the table under its own lock");
                    release.await();
                    return null;
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(inStep.await(10, java.util.concurrent.TimeUnit.SECONDS));
        Thread writer = Thread.ofPlatform().start(() -> table.create(established(2, 60)));
        while (writer.getState() != Thread.State.WAITING) {
            assertTrue(writer.isAlive(), "the writer waits for the quiet step instead of creating at once");
            Thread.onSpinWait();
        }
        assertEquals(1, events.size(), "no event while the step runs");
        release.countDown();
        quiet.join(10_000);
        writer.join(10_000);
        assertEquals(2, events.size());
        assertEquals(2, table.size());
    }

    @Test
    void expiryFollowsTheVirtualClock() {
        table.create(established(1, 10));
        table.create(established(2, 30));
        table.create(established(3, 20));
        advance(5 * SEC + 1);
        assertEquals(List.of(4L, 24L, 14L), table.list().stream().map(ConntrackEntry::timeout).toList());
        assertEquals(0, table.expire());
        table.update(established(1, 100));              // refresh entry 1
        advance(25 * SEC);                              // t = 30 s + 1 ns: 2 and 3 are due
        int before = events.size();
        assertEquals(2, table.expire());
        assertEquals(List.of(tcp(1)), table.list().stream().map(ConntrackEntry::original).toList());
        List<ConntrackEvent> destroyed = events.subList(before, events.size());
        assertEquals(List.of(tcp(3), tcp(2)), destroyed.stream().map(e -> e.entry().original()).toList(),
                "oldest deadline first");
        assertTrue(destroyed.stream().allMatch(e -> e.type() == EventType.DESTROY && e.entry().timeout() == -1));
        advance(100 * SEC);
        assertEquals(0, table.list().getFirst().timeout(), "an expired entry reports 0 until collected");
        assertEquals(1, table.expire());
        assertEquals(0, table.size());
    }

    @Test
    void closedTableRefusesOperations() {
        List<ConntrackEvent> seen = new ArrayList<>();
        InMemoryConntrackTable t = InMemoryConntrackTable.create(Clock.of(nanos::get, micros::get));
        var q = t.subscribeQueued(seen::add, 4);
        t.create(established(1, 10));
        t.close();
        assertThrows(IllegalStateException.class, () -> t.create(established(2, 10)));
        assertThrows(IllegalStateException.class, t::list);
        assertEquals(0, q.deliverPending(), "closing the table closes its subscriptions");
        assertTrue(seen.isEmpty());
    }

    @Test
    void dumpIsAConsistentSnapshotDuringWrites() throws Exception {
        int n = 20_000;
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int i = 1; i <= n; i++) {
                table.create(ConntrackEntry.builder(Tuple.ports(ip("10.201.0.1"), ip("10.201.0.2"), IpProto.UDP,
                        i % 65536, 53 + i / 65536)).timeout(30).build());
            }
        });
        int dumps = 0;
        long lastSize = 0;
        while (writer.isAlive() || dumps == 0) {
            List<Long> ids = new ArrayList<>();
            long count = table.dump(e -> ids.add(e.id()));
            assertEquals(count, ids.size());
            for (int i = 0; i < ids.size(); i++) {
                assertEquals(i + 1, ids.get(i), "a dump holds exactly the first k entries created");
            }
            assertTrue(count >= lastSize);
            lastSize = count;
            dumps++;
        }
        writer.join();
        assertEquals(n, table.size());
        assertNotEquals(0, dumps);
    }
}
