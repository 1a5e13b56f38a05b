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

    /**
     * A link that queues a transfer at once and whose peer acknowledges {@code acksPerPoll} flows each time the
     * migrator pauses; the first {@code toLose} flows of each transfer are lost on the way ({@code lossRounds} times).
     */
    static final class FakeLink implements StateMigrator.BulkLink {
        final List<ConntrackEntry> sent = new ArrayList<>();
        final List<Integer> transfers = new ArrayList<>();
        long acksPerPoll = Long.MAX_VALUE;
        int toLose;
        int lossRounds;
        private long queued;
        private long acked;
        private List<ConntrackEntry> lost = List.of();

        @Override
        public StateMigrator.Transfer send(java.util.Iterator<ConntrackEntry> entries) {
            List<ConntrackEntry> these = new ArrayList<>();
            entries.forEachRemaining(these::add);
            sent.addAll(these);
            transfers.add(these.size());
            queued = these.size();
            acked = 0;
            lost = lossRounds-- > 0 ? List.copyOf(these.subList(0, Math.min(toLose, these.size()))) : List.of();
            return new StateMigrator.Transfer() {
                @Override public StateMigrator.Sent progress() {
                    return new StateMigrator.Sent(queued, Math.min(acked, queued - lost.size()), lost.size(), true);
                }
                @Override public List<ConntrackEntry> lost() { return lost; }
                @Override public void cancel() { }
            };
        }

        void tick() {
            acked = acksPerPoll == Long.MAX_VALUE ? Long.MAX_VALUE : acked + acksPerPoll;
        }
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
        return new StateMigrator(t, link, h, new StateMigrator.Config(timeout, Duration.ofMillis(1)),
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
        assertEquals(25_000_000L, r.sendNanos() + r.ackNanos(), "25 polls of 1 ms until 2500 acks at 100 per poll");
        assertTrue(progress.contains("send 0/2500") && progress.contains("send 2500/2500"), progress.toString());
        assertTrue(r.complete());
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
        assertTrue(r.failure().contains("10 of 10 flows not acknowledged"), r.failure());
        assertEquals(10, r.missing());
        assertEquals(1, m.failed());
        assertTrue(r.sendNanos() + r.ackNanos() >= 50_000_000L, "waited the whole timeout");
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
        assertFalse(r.complete(), "handed over, but not a success: flows are missing");
        assertTrue(r.describe().contains("INCOMPLETE") && r.describe().contains("10 missing"), r.describe());
        assertEquals(1, m.failed());
    }

    @Test
    void lostFlowsAreResentAtTheirLatestStateBeforeTheHandover() throws Exception {
        FakeLink link = new FakeLink();
        link.toLose = 7;
        link.lossRounds = 2;
        StateMigrator.Report r = migrator(tableWith(100), link, recordingHandover, Duration.ofSeconds(1))
                .migrate("manual", StateMigrator.Urgency.PLANNED, (s, d, n) -> { });
        assertEquals(List.of(100, 7, 7), link.transfers, "the whole table, then the lost flows twice");
        assertTrue(r.complete(), r.describe());
        assertEquals(0, r.missing());
    }

    @Test
    void flowsStillLostAfterTheResendsFailAPlannedMigrationWithTheCount() throws Exception {
        FakeLink link = new FakeLink();
        link.toLose = 3;
        link.lossRounds = Integer.MAX_VALUE;
        StateMigrator.Report r = migrator(tableWith(50), link, recordingHandover, Duration.ofSeconds(1))
                .migrate("manual", StateMigrator.Urgency.PLANNED, (s, d, n) -> { });
        assertEquals(1 + StateMigrator.RESEND_ROUNDS, link.transfers.size());
        assertFalse(r.handedOver());
        assertEquals(3, r.missing());
        assertTrue(r.failure().contains("3 of 50 flows not acknowledged"), r.failure());
        assertTrue(handoverSteps.isEmpty());
    }

    @Test
    void aBackupHoldingFewerFlowsThanItAcknowledgedFailsTheMigration() throws Exception {
        StateMigrator m = migrator(tableWith(20), new FakeLink(), recordingHandover, Duration.ofSeconds(1))
                .confirmation((sent, wait) -> java.util.OptionalLong.of(sent - 4));
        StateMigrator.Report r = m.migrate("manual", StateMigrator.Urgency.PLANNED, (s, d, n) -> { });
        assertFalse(r.handedOver());
        assertEquals(4, r.missing());
        assertTrue(r.failure().contains("the backup holds 16 of the 20"), r.failure());
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
    void theSnapshotIsTakenWhileTheLiveStreamIsHeldStill() throws Exception {
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
        assertEquals(List.of("hold", "sent 0, release"), order, "the snapshot is taken while live changes wait");
        assertEquals(3, link.sent.size());
    }

    @Test
    void configIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> new StateMigrator.Config(Duration.ZERO, Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> new StateMigrator.Config(Duration.ofSeconds(1), Duration.ZERO));
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

    @Test
    void aCommitRefusedByAFullBackupTableSaysSoWithTheCounts() {
        String s = SocketCommitHandover.summary("ERROR\ncommitted 1000000 flows from the external cache in 19349 ms: "
                + "262144 created, 0 updated, 737856 failed\n  create tcp src=10.235.0.10 dst=10.234.2.10 sport=14410 "
                + "dport=80: errno 12\n");
        assertTrue(s.startsWith("committed 1000000 flows") && s.contains("737856 failed"), s);
        assertTrue(s.contains("(first error: create tcp") && s.contains("nf_conntrack_max"), s);
    }

    @Test
    void theCommitThroughTheBackupsControlSocketFailsClearlyWhenNobodyListens(@org.junit.jupiter.api.io.TempDir
                                                                              java.nio.file.Path dir) {
        SocketCommitHandover h = new SocketCommitHandover(dir.resolve("none.ctl"), Duration.ofSeconds(1),
                recordingHandover);
        java.io.IOException e = assertThrows(java.io.IOException.class, h::commitOnBackup);
        assertTrue(e.getMessage().contains("cannot reach the backup's control socket"), e.getMessage());
    }
}
