package org.hftfw.conntrack.log;

import org.hftfw.common.Clock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.memory.InMemoryConntrackTable;
import org.junit.jupiter.api.Test;

class ReplaySourceTest {
    static final String CAPTURE = "events-timestamp-id.log";

    static ConntrackLogReader reader(String text) {
        return ConntrackLogReader.of(new StringReader(text), "test");
    }

    static ConntrackLogReader prefix(String capture, int lines) {
        return reader(String.join("\n", Captures.lines(capture).subList(0, lines)) + "\n");
    }

    /** Oracle: the entries alive after the events, keyed by (original, zone), with their last reported entry. */
    static Map<List<Object>, ConntrackEntry> expectedLive(List<ConntrackEvent> events) {
        Map<List<Object>, ConntrackEntry> live = new HashMap<>();
        for (ConntrackEvent e : events) {
            List<Object> key = List.of(e.entry().original(), e.entry().zone());
            if (e.type() == EventType.DESTROY) {
                live.remove(key);
            } else {
                live.put(key, e.entry());
            }
        }
        return live;
    }

    @Test
    void everyPrefixOfTheRealCaptureLeavesTheExpectedLiveEntries() throws Exception {
        List<ConntrackEvent> all = ConntrackLogReaderTest.readAll(CAPTURE);
        for (int k = 0; k <= all.size(); k++) {
            LogClock clock = new LogClock();
            InMemoryConntrackTable table = InMemoryConntrackTable.create(clock);
            ReplayResult r = ReplaySource.from(prefix(CAPTURE, k)).into(table).logClock(clock).run();
            assertEquals(k, r.events());
            assertEquals(k, r.applied(), "prefix " + k + ": " + r);
            assertEquals(0, r.anomalies());
            Map<List<Object>, ConntrackEntry> expected = expectedLive(all.subList(0, k));
            assertEquals(expected.size(), table.size(), "prefix " + k);
            for (ConntrackEntry live : table.list()) {
                ConntrackEntry last = expected.get(List.of(live.original(), live.zone()));
                assertTrue(last != null, "prefix " + k + ": unexpected " + live.original());
                assertEquals(last.reply(), live.reply());
                assertEquals(last.id(), live.id(), "the log's conntrack ids are kept");
                assertEquals(last.mark(), live.mark());
                assertEquals(last.status(), live.status());
                if (last.protoState() >= 0) {
                    assertEquals(last.protoState(), live.protoState());
                }
            }
        }
    }

    @Test
    void fullCaptureEndsEmptyAfterTheRecordedFlush() throws Exception {
        InMemoryConntrackTable table = InMemoryConntrackTable.create(Clock.of(() -> 0, () -> 0));
        List<ConntrackEvent> heard = new ArrayList<>();
        try (ConntrackLogReader r = ConntrackLogReader.open(Captures.path(CAPTURE))) {
            ReplayResult res = ReplaySource.from(r).into(table).to(heard::add).run();
            assertEquals(Captures.lines(CAPTURE).size(), res.events());
            assertEquals(res.events(), res.applied());
            assertTrue(res.parse().clean());
        }
        assertEquals(0, table.size());
        assertEquals(ConntrackLogReaderTest.readAll(CAPTURE), heard, "the listener hears the log as recorded");
    }

    @Test
    void tableEventsRunOnRecordedTime() throws Exception {
        LogClock clock = new LogClock();
        InMemoryConntrackTable table = InMemoryConntrackTable.create(clock);
        List<ConntrackEvent> fromTable = new ArrayList<>();
        table.subscribe(fromTable::add);
        ReplaySource.from(prefix(CAPTURE, 20)).into(table).logClock(clock).run();
        List<ConntrackEvent> fromLog = ConntrackLogReaderTest.readAll(CAPTURE).subList(0, 20);
        assertEquals(fromLog.stream().map(ConntrackEvent::epochMicros).toList(),
                fromTable.stream().map(ConntrackEvent::epochMicros).toList());
        assertEquals(fromLog.stream().map(ConntrackEvent::type).toList(),
                fromTable.stream().map(ConntrackEvent::type).toList());
    }

    static final String NEW_A = "[1700000000.000000]\t    [NEW] udp      17 30 src=10.200.0.1 dst=10.200.0.2 sport=1000 dport=53 [UNREPLIED] src=10.200.0.2 dst=10.200.0.1 sport=53 dport=1000 id=1";
    static final String UPD_A = "[1700000000.100000]\t [UPDATE] udp      17 30 src=10.200.0.1 dst=10.200.0.2 sport=1000 dport=53 src=10.200.0.2 dst=10.200.0.1 sport=53 dport=1000 id=1";
    static final String DES_A = "[1700000001.000000]\t[DESTROY] udp      17 src=10.200.0.1 dst=10.200.0.2 sport=1000 dport=53 src=10.200.0.2 dst=10.200.0.1 sport=53 dport=1000 id=1";
    static final String UPD_B_NO_TIMEOUT = "[1700000001.500000]\t [UPDATE] tcp      6 ESTABLISHED src=10.200.0.3 dst=10.200.0.2 sport=2000 dport=80 src=10.200.0.2 dst=10.200.0.3 sport=80 dport=2000 [ASSURED] id=2";
    static final String NEW_C_COLLIDES = "[1700000002.000000]\t    [NEW] udp      17 30 src=10.200.0.2 dst=10.200.0.1 sport=53 dport=1000 [UNREPLIED] src=10.200.0.1 dst=10.200.0.2 sport=1000 dport=53 id=3";

