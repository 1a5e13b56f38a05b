package org.hftfw.sync;

import static org.hftfw.sync.LoopbackNodes.freeLoopbackPort;
import static org.hftfw.sync.LoopbackNodes.settings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.common.Await;
import org.hftfw.common.Clock;
import org.hftfw.common.Scheduler;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.memory.InMemoryConntrackTable;
import org.hftfw.ftfw.FtfwConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The always-committed backup ({@code sync.backup.commit = always}) on in-memory tables over loopback FT-FW: the
 * backup's table follows the primary's (creates, updates, deletes), a takeover only sets timeouts, a purge deletes,
 * and a node that also publishes never sends the peer's flows back (neither the events of its own writes nor the
 * expiry of its copies).
 */
class CommittedBackupTest {
    private static final long STANDBY = NodeSettings.Backup.DEFAULT.standbyTimeout().toSeconds();
    private static final long GRACE = NodeSettings.Backup.DEFAULT.takeoverGrace().toSeconds();

    /** Added to the tables' clock: an in-memory table expires entries on it. */
    private final AtomicLong skew = new AtomicLong();
    private final Clock tableClock = Clock.of(() -> System.nanoTime() + skew.get(),
            () -> Clock.system().epochMicros() + skew.get() / 1000);
    private final InMemoryConntrackTable tableA = InMemoryConntrackTable.create(tableClock);
    private final InMemoryConntrackTable tableB = InMemoryConntrackTable.create(tableClock);
    private final List<AutoCloseable> open = new ArrayList<>();

