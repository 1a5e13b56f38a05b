package org.hftfw.sync;

import static org.hftfw.sync.LoopbackNodes.freeLoopbackPort;
import static org.hftfw.sync.LoopbackNodes.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.hftfw.common.Await;
import org.hftfw.common.Clock;
import org.hftfw.common.Scheduler;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.ExpectationTable;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.memory.InMemoryConntrackTable;
import org.junit.jupiter.api.Test;

/**
 * conntrackd's request handling where it keeps state of its own (conntrack-tools src/sync-mode.c,
 * local_handler_sync; src/ctnl.c, ctnl_local): which requests disarm a pending {@code -t}, and what counts as a
 * kernel table flush in {@code -s runtime}. The timer is an hour, so "disarmed" is never "already fired".
 */
class ConntrackdControlTest {

    /** conntrackd's default (DisableExternalCache Off): the peer's flows wait in the external cache for -c. */
    private static NodeSettings externalCache(NodeSettings s) {
        return new NodeSettings(s.link(), s.lazy(), s.filter(), s.proactive(),
                NodeSettings.Backup.DEFAULT.withCommit(NodeSettings.Commit.ON_TAKEOVER));
    }

    private static ConntrackEntry tcp(String src, int sport, String dst, int dport) {
        Tuple t = Tuple.ports(InetAddress.ofLiteral(src), InetAddress.ofLiteral(dst), IpProto.TCP, sport, dport);
        return ConntrackEntry.builder(t).tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED)
                .timeout(600).build();
    }

    private static ConntrackdControl control(SyncNode node, Scheduler.Daemon timer) {
        return new ConntrackdControl(node, Duration.ofHours(1), timer, () -> { },
                new ConntrackdControl.DaemonFacts(1 << 20, "lo", () -> ""));
    }

    @Test
    void theRequestsThatDisarmATimerResetAreConntrackds() throws Exception {
        try (InMemoryConntrackTable table = InMemoryConntrackTable.create(Clock.system());
             SyncNode node = SyncNode.builder(SyncNode.Role.BOTH, settings(freeLoopbackPort(), freeLoopbackPort()),
                     table).start();
             Scheduler.Daemon timer = Scheduler.daemon("test-purge");
             ConntrackdControl control = control(node, timer)) {
            // -c, -c ct, -c expect (local_commit), -f, -f internal and the client-less CT_FLUSH_CACHE disarm it
            for (ConntrackdRequest r : List.of(ConntrackdRequest.ALL_COMMIT, ConntrackdRequest.CT_COMMIT,
                    ConntrackdRequest.EXP_COMMIT, ConntrackdRequest.ALL_FLUSH_CACHE,
                    ConntrackdRequest.CT_FLUSH_INT_CACHE, ConntrackdRequest.CT_FLUSH_CACHE)) {
                control.handle(ConntrackdRequest.RESET_TIMERS.code());
                assertTrue(control.purgeArmed(), "-t armed");
                control.handle(r.code());
                assertFalse(control.purgeArmed(), r.flags() + " disarms -t");
            }
            // -f external, -F, -s and a second -t leave it armed
            control.handle(ConntrackdRequest.RESET_TIMERS.code());
            for (ConntrackdRequest r : List.of(ConntrackdRequest.CT_FLUSH_EXT_CACHE, ConntrackdRequest.ALL_FLUSH_MASTER,
                    ConntrackdRequest.STATS, ConntrackdRequest.RESET_TIMERS)) {
                control.handle(r.code());
                assertTrue(control.purgeArmed(), r.flags() + " leaves -t armed");
            }
            // -F and -F ct were two kernel table flushes, -R and -R ct two resyncs (no expectations replicated)
            control.handle(ConntrackdRequest.CT_FLUSH_MASTER.code());
            control.handle(ConntrackdRequest.ALL_RESYNC_MASTER.code());
            control.handle(ConntrackdRequest.CT_RESYNC_MASTER.code());
            String runtime = control.handle(ConntrackdRequest.STATS_RUNTIME.code()).text();
            assertTrue(runtime.contains("""
                    \tnetlink overrun:\t\t           0
                    \tflush kernel table:\t\t           2
                    \tresync with kernel table:\t           2
                    """), runtime);
            // -c expect disarmed -t before it was refused: no expectation table without ExpectationSync
            assertEquals(1, control.refused());
            MetricsRegistry m = new MetricsRegistry();
            control.registerMetrics(m);
            assertTrue(m.scrape().contains("hftfw_conntrackd_requests_refused_total 1"), m.scrape());
        }
    }

    /**
     * The first finding: a commit that did nothing looked like one that worked. A flow the kernel refuses
     * (here: its reply tuple is taken by another entry, EEXIST) makes {@code -c} answer a line the stock client
     * prints, naming how many failed and the first error, and counts it.
     */
    @Test
    void aCommitThatFailsSaysSoOnTheClientsOutputAndIsCounted() throws Exception {
        InetSocketAddress a = freeLoopbackPort();
        InetSocketAddress b = freeLoopbackPort();
        try (InMemoryConntrackTable tableA = InMemoryConntrackTable.create(Clock.system());
             InMemoryConntrackTable tableB = InMemoryConntrackTable.create(Clock.system());
             SyncNode backup = SyncNode.builder(SyncNode.Role.BACKUP, externalCache(settings(b, a)), tableB).start();
             SyncNode primary = SyncNode.builder(SyncNode.Role.PRIMARY, settings(a, b), tableA).start();
             Scheduler.Daemon timer = Scheduler.daemon("test-purge");
             ConntrackdControl control = control(backup, timer)) {
            tableB.create(tcp("10.242.0.1", 443, "10.240.3.1", 1000));   // holds the replicated flow's reply tuple
            tableA.create(tcp("10.240.3.1", 1000, "10.242.0.1", 443));
            assertTrue(Await.await(() -> backup.channel().externalCache().size() == 1, 10_000),
                    "the backup's external cache holds the primary's flow");
            ConntrackdControl.Answer r = control.handle(ConntrackdRequest.ALL_COMMIT.code());
            assertTrue(r.text().startsWith("hftfw: 1 of 1 flows can't be committed (first: "), r.text());
            assertTrue(r.text().endsWith(")\n"), r.text());
            assertEquals(1, control.refused());
            assertTrue(primary.channel().stats().dataTx() >= 1);
        }
    }

    /** An expectation table that remembers its listener (to raise events) and refuses every create. */
    private static final class RefusingExpectations implements ExpectationTable {
        volatile ExpectationTable.Listener listener;

        @Override
        public long dump(java.util.function.Consumer<Expectation> sink) {
            return 0;
        }

        @Override
        public void create(Expectation e, boolean replaceExisting) {
            throw new ConntrackException.PermissionDeniedException("refused by the test's table");
        }

        @Override
        public void delete(Expectation e) { }

        @Override
        public ConntrackTable.EventSubscription subscribe(ExpectationTable.Listener l) {
            listener = l;
            return () -> listener = null;
        }

        @Override
        public void close() { }
    }

    /**
     * conntrackd's {@code -c} commits the peer's expectations after the flows (the stock primary-backup.sh runs
     * nothing else): one the kernel refuses fails the request visibly, as a refused flow does, although every flow
     * was committed.
     */
    @Test
    void aCommitWhoseExpectationsFailSaysSo() throws Exception {
        InetSocketAddress a = freeLoopbackPort();
        InetSocketAddress b = freeLoopbackPort();
        RefusingExpectations expA = new RefusingExpectations();
        try (InMemoryConntrackTable tableA = InMemoryConntrackTable.create(Clock.system());
             InMemoryConntrackTable tableB = InMemoryConntrackTable.create(Clock.system());
             SyncNode backup = SyncNode.builder(SyncNode.Role.BACKUP, externalCache(settings(b, a)), tableB)
                     .expectations(new RefusingExpectations(), ExpectationSync.ALL).start();
             SyncNode _ = SyncNode.builder(SyncNode.Role.PRIMARY, settings(a, b), tableA)
                     .expectations(expA, ExpectationSync.ALL).start();
             Scheduler.Daemon timer = Scheduler.daemon("test-purge");
             ConntrackdControl control = control(backup, timer)) {
            ConntrackEntry master = tcp("10.240.3.1", 40000, "10.242.0.1", 21);
            tableA.create(master);
            InetAddress c = InetAddress.ofLiteral("10.240.3.1");
            InetAddress srv = InetAddress.ofLiteral("10.242.0.1");
            InetAddress ones = InetAddress.ofLiteral("255.255.255.255");
            assertTrue(Await.await(() -> expA.listener != null, 10_000), "the primary listens for expectations");
            expA.listener.onExpectation(EventType.NEW, new Expectation(master.original(),
                    Tuple.ports(c, srv, IpProto.TCP, 0, 50000), Tuple.ports(ones, ones, IpProto.TCP, 0, 0xffff),
                    300, 0, 0, "ftp", null, null));
            assertTrue(Await.await(() -> backup.channel().externalCache().size() == 1
                    && backup.channel().expectationCache().size() == 1, 10_000), "the backup holds both");
            ConntrackdControl.Answer r = control.handle(ConntrackdRequest.ALL_COMMIT.code());
            assertTrue(r.text().startsWith("hftfw: the flows are committed, but 1 of 1 expectations can't be (first: "
                    + "expect tcp src=10.240.3.1 dst=10.242.0.1 sport=0 dport=50000") && r.text().endsWith(
                    "refused by the test's table)\n"), r.text());
            assertTrue(tableB.get(master.original(), 0).isPresent(), "the flow is committed");
            assertEquals(1, control.refused());
            Reply cli = new NodeCommands(backup, () -> "").handle("commit");
            assertFalse(cli.ok(), "hftfw commit exits non-zero: " + cli.text());
            assertTrue(cli.text().contains("1 failed"), cli.text());
        }
    }
}
