package org.hftfw.migrator;

import org.hftfw.common.Clock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.memory.InMemoryConntrackTable;
import org.junit.jupiter.api.Test;

class StateMigratorTest {
    long now;                                   // virtual nanoseconds
    final List<String> handoverSteps = new ArrayList<>();

    /** A link whose peer acknowledges {@code acksPerPoll} messages each time the migrator pauses. */
    static final class FakeLink implements StateMigrator.BulkLink {
        final List<ConntrackEntry> sent = new ArrayList<>();
        long unacked;
        int flushes;
        long acksPerPoll = Long.MAX_VALUE;

        @Override public void send(ConntrackEntry e) { sent.add(e); unacked++; }
        @Override public void flush() { flushes++; }
        @Override public long unacknowledged() { return unacked; }
        void tick() { unacked = Math.max(0, unacked - acksPerPoll); }
    }

    final StateMigrator.Handover recordingHandover = new StateMigrator.Handover() {
        @Override public void commitOnBackup() { handoverSteps.add("commit"); }
        @Override public void demoteSelf() { handoverSteps.add("demote"); }
    };

    InMemoryConntrackTable tableWith(int n) throws Exception {
        InMemoryConntrackTable t = InMemoryConntrackTable.create(Clock.of(() -> now, () -> now / 1000));
        InetAddress dst = InetAddress.getByName("10.2.0.1");
        for (int i = 0; i < n; i++) {
            InetAddress src = InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >> 8), (byte) i});
            t.create(ConntrackEntry.builder(Tuple.ports(src, dst, IpProto.TCP, 40000 + i % 1000, 80))
                    .tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED).timeout(432000).build());
        }
        return t;
    }

    StateMigrator migrator(InMemoryConntrackTable t, FakeLink link, StateMigrator.Handover h, Duration timeout) {
        return new StateMigrator(t, link, h, new StateMigrator.Config(timeout, Duration.ofMillis(1), 1000),
                () -> now, nanos -> { now += nanos; link.tick(); });
    }

    @Test
    void sendsTheWholeTableWaitsForAcksThenCommitsBeforeDemoting() throws Exception {
        InMemoryConntrackTable t = tableWith(2500);
        FakeLink link = new FakeLink();
        link.acksPerPoll = 100;
        List<String> progress = new ArrayList<>();
        StateMigrator.Report r = migrator(t, link, recordingHandover, Duration.ofSeconds(5))
                .migrate("CE storm on mc0", StateMigrator.Urgency.PLANNED, (step, done, total) -> progress.add(step + " " + done + "/" + total));

        assertEquals(2500, r.entries());
        assertEquals(t.list().size(), link.sent.size());
        assertEquals(t.list().stream().map(ConntrackEntry::original).toList(),
                link.sent.stream().map(ConntrackEntry::original).toList(), "every entry of the table, as dumped");
        assertTrue(r.allAcknowledged());
        assertTrue(r.handedOver());
        assertEquals(List.of("commit", "demote"), handoverSteps, "commit on the backup before giving up the VIPs");
        assertEquals(25_000_000L, r.ackNanos(), "25 polls of 1 ms until 2500 acks at 100 per poll");
        assertTrue(progress.contains("send 1000/2500") && progress.contains("send 2500/2500"), progress.toString());
        assertTrue(link.flushes >= 3, "flushed at each progress step and at the end");
        assertTrue(r.describe().contains("2500 entries"), r.describe());
    }

    @Test
    void plannedMigrationStaysPrimaryWhenAcksDoNotArrive() throws Exception {
        FakeLink link = new FakeLink();
        link.acksPerPoll = 0;                    // the peer is silent
        StateMigrator m = migrator(tableWith(10), link, recordingHandover, Duration.ofMillis(50));
        StateMigrator.Report r = m.migrate("temp rising", StateMigrator.Urgency.PLANNED, (s, d, n) -> { });
        assertFalse(r.allAcknowledged());
        assertFalse(r.handedOver());
        assertTrue(handoverSteps.isEmpty());
        assertTrue(r.failure().contains("10 messages unacknowledged"), r.failure());
        assertEquals(1, m.failed());
        assertTrue(r.ackNanos() >= 50_000_000L, "waited the whole timeout");
    }

    @Test
    void immediateMigrationHandsOverEvenWithoutAllAcks() throws Exception {
        FakeLink link = new FakeLink();
        link.acksPerPoll = 0;
        StateMigrator m = migrator(tableWith(10), link, recordingHandover, Duration.ofMillis(50));
        StateMigrator.Report r = m.migrate("UE on mc0/dimm1", StateMigrator.Urgency.IMMEDIATE, (s, d, n) -> { });
        assertTrue(r.handedOver());
        assertFalse(r.allAcknowledged());
        assertEquals(List.of("commit", "demote"), handoverSteps);
        assertTrue(r.failure().contains("handing over anyway"));
        assertEquals(1, m.completed());
    }

    @Test
    void aFailedCommitIsReportedAndTheNodeIsNotDemoted() throws Exception {
        StateMigrator.Handover failingCommit = new StateMigrator.Handover() {
            @Override public void commitOnBackup() throws Exception { throw new java.io.IOException("backup unreachable"); }
            @Override public void demoteSelf() { handoverSteps.add("demote"); }
        };
        StateMigrator.Report r = migrator(tableWith(3), new FakeLink(), failingCommit, Duration.ofSeconds(1))
                .migrate("manual", StateMigrator.Urgency.PLANNED, (s, d, n) -> { });
        assertFalse(r.handedOver());
        assertTrue(handoverSteps.isEmpty(), "never demote when the backup did not commit");
        assertTrue(r.failure().contains("backup unreachable"));
    }

    @Test
    void emptyTableMigratesTrivially() throws Exception {
        StateMigrator.Report r = migrator(tableWith(0), new FakeLink(), recordingHandover, Duration.ofSeconds(1))
                .migrate("manual", StateMigrator.Urgency.PLANNED, (s, d, n) -> { });
        assertEquals(0, r.entries());
        assertTrue(r.handedOver());
    }

    @Test
    void aSecondRequestWhileOneRunsIsRefused() throws Exception {
        InMemoryConntrackTable t = tableWith(5);
        FakeLink link = new FakeLink();
        StateMigrator[] self = new StateMigrator[1];
        StateMigrator.Report[] inner = new StateMigrator.Report[1];
        StateMigrator.Handover reentrant = new StateMigrator.Handover() {
            @Override public void commitOnBackup() throws Exception {
                inner[0] = self[0].migrate("second", StateMigrator.Urgency.IMMEDIATE, (s, d, n) -> { });
            }
            @Override public void demoteSelf() { }
        };
        self[0] = migrator(t, link, reentrant, Duration.ofSeconds(1));
        StateMigrator.Report r = self[0].migrate("first", StateMigrator.Urgency.PLANNED, (s, d, n) -> { });
        assertTrue(r.handedOver());
        assertNull(inner[0]);
        assertEquals(1, self[0].refused());
    }

    @Test
    void dumpAndSendRunWhileTheLiveStreamIsHeldStill() throws Exception {
        FakeLink link = new FakeLink();
        List<String> order = new ArrayList<>();
        StateMigrator m = migrator(tableWith(3), link, recordingHandover, Duration.ofSeconds(1));
        m.quiesce(new StateMigrator.Quiesce() {
            @Override
            public <T> T whileQuiet(java.util.concurrent.Callable<T> step) throws Exception {
                order.add("hold");
                T r = step.call();
                order.add("sent " + link.sent.size() + ", release");
                return r;
            }
        });
        StateMigrator.Report r = m.migrate("manual", StateMigrator.Urgency.PLANNED, (s, d, n) -> { });
        assertTrue(r.handedOver());
        assertEquals(List.of("hold", "sent 3, release"), order, "the whole table was queued before live changes resumed");
    }

    @Test
    void configIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> new StateMigrator.Config(Duration.ZERO, Duration.ofMillis(1), 1));
        assertThrows(IllegalArgumentException.class, () -> new StateMigrator.Config(Duration.ofSeconds(1), Duration.ofMillis(1), 0));
    }

    @Test
    void commandHandoverRunsCommandsAndReportsFailures() throws Exception {
        new CommandHandover(List.of("true"), List.of(), Duration.ofSeconds(5)).commitOnBackup();
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> new CommandHandover(List.of("sh", "-c", "echo no route >&2; exit 3"), List.of(), Duration.ofSeconds(5)).commitOnBackup());
        assertTrue(e.getMessage().contains("exit 3") && e.getMessage().contains("no route"), e.getMessage());
        java.io.IOException t = assertThrows(java.io.IOException.class,
                () -> new CommandHandover(List.of(), List.of("sleep", "5"), Duration.ofMillis(100)).demoteSelf());
        assertTrue(t.getMessage().contains("timed out"), t.getMessage());
    }
}
