package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.hftfw.common.Await;
import org.hftfw.common.Clock;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.ExpectationTable;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.hftfw.ftfw.ExpectationCache;
import org.junit.jupiter.api.Test;

/** The always-committed backup's expectation writer and the external-cache commit, on a fake expectation table. */
class ExpectationWriterTest {

    /** Refuses creates with ENOENT (no master) until {@code masterAfter} attempts were made. */
    private static final class FakeTable implements ExpectationTable {
        final List<String> log = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger attempts = new AtomicInteger();
        volatile int masterAfter;

        @Override
        public long dump(Consumer<Expectation> sink) {
            return 0;
        }

        @Override
        public void create(Expectation e, boolean replaceExisting) {
            if (attempts.incrementAndGet() <= masterAfter) {
                throw new ConntrackException.NoSuchEntryException("no master");
            }
            log.add("create " + e.expected().dport() + " timeout " + e.timeout());
        }

        @Override
        public void delete(Expectation e) {
            log.add("delete " + e.expected().dport());
        }

        @Override
        public ConntrackTable.EventSubscription subscribe(Listener listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() { }
    }

    private static Expectation ftp(int port, long timeout) {
        InetAddress c = InetAddress.ofLiteral("10.0.0.1");
        InetAddress s = InetAddress.ofLiteral("10.0.0.2");
        InetAddress ones = InetAddress.ofLiteral("255.255.255.255");
        return new Expectation(Tuple.ports(c, s, IpProto.TCP, 40000, 21), Tuple.ports(c, s, IpProto.TCP, 0, port),
                Tuple.ports(ones, ones, IpProto.TCP, 0, 0xffff), timeout, 0, 0, "ftp", null, null);
    }

    @Test
    void writesAfterTheFlowsAndRetriesAnAbsentMaster() throws Exception {
        FakeTable t = new FakeTable();
        t.masterAfter = 2;
        AtomicInteger drains = new AtomicInteger();
        // a clock that stands still: the retries take a second of real time, the timeout written must not show it
        try (ExpectationWriter w = new ExpectationWriter(t, drains::incrementAndGet, () -> 0L)) {
            w.start();
            w.onExpectation(EventType.NEW, ftp(50000, 300));
            assertTrue(Await.await(() -> w.stats().created() == 1, 5000), w.stats().toString());
            assertTrue(drains.get() >= 1, "the flow writer was drained first");
            assertEquals(2, w.stats().retries());
            assertEquals(0, w.stats().pending());
            w.onExpectation(EventType.DESTROY, ftp(50000, 300));
            assertTrue(Await.await(() -> w.stats().deleted() == 1, 5000), w.stats().toString());
            assertEquals(List.of("create 50000 timeout 300", "delete 50000"), List.copyOf(t.log));
        }
    }

    @Test
    void theWriterThreadRunsOnlyWhileThereIsWork() throws Exception {
        FakeTable t = new FakeTable();
        t.masterAfter = 1;
        try (ExpectationWriter w = new ExpectationWriter(t, () -> { }, () -> 0L)) {
            w.onExpectation(EventType.NEW, ftp(50002, 300));
            assertFalse(w.writing(), "not before start");
            w.start();
            assertTrue(Await.await(() -> w.stats().created() == 1 && !w.writing(), 5000), w.stats().toString());
            w.onExpectation(EventType.DESTROY, ftp(50002, 300));
            assertTrue(Await.await(() -> w.stats().deleted() == 1 && !w.writing(), 5000), w.stats().toString());
            assertEquals(1, w.stats().retries(), "the absent master kept the thread for one retry");
        }
    }

    @Test
    void aDelWhileWaitingForTheMasterCancelsTheCreate() throws Exception {
        FakeTable t = new FakeTable();
        t.masterAfter = Integer.MAX_VALUE;
        try (ExpectationWriter w = new ExpectationWriter(t, () -> { }, Clock.system())) {
            w.start();
            w.onExpectation(EventType.NEW, ftp(50001, 300));
            assertTrue(Await.await(() -> w.stats().pending() == 1, 5000), w.stats().toString());
            w.onExpectation(EventType.DESTROY, ftp(50001, 300));
            assertTrue(Await.await(() -> w.stats().deleted() == 1 && w.stats().pending() == 0, 5000),
                    w.stats().toString());
            assertEquals(List.of("delete 50001"), List.copyOf(t.log));
        }
    }