    @Test
    void missingAndOutOfOrderEventsAreCountedAndTolerated() throws Exception {
        String log = String.join("\n",
                UPD_A,                                   // UPDATE before its NEW: created
                NEW_A,                                   // NEW on an open flow (and time goes back)
                NEW_C_COLLIDES,                          // reply tuple of A: refused
                DES_A,
                DES_A,                                   // DESTROY twice
                UPD_B_NO_TIMEOUT,                        // no NEW, no timeout: created with the fallback
                "garbage line") + "\n";
        InMemoryConntrackTable table = InMemoryConntrackTable.create(Clock.of(() -> 0, () -> 0));
        ReplayResult r = ReplaySource.from(reader(log)).into(table).missingTimeoutSeconds(77).run();
        assertEquals(6, r.events());
        assertEquals(2, r.updateWithoutEntry(), "A's early UPDATE and B's UPDATE had no entry");
        assertEquals(1, r.newOnOpenFlow());
        assertEquals(1, r.newRejected());
        assertEquals(1, r.destroyWithoutEntry());
        assertEquals(0, r.updateRejected());
        assertEquals(4, r.timeWentBack(), "NEW_A, both DESTROYs and B are older than an event before them");
        assertEquals(1, r.applied(), "only the first DESTROY applied cleanly");
        assertEquals(1, r.parse().malformed());
        ConntrackEntry b = table.list().getFirst();
        assertEquals(1, table.size());
        assertEquals(2000, b.original().sport());
        assertEquals(77, b.timeout());
    }

    @Test
    void pacedReplayFollowsTheLogTimestampsOnVirtualTime() throws Exception {
        List<ConntrackEvent> all = ConntrackLogReaderTest.readAll(CAPTURE);
        long span = all.getLast().monotonicNanos() - all.getFirst().monotonicNanos();
        assertTrue(span > 0);
        for (double speed : new double[] {1.0, 10.0}) {
            ReplayClock.Virtual clock = ReplayClock.virtual();
            List<Long> releasedAt = new ArrayList<>();
            ReplaySource.from(ConntrackLogReader.open(Captures.path(CAPTURE)))
                    .to(e -> releasedAt.add(clock.nanos()))
                    .paced(clock, speed)
                    .run();
            assertEquals((long) (span / speed), clock.nanos());
            for (int i = 0; i < all.size(); i++) {
                long offset = all.get(i).monotonicNanos() - all.getFirst().monotonicNanos();
                assertEquals((long) (offset / speed), releasedAt.get(i), "event " + i + " at speed " + speed);
            }
            assertTrue(clock.waits() > 1);
        }
        assertThrows(IllegalArgumentException.class, () -> ReplaySource.from(reader("")).paced(ReplayClock.virtual(), 0));
    }

    @Test
    void overrunWarningsInTheLogReachTheListenerWithAResync() throws Exception {
        String log = String.join("\n", NEW_A, "WARNING: We have hit ENOBUFS! We are losing events.",
                "This message means that the current netlink socket buffer size is too small.",
                "Please, check --buffer-size in conntrack(8) manpage.", UPD_A) + "\n";
        InMemoryConntrackTable table = InMemoryConntrackTable.create(Clock.of(() -> 0, () -> 0));
        List<String> calls = new ArrayList<>();
        ConntrackEventListener l = new ConntrackEventListener() {
            @Override
            public void onEvent(ConntrackEvent event) {
                calls.add(event.type().name());
            }

            @Override
            public void onOverrun(long overrunsSoFar) {
                calls.add("OVERRUN " + overrunsSoFar);
            }

            @Override
            public void onResync(List<ConntrackEntry> snapshot) {
                calls.add("RESYNC " + snapshot.size());
            }
        };
        ReplayResult r = ReplaySource.from(reader(log)).into(table).to(l).run();
        assertEquals(List.of("NEW", "OVERRUN 1", "RESYNC 1", "UPDATE"), calls);
        assertEquals(1, r.overruns());
        assertEquals(3, r.parse().ignoredLines());
    }

    @Test
    void replaysOnce() throws Exception {
        ReplaySource s = ReplaySource.from(reader(NEW_A + "\n"));
        Set<Tuple> seen = new HashSet<>();
        s.to(e -> seen.add(e.entry().original())).run();
        assertEquals(1, seen.size());
        assertThrows(IllegalStateException.class, s::run);
    }
}