    private static ConntrackEntry tcp(String src, int sport, long mark) {
        Tuple t = Tuple.ports(InetAddress.ofLiteral(src), InetAddress.ofLiteral("10.242.0.1"), IpProto.TCP, sport, 443);
        return ConntrackEntry.builder(t).tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED)
                .mark(mark).timeout(600).build();
    }

    private static ConntrackEntry udp(String src, int sport) {
        Tuple t = Tuple.ports(InetAddress.ofLiteral(src), InetAddress.ofLiteral("10.242.0.1"), IpProto.UDP, sport, 53);
        return ConntrackEntry.builder(t).status(Status.SEEN_REPLY).timeout(30).build();
    }

    private SyncNode[] pair(SyncNode.Role roleA, SyncNode.Role roleB) throws Exception {
        InetSocketAddress a = freeLoopbackPort();
        InetSocketAddress b = freeLoopbackPort();
        SyncNode nb = SyncNode.builder(roleB, settings(b, a), tableB).backupWriter(tableB.handle()).start();
        open.add(nb);
        SyncNode na = SyncNode.builder(roleA, settings(a, b), tableA).backupWriter(tableA.handle()).start();
        open.add(0, na);
        return new SyncNode[] {na, nb};
    }

    /** Two {@code both} nodes after A's daemon ended and B ran its takeover pass; A's addresses to restart it. */
    private record BothPair(SyncNode b, InetSocketAddress addrA, InetSocketAddress addrB, List<AutoCloseable> open,
                            InMemoryConntrackTable tableA) {
        /** A's daemon started again on its table (systemd's restart). */
        SyncNode restartA() throws Exception {
            SyncNode back = SyncNode.builder(SyncNode.Role.BOTH, settings(addrA, addrB), tableA)
                    .backupWriter(tableA.handle()).start();
            open.add(0, back);
            return back;
        }
    }

    /**
     * Two {@code both} nodes A and B over loopback; {@code served} is created on A and B's table mirrors it; then A's
     * daemon ends (its kernel table stays) and B runs the takeover pass ({@code commit}).
     */
    private BothPair bothPairWhereBTookOver(ConntrackEntry served) throws Exception {
        InetSocketAddress a = freeLoopbackPort();
        InetSocketAddress b = freeLoopbackPort();
        SyncNode nb = SyncNode.builder(SyncNode.Role.BOTH, settings(b, a), tableB).backupWriter(tableB.handle()).start();
        open.add(nb);
        SyncNode na = SyncNode.builder(SyncNode.Role.BOTH, settings(a, b), tableA).backupWriter(tableA.handle()).start();
        tableA.create(served);
        assertTrue(Await.await(() -> view(tableB).equals(view(tableA)), 10_000), view(tableB).toString());
        nb.committedBackup().orElseThrow().drain();
        na.close();
        assertTrue(new NodeCommands(nb, () -> "").handle("commit").ok());
        return new BothPair(nb, a, b, open, tableA);
    }

    /** Tuple → "state mark" of every entry: what a backup must mirror (timeouts, ids and counters aside). */
    private static Map<String, String> view(ConntrackTable t) {
        Map<String, String> m = new TreeMap<>();
        for (ConntrackEntry e : t.list()) {
            m.put(e.original().toString(), e.protoState() + " " + e.mark());
        }
        return m;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        tableA.close();
        tableB.close();
    }

    /**
     * The writer's backlog, which holds off the daemon's heap shrinking (a full collection would stop the writer):
     * trailing while more states wait than one batch of writes, caught up once they are in the table.
     */
    @Test
    void theWriterTrailsWhileMoreThanABatchWaitsForIt() throws Exception {
        InetSocketAddress a = freeLoopbackPort();
        InetSocketAddress b = freeLoopbackPort();
        NodeSettings sb = settings(b, a);
        sb = new NodeSettings(NodeSettings.Link.of(FtfwConfig.builder(b, a).commitBatch(100).build()), sb.lazy(),
                sb.filter(), sb.proactive());
        GatedWrites gate = new GatedWrites(tableB.handle());
        SyncNode nb = SyncNode.builder(SyncNode.Role.BACKUP, sb, tableB).backupWriter(gate).start();
        open.add(nb);
        SyncNode na = SyncNode.builder(SyncNode.Role.PRIMARY, settings(a, b), tableA).start();
        open.add(0, na);
        CommittedBackup cb = nb.committedBackup().orElseThrow();
        assertFalse(cb.trails(), "nothing received");
        for (int i = 0; i < 500; i++) {
            tableA.create(tcp("10.240.2." + (1 + i / 250), 1000 + i % 250, 0));
        }
        assertTrue(Await.await(() -> cb.stats().received() >= 500, 10_000), cb.stats().toString());
        assertTrue(cb.trails(), "500 states wait behind a closed table, batches of 100");
        gate.open();
        assertTrue(Await.await(() -> tableB.size() == 500, 10_000), "the writer caught up: " + tableB.size());
        assertTrue(Await.await(() -> !cb.trails(), 10_000), "nothing waits once written");
    }

    /** A writer's handle whose batched writes wait until {@link #open}: a kernel table that takes its time. */
    private static final class GatedWrites implements ConntrackTable {
        private final ConntrackTable to;
        private final java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);

        GatedWrites(ConntrackTable to) {
            this.to = to;
        }

        void open() {
            opened.countDown();
        }

        @Override
        public WriteResult writeAll(List<? extends Write> writes) {
            try {
                opened.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return to.writeAll(writes);
        }

        @Override
        public int origin() {
            return to.origin();
        }

        @Override
        public long dump(java.util.function.Consumer<ConntrackEntry> sink) {
            return to.dump(sink);
        }

        @Override
        public java.util.Optional<ConntrackEntry> get(Tuple original, int zone) {
            return to.get(original, zone);
        }

        @Override
        public void create(ConntrackEntry entry) {
            to.create(entry);
        }

        @Override
        public void update(ConntrackEntry entry) {
            to.update(entry);
        }

        @Override
        public void delete(Tuple original, int zone) {
            to.delete(original, zone);
        }

        @Override
        public void flush() {
            to.flush();
        }

        @Override
        public BatchResult createAll(java.util.Collection<ConntrackEntry> entries, boolean replaceExisting) {
            return to.createAll(entries, replaceExisting);
        }

        @Override
        public EventSubscription subscribe(org.hftfw.conntrack.ConntrackEventListener listener) {
            return to.subscribe(listener);
        }

        @Override
        public SourceStats stats() {
            return to.stats();
        }

        @Override
        public void close() {
            open();
        }
    }

    @Test
    void theBackupsTableFollowsThePrimaryAndATakeoverOnlySetsTimeouts() throws Exception {
        SyncNode[] n = pair(SyncNode.Role.PRIMARY, SyncNode.Role.BACKUP);
        ConntrackEntry kept = tcp("10.240.1.1", 1000, 0);
        ConntrackEntry deleted = tcp("10.240.1.2", 1000, 0);
        ConntrackEntry dns = udp("10.240.1.3", 5353);
        tableA.create(kept);
        tableA.create(deleted);
        tableA.create(dns);
        tableA.update(kept.toBuilder().mark(9).build());
        tableA.delete(deleted.original(), 0);
        assertTrue(Await.await(() -> view(tableB).equals(view(tableA)), 10_000),
                "the backup's table mirrors the primary's: " + view(tableB) + " vs " + view(tableA));
        assertEquals(2, tableB.size());
        for (ConntrackEntry e : tableB.list()) {
            assertTrue(e.timeout() >= STANDBY - 5, "standing by, an entry has the standby timeout: " + e);
        }
        CommittedBackup cb = n[1].committedBackup().orElseThrow();
        assertTrue(cb.stats().writes() >= 2 && cb.stats().failed() == 0, cb.stats().toString());

        Reply commit = new NodeCommands(n[1], () -> "").handle("commit");
        assertTrue(commit.ok(), commit.text());
        assertTrue(commit.text().startsWith("takeover: the 2 flows of the peer were already in the kernel table"),
                commit.text());
        long tcpTimeout = tableB.get(kept.original(), 0).orElseThrow().timeout();
        long udpTimeout = tableB.get(dns.original(), 0).orElseThrow().timeout();
        assertTrue(tcpTimeout > 590 && tcpTimeout <= 600, "the peer's remaining timeout: " + tcpTimeout);
        assertTrue(udpTimeout > GRACE - 5 && udpTimeout <= GRACE, "at least the grace: " + udpTimeout);
        assertEquals(9, tableB.get(kept.original(), 0).orElseThrow().mark(), "the pass writes timeouts only");
        assertTrue(new NodeCommands(n[1], () -> "").handle("stats").text().contains("took over"));

        cb.forget(List.of(dns.flowId()));
        cb.drain();
        assertTrue(tableB.get(dns.original(), 0).isEmpty(), "a purged flow leaves the kernel table");

        // after the takeover the flows are the node's own: a flush (conntrackd -f right after -c in the stock
        // primary-backup.sh) leaves them to its traffic
        Reply flush = new NodeCommands(n[1], () -> "").handle("flush");
        assertFalse(flush.text().contains("deleted them from the kernel table"), flush.text());
        cb.drain();
        assertEquals(1, tableB.size(), "a flush after the takeover deletes nothing: " + view(tableB));

        // standing by again, the external cache is the record of the peer's flows in the table: they go with it
        assertTrue(new NodeCommands(n[1], () -> "").handle("resync").ok());
        assertTrue(Await.await(() -> view(tableB).equals(view(tableA)), 10_000), "the peer resent its table");
        flush = new NodeCommands(n[1], () -> "").handle("flush");
        assertTrue(flush.text().contains("deleted them from the kernel table"), flush.text());
        cb.drain();
        assertEquals(0, tableB.size(), "a flush while standing by forgets the peer's flows in the kernel table too");
    }

    /**
     * After a takeover the node's kernel table holds the flows it serves: what the old primary sends then (its
     * expiry DESTROYs, a restarted daemon's stale table) must not delete or roll back those entries. Once the node
     * stands by again ({@code resync}, keepalived's notify_backup), its table follows the peer's again.
     */
    @Test
    void aNodeThatTookOverLeavesItsKernelTableToItsOwnTraffic() throws Exception {
        SyncNode[] n = pair(SyncNode.Role.PRIMARY, SyncNode.Role.BACKUP);
        ConntrackEntry served = tcp("10.240.2.1", 1000, 0);
        ConntrackEntry expiring = tcp("10.240.2.2", 1000, 0);
        tableA.create(served);
        tableA.create(expiring);
        assertTrue(Await.await(() -> view(tableB).equals(view(tableA)), 10_000), view(tableB).toString());
        NodeCommands commands = new NodeCommands(n[1], () -> "");
        assertTrue(commands.handle("commit").ok());
        CommittedBackup cb = n[1].committedBackup().orElseThrow();

        tableA.update(served.toBuilder().mark(7).build());   // the old primary's stale view of a served flow
        tableA.delete(expiring.original(), 0);               // and its expiry there
        assertTrue(Await.await(() -> cb.stats().asMaster() >= 2, 10_000), cb.stats().toString());
        cb.drain();
        assertEquals(0, tableB.get(served.original(), 0).orElseThrow().mark(), "the served entry is not rolled back");
        assertTrue(tableB.get(expiring.original(), 0).isPresent(), "nor deleted by the old primary's expiry");
        assertTrue(commands.handle("stats").text().contains("not applied as master"));
        assertTrue(cb.applied().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS) >= 2,
                "a migration's HOLDS answer does not count what was left out as held");

        assertTrue(commands.handle("resync").ok());           // a backup again: follow the peer
        assertTrue(Await.await(() -> tableB.get(served.original(), 0).orElseThrow().mark() == 7, 10_000),
                "standing by again, the table follows the peer's: " + view(tableB));
        cb.refreshNow();
        // the flow the peer deleted meanwhile is no longer the peer's: not re-armed, it leaves on its own timeout
        assertTrue(tableB.get(expiring.original(), 0).orElseThrow().timeout() <= 600, view(tableB).toString());
        assertTrue(tableB.get(served.original(), 0).orElseThrow().timeout() >= STANDBY - 5, "re-armed");
    }

    /**
     * Preempt failback (issue 10): a node that comes back after its peer took over must hold the peer's current
     * states before it may take the VIPs back. Its table still has its own entries of before the takeover; the peer
     * sends its table when it sees the node restart, and {@link SyncNode#peerTableHeld} completes only once that table
     * is written: at that moment the node's table already holds what the peer changed and created meanwhile.
     */
    @Test
    void aReturningNodeIsReadyOnlyOnceItsTableHoldsThePeersCurrentStates() throws Exception {
        InetSocketAddress a = freeLoopbackPort();
        InetSocketAddress b = freeLoopbackPort();
        SyncNode nb = SyncNode.builder(SyncNode.Role.BOTH, settings(b, a), tableB).backupWriter(tableB.handle()).start();
        open.add(nb);
        SyncNode na = SyncNode.builder(SyncNode.Role.BOTH, settings(a, b), tableA).backupWriter(tableA.handle()).start();
        ConntrackEntry served = tcp("10.240.4.1", 1000, 1);
        tableA.create(served);
        assertTrue(Await.await(() -> view(tableB).equals(view(tableA)), 10_000), view(tableB).toString());
        assertTrue(na.peerTableHeld().toCompletableFuture().isDone() && na.peerTableMillis() >= 0,
                "A held B's (empty) table when it started");

        na.close();                                              // A's daemon stops: B takes over
        assertTrue(new NodeCommands(nb, () -> "").handle("commit").ok());
        tableB.update(served.toBuilder().mark(5).build());       // B's traffic moves the flow on
        ConntrackEntry created = tcp("10.240.4.2", 1000, 6);     // and B serves a new one
        tableB.create(created);

        java.util.concurrent.CompletableFuture<Map<String, String>> atReady = new java.util.concurrent.CompletableFuture<>();
        assertEquals(1, view(tableA).size(), "A's table has only its entry of before the takeover");
        SyncNode back = SyncNode.builder(SyncNode.Role.BOTH, settings(a, b), tableA).backupWriter(tableA.handle())
                .start();                                        // A's daemon starts again
        open.add(0, back);
        var _ = back.peerTableHeld().thenRun(() -> atReady.complete(view(tableA)));
        Map<String, String> seen = atReady.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(view(tableB), seen, "when A is ready its table holds B's current states");
        assertTrue(back.peerTableMillis() >= 0);
        assertTrue(new NodeCommands(back, () -> "").handle("stats").text().contains("peer table: held "));
    }

    /**
     * The deploy lab's kill -9 failback (issue 10): the returning node's own entry of a flow its peer served meanwhile
     * is TCP ESTABLISHED with the kernel's 5 days, so its start adopts it provisionally; the peer, which took over,
     * sends it in its table (a bulk send reads the kernel table, where the takeover left the flow, not the internal
     * cache), so at ready the entry holds the peer's state written "be liberal" by the writer, not released as the
     * node's own with the TCP windows of before the takeover.
     */
    @Test
    void aReturningNodesOwnEstablishedEntryIsRewrittenWithThePeersStateNotReleased() throws Exception {
        ConntrackEntry served = tcp("10.240.7.1", 1000, 1).toBuilder().timeout(STANDBY).build();
        BothPair p = bothPairWhereBTookOver(served);                 // A's daemon is killed: B takes over
        tableB.update(tableB.get(served.original(), 0).orElseThrow().toBuilder().mark(5).timeout(STANDBY).build());

        assertTrue(tableA.get(served.original(), 0).isPresent(), "A's kernel table keeps the entry its daemon left");

        SyncNode back = p.restartA();                                // systemd starts A's daemon again
        CommittedBackup cb = back.committedBackup().orElseThrow();
        // A adopts its entry at start, or (seen on a loaded machine) B's state of it arrives first and A's cache takes
        // it from B instead (adopted 0): either way A's entry must hold B's state when A is ready, not be released
        java.util.concurrent.CompletableFuture<ConntrackEntry> atReady = new java.util.concurrent.CompletableFuture<>();
        var _ = back.peerTableHeld().thenRun(() -> atReady.complete(tableA.get(served.original(), 0).orElseThrow()));
        ConntrackEntry e = atReady.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(5, e.mark(), "A's entry holds B's state when A is ready: " + e);
        int liberal = ConntrackEntry.TcpInfo.FLAG_BE_LIBERAL;
        assertTrue(e.tcp() != null && (e.tcp().flagsOriginal() & liberal) != 0 && (e.tcp().flagsReply() & liberal) != 0,
                "written by the backup writer, be liberal both ways: " + e.tcp());
        assertEquals(0, cb.stats().released(), "B's table held the flow: not released as A's own " + cb.stats());
    }

    /**
     * keepalived runs its notify scripts without waiting for them: on a returning node the FAULT -> BACKUP transition's
     * {@code hftfw sync resync} (a JVM start) can reach the daemon after the BACKUP -> MASTER transition's
     * {@code hftfw commit}. The node that serves the flows must keep them in its table.
     */
    @Test
    void aLateResyncOnTheNodeThatTookTheVipsBackKeepsTheFlowsItServes() throws Exception {
        ConntrackEntry served = tcp("10.240.8.1", 1000, 1).toBuilder().timeout(STANDBY).build();
        BothPair p = bothPairWhereBTookOver(served);                 // fw1's daemon killed: fw2 takes over
        SyncNode nb = p.b();
        NodeCommands onB = new NodeCommands(nb, () -> "");
        SyncNode back = p.restartA();
        back.peerTableHeld().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        NodeCommands onA = new NodeCommands(back, () -> "");
        assertTrue(onA.handle("commit").ok());                   // fw1 preempts: notify_master
        assertTrue(onB.handle("resync").ok());                   // fw2: notify_backup; it gets fw1's table
        assertTrue(Await.await(() -> nb.channel().externalCache().get(served.original(), 0).isPresent(), 10_000));
        CommittedBackup cb = back.committedBackup().orElseThrow();
        long purged = cb.stats().purged();
        assertTrue(onA.handle("resync").ok());                   // fw1's late notify_backup (FAULT -> BACKUP)
        // the purge of fw2's table decides the flow: kept as fw1's own, or queued for deletion
        assertTrue(Await.await(() -> cb.stats().released() > 0 || cb.stats().purged() > purged, 10_000),
                "fw2's table reached fw1: " + cb.stats());
        cb.drain();
        assertTrue(tableA.get(served.original(), 0).isPresent(), "fw1 still holds the flow it serves: "
                + cb.stats());
        assertEquals(1, cb.stats().released(), "kept as fw1's own, as at a restart: " + cb.stats());
    }

    /**
     * A restarted {@code both} node adopts its kernel table (issue 10): the entries its last run wrote for the peer
     * are the peer's again, so its bulk sends do not carry them back as its own; of those the peer deleted while it
     * was down, a UDP entry is deleted at once and a TCP ESTABLISHED one (which could be its own) is kept as its own;
     * its own ESTABLISHED flow, adopted provisionally, is released as its own and reaches the peer again.
     */
    @Test
    void aRestartedBothNodeAdoptsItsTableAndConvergesWithThePeers() throws Exception {
        InetSocketAddress a = freeLoopbackPort();
        InetSocketAddress b = freeLoopbackPort();
        ConntrackTable writerA = tableA.handle();
        SyncNode na = SyncNode.builder(SyncNode.Role.BOTH, settings(a, b), tableA).backupWriter(writerA).start();
        open.add(na);
        SyncNode nb = SyncNode.builder(SyncNode.Role.BOTH, settings(b, a), tableB).backupWriter(tableB.handle()).start();
        ConntrackEntry kept = tcp("10.240.5.1", 1000, 1);
        ConntrackEntry keptUdp = udp("10.240.5.2", 1000);
        ConntrackEntry closed = tcp("10.240.5.3", 1000, 1);
        ConntrackEntry closedUdp = udp("10.240.5.4", 1000);
        for (ConntrackEntry e : List.of(kept, keptUdp, closed, closedUdp)) {
            tableA.create(e);
        }
        // B's own long-lived flow: the kernel gives an ESTABLISHED flow 5 days, like a standby entry
        ConntrackEntry ofB = tcp("10.240.6.1", 2000, 2).toBuilder().timeout(STANDBY).build();
        tableB.create(ofB);
        assertTrue(Await.await(() -> tableA.size() == 5 && tableB.size() == 5, 10_000), view(tableA) + " / " + view(tableB));
        nb.committedBackup().orElseThrow().drain();
        // every state acknowledged, so A has nothing of these flows to resend to B's next run
        assertTrue(Await.await(() -> na.channel().pendingFlows() == 0, 10_000), "A's states acknowledged");

        nb.close();                                              // B's daemon stops; two of A's flows end
        // meanwhile, their DESTROYs never reaching B (in the lab: pushed out of A's resend queue): deleted through
        // A's writer handle, whose events A does not replicate
        writerA.delete(closed.original(), 0);
        writerA.delete(closedUdp.original(), 0);
        assertEquals(5, tableB.size());

        SyncNode back = SyncNode.builder(SyncNode.Role.BOTH, settings(b, a), tableB).backupWriter(tableB.handle())
                .start();
        open.add(0, back);
        CommittedBackup cb = back.committedBackup().orElseThrow();
        assertEquals(5, cb.stats().adopted(), "every entry with a standby timeout is adopted: " + cb.stats());
        assertTrue(Await.await(() -> back.peerTableMillis() >= 0, 10_000), "B holds A's table");
        cb.drain();
        assertTrue(tableB.get(closedUdp.original(), 0).isEmpty(), "the peer's UDP flow that ended is deleted");
        assertTrue(tableB.get(closed.original(), 0).isPresent(), "an ESTABLISHED one could be B's own: kept");
        assertTrue(tableB.get(ofB.original(), 0).isPresent(), "B's own flow stays");
        assertEquals(2, cb.stats().released(), cb.stats().toString());
        assertEquals(Set.of(kept.original(), keptUdp.original()), originals(back.channel().externalCache().entries()),
                "B holds A's live flows as the peer's");
        assertTrue(Await.await(() -> originals(na.channel().externalCache().entries()).contains(ofB.original()), 10_000),
                "B's own flow reached A again: " + na.channel().externalCache().entries());
        assertTrue(!originals(na.channel().externalCache().entries()).contains(kept.original()),
                "B never sent A's flow back as its own");
    }

    private static Set<Tuple> originals(List<ConntrackEntry> entries) {
        Set<Tuple> out = new java.util.HashSet<>();
        entries.forEach(e -> out.add(e.original()));
        return out;
    }

    @Test
    void aPrimaryHasNoPeerTableToWaitFor() throws Exception {
        SyncNode[] n = pair(SyncNode.Role.PRIMARY, SyncNode.Role.BACKUP);
        assertTrue(n[0].peerTableHeld().toCompletableFuture().isDone());
        assertTrue(Await.await(() -> n[1].peerTableMillis() >= 0, 10_000), "the backup held the primary's table");
        assertTrue(!new NodeCommands(n[0], () -> "").handle("stats").text().contains("peer table:"));
    }

    /**
     * {@code conntrackd -t} (the stock primary-backup.sh runs it on every backup and fault transition) purges the
     * node's own leftover flows after PurgeTimeout, not the peer's flows an always-committed backup holds: those are
     * what the next takeover needs.
     */
    @Test
    void conntrackdTimerResetKeepsThePeersCommittedFlows() throws Exception {
        SyncNode[] n = pair(SyncNode.Role.PRIMARY, SyncNode.Role.BACKUP);
        ConntrackEntry peers = tcp("10.240.3.1", 1000, 0);
        tableA.create(peers);
        assertTrue(Await.await(() -> view(tableB).equals(view(tableA)), 10_000), view(tableB).toString());
        ConntrackEntry zombie = tcp("10.240.3.2", 1000, 0);      // left from when this node was master
        tableB.create(zombie);
        try (Scheduler.Daemon timer = Scheduler.daemon("test-purge")) {
            ConntrackdControl control = new ConntrackdControl(n[1], Duration.ofMillis(50), timer, () -> { },
                    new ConntrackdControl.DaemonFacts(1 << 20, "lo", () -> ""));
            assertTrue(control.handle(ConntrackdRequest.RESET_TIMERS.code()).done());
            assertTrue(Await.await(() -> !control.purgeArmed(), 10_000), "the purge ran");
            assertTrue(tableB.get(zombie.original(), 0).isEmpty(), "the node's own leftover flow is purged");
            assertTrue(tableB.get(peers.original(), 0).isPresent(), "the peer's committed flow stays");
        }
    }

    /**
     * The stock primary-backup.sh drives an always-committed backup (conntrackd.conf's DisableExternalCache On) as
     * {@code hftfw commit} and {@code hftfw sync resync} do: its primary transition's {@code -c} is the takeover
     * pass (timeouts set, the peer's later states no longer applied) and the {@code -f} after it leaves the flows the
     * node now serves in the table; the backup transition's {@code -n} makes it stand by and follow the peer again;
     * a {@code -f} while standing by deletes the peer's flows it held, as {@code hftfw sync flush} does, instead of
     * leaving them with standby timeouts nothing would correct.
     */
    @Test
    void theStockScriptsVerbsDriveTheAlwaysCommittedBackupAsHftfwsOwnDo() throws Exception {
        SyncNode[] n = pair(SyncNode.Role.PRIMARY, SyncNode.Role.BACKUP);
        ConntrackEntry served = tcp("10.240.4.1", 1000, 0);
        tableA.create(served);
        assertTrue(Await.await(() -> view(tableB).equals(view(tableA)), 10_000), view(tableB).toString());
        CommittedBackup cb = n[1].committedBackup().orElseThrow();
        try (Scheduler.Daemon timer = Scheduler.daemon("test-purge")) {
            ConntrackdControl control = new ConntrackdControl(n[1], Duration.ofHours(1), timer, () -> { },
                    new ConntrackdControl.DaemonFacts(1 << 20, "lo", () -> ""));
            assertEquals("", control.handle(ConntrackdRequest.ALL_COMMIT.code()).text(), "-c");
            assertFalse(cb.standingBy(), "-c is the takeover pass");
            assertTrue(tableB.get(served.original(), 0).orElseThrow().timeout() <= Math.max(600, GRACE),
                    "the takeover set the flow's timeout from the standby one");
            assertEquals("", control.handle(ConntrackdRequest.ALL_FLUSH_CACHE.code()).text(), "-f");
            assertEquals(0, n[1].channel().externalCache().size());
            tableA.update(served.toBuilder().mark(7).build());   // the old primary's stale view of a served flow
            assertTrue(Await.await(() -> cb.stats().asMaster() >= 1, 10_000), cb.stats().toString());
            cb.drain();
            assertEquals(0, tableB.get(served.original(), 0).orElseThrow().mark(),
                    "the flow the node serves after -c and -f stays as its traffic keeps it");

            assertEquals("", control.handle(ConntrackdRequest.REQUEST_DUMP.code()).text(), "-n");
            assertTrue(cb.standingBy(), "-n: a backup again");
            assertTrue(Await.await(() -> tableB.get(served.original(), 0).orElseThrow().mark() == 7, 10_000),
                    "standing by again, the table follows the peer's: " + view(tableB));
            assertEquals("", control.handle(ConntrackdRequest.CT_FLUSH_EXT_CACHE.code()).text(), "-f external");
            assertTrue(Await.await(() -> tableB.get(served.original(), 0).isEmpty(), 10_000),
                    "-f while standing by deletes the peer's flows it held: " + view(tableB));
            assertEquals(0, control.refused());
        }
    }

    @Test
    void aNodeThatAlsoPublishesNeverSendsThePeersFlowsBack() throws Exception {
        SyncNode[] n = pair(SyncNode.Role.BOTH, SyncNode.Role.BOTH);
        tableA.create(tcp("10.240.2.1", 1000, 1));
        tableA.create(tcp("10.240.2.2", 1000, 1));
        ConntrackEntry ofB = tcp("10.240.3.1", 2000, 2);
        tableB.create(ofB);
        assertTrue(Await.await(() -> tableA.size() == 3 && tableB.size() == 3, 10_000),
                "each table holds its own flows and the peer's: " + view(tableA) + " / " + view(tableB));
        n[0].committedBackup().orElseThrow().drain();
        n[1].committedBackup().orElseThrow().drain();
        assertEquals(2, n[0].publisher().stats().published(), "A published its own two flows, not B's");
        assertEquals(1, n[1].publisher().stats().published(), "B published its own flow, not A's");
        assertTrue(n[1].echoCounts()[0] >= 2, "B dropped the events of its writes of A's flows");

        // A asks B for its whole table: B's bulk send carries its own flow, not A's
        long bulks = n[1].channel().stats().bulksSent();
        n[0].channel().requestResync();
        assertTrue(Await.await(() -> n[1].channel().stats().bulksSent() > bulks
                && n[1].channel().pendingFlows() == 0, 10_000), "B answered the resync");
        assertEquals(1, n[0].channel().externalCache().size(), "A holds B's flow only: "
                + n[0].channel().externalCache().entries());

        // B's copies of A's flows expire (5 days on); B's own flow too: only B's own DESTROY reaches A
        skew.addAndGet(Duration.ofDays(6).toNanos());
        assertEquals(3, tableB.expire());
        assertTrue(Await.await(() -> tableA.get(ofB.original(), 0).isEmpty(), 10_000), "B's flow left A's table");
        assertEquals(2, tableA.size(), "A's own flows were not deleted by B's expired copies: " + view(tableA));
        assertEquals(2, n[1].echoCounts()[1], "B dropped the expiries of A's flows");
    }
}