    @Test
    void anExpectationWhoseMasterNeverComesIsGivenUpAtItsTimeout() throws Exception {
        FakeTable t = new FakeTable();
        t.masterAfter = Integer.MAX_VALUE;
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        try (ExpectationWriter w = new ExpectationWriter(t, () -> { }, now::get)) {
            w.start();
            w.onExpectation(EventType.NEW, ftp(50002, 2));
            assertTrue(Await.await(() -> w.stats().pending() == 1, 5000), w.stats().toString());
            now.set(3_000_000_000L);
            assertTrue(Await.await(() -> w.stats().failed() == 1 && w.stats().pending() == 0, 5000),
                    w.stats().toString());
        }
    }

    /** review14 G2: 50 000 of the peer's expectations were held with a cache limit of 10. */
    @Test
    void theExpectationCacheIsBoundedLikeTheFlowsCacheAndCountsWhatItRefuses() {
        ExpectationCache c = new ExpectationCache(() -> 0L, 10);
        for (int i = 0; i < 1000; i++) {
            c.apply(EventType.NEW, ftp(1 + i, -1));
        }
        assertEquals(10, c.size());
        assertEquals(990, c.overflows());
        c.apply(EventType.UPDATE, ftp(1, 300));
        assertEquals(990, c.overflows(), "an update of one it holds is taken");
        c.apply(EventType.DESTROY, ftp(1, 300));
        c.apply(EventType.NEW, ftp(5000, 300));
        assertEquals(10, c.size(), "room again after a DEL");
        assertEquals(990, c.overflows());
    }

    /**
     * review14 G2: the always-committed backup kept every expectation whose master was absent, and one without a
     * timeout for ever (retried every 500 ms): the waiting set is bounded and such one waits at most a minute.
     */
    @Test
    void expectationsWaitingForTheirMasterAreBoundedAndNoneWaitsForEver() throws Exception {
        FakeTable t = new FakeTable();
        t.masterAfter = Integer.MAX_VALUE;
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
        try (ExpectationWriter w = new ExpectationWriter(t, () -> { }, now::get, 10)) {
            w.start();
            for (int i = 0; i < 10; i++) {
                w.onExpectation(EventType.NEW, ftp(1 + i, -1));
            }
            assertTrue(Await.await(() -> w.stats().pending() == 10, 5000), w.stats().toString());
            for (int i = 10; i < 15; i++) {
                w.onExpectation(EventType.NEW, ftp(1 + i, -1));
            }
            assertTrue(Await.await(() -> w.stats().overflows() == 5 && w.stats().failed() == 5, 5000),
                    w.stats().toString());
            assertEquals(10, w.stats().pending());
            now.set((ExpectationWriter.NO_TIMEOUT_WAIT_SECONDS + 1) * 1_000_000_000L);
            assertTrue(Await.await(() -> w.stats().pending() == 0 && w.stats().failed() == 15, 5000),
                    w.stats().toString());
        }
    }

    @Test
    void theCacheCommitsWithTheTimeoutLeftAndSkipsExpiredOnes() {
        long[] now = {0};
        ExpectationCache c = new ExpectationCache(() -> now[0]);
        c.apply(EventType.NEW, ftp(50003, 300));
        c.apply(EventType.NEW, ftp(50004, 5));
        c.apply(EventType.NEW, ftp(50005, 300));
        c.apply(EventType.DESTROY, ftp(50005, 300));
        now[0] = 10_000_000_000L;
        FakeTable t = new FakeTable();
        ExpectationCache.CommitResult r = c.commit(t);
        assertEquals(2, r.requested());
        assertEquals(1, r.created());
        assertEquals(1, r.expired());
        assertEquals(List.of("create 50003 timeout 290"), List.copyOf(t.log));
    }
}
