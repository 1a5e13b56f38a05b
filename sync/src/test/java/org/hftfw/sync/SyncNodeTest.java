package org.hftfw.sync;

import static org.hftfw.sync.LoopbackNodes.freeLoopbackPort;
import static org.hftfw.sync.LoopbackNodes.settings;
import org.hftfw.common.ManualScheduler;
import org.hftfw.common.Clock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.memory.InMemoryConntrackTable;
import org.hftfw.migrator.StateMigrator;
import org.hftfw.policy.PolicyConfig;
import org.hftfw.predictor.FakeSysfs;
import org.hftfw.predictor.PredictorConfig;
import org.hftfw.common.Scheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes on in-memory tables over loopback FT-FW, the code {@code hftfw sync} runs on the kernel's table: the
 * primary replicates (filtered), the backup commits on command, the commands answer as on the control socket, and a
 * migration ordered while the primary's table changes from another thread completes (the quiesce of an in-memory
 * table takes the same locks in the same order as the traffic).
 */
class SyncNodeTest {
    private static final Scheduler NO_ROUNDS = new ManualScheduler();   // the tests order migrations by command

    private final InMemoryConntrackTable primaryTable = table();
    private final InMemoryConntrackTable backupTable = table();
    private SyncNode backup;
    private SyncNode primary;

    @TempDir
    Path dir;

    private static InMemoryConntrackTable table() {
        return InMemoryConntrackTable.create(Clock.system());
    }

    private static ConntrackEntry flow(String src, int sport) {
        Tuple t = Tuple.ports(InetAddress.ofLiteral(src), InetAddress.ofLiteral("10.241.0.1"), IpProto.TCP, sport, 443);
        return ConntrackEntry.builder(t).tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED)
                .timeout(600).build();
    }

    private void start(NodeSettings.Filter filter, ProactiveSettings proactive, StateMigrator.Handover handover)
            throws Exception {
        InetSocketAddress p = freeLoopbackPort();
        InetSocketAddress b = freeLoopbackPort();
        // the external-cache backup (sync.backup.commit = on-takeover); CommittedBackupTest covers the default
        NodeSettings bs = settings(b, p, NodeSettings.Filter.acceptAll(), ProactiveSettings.disabled());
        bs = new NodeSettings(bs.link(), bs.lazy(), bs.filter(), bs.proactive(),
                NodeSettings.Backup.DEFAULT.withCommit(NodeSettings.Commit.ON_TAKEOVER));
        backup = SyncNode.builder(SyncNode.Role.BACKUP, bs, backupTable).start();
        SyncNode.Builder pb = SyncNode.builder(SyncNode.Role.PRIMARY, settings(p, b, filter, proactive), primaryTable)
                .scheduler(NO_ROUNDS);
        primary = (handover == null ? pb : pb.handover(handover)).start();
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting until " + what);
            Thread.sleep(5);
        }
    }

    @AfterEach
    void close() {
        for (AutoCloseable c : new AutoCloseable[] {primary, backup, primaryTable, backupTable}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * The start's JIT warm-up runs two in-memory FT-FW engines through their capability handshake; that handshake
     * is not the peer's, and its lines ("hFT-FW peer: agreed capabilities", twice per start) read in the journal as
     * if the peer had answered while it was not even running (docs/deploy.md, section 4).
     */
    @Test
    void theWarmUpsHandshakeIsNotLoggedAsThePeers() throws Exception {
        InetSocketAddress self = freeLoopbackPort();
        InetSocketAddress nobody = freeLoopbackPort();
        try (LogCapture log = new LogCapture()) {
            backup = SyncNode.builder(SyncNode.Role.BACKUP, settings(self, nobody, NodeSettings.Filter.acceptAll(),
                    ProactiveSettings.disabled()), backupTable).start();
            assertTrue(log.count("FT-FW path warmed up") == 1, log.lines().toString());
            assertEquals(0, log.count("agreed capabilities"), log.lines().toString());
        }
    }

    @Test
    void metricsFollowThePrometheusNamingRules() throws Exception {
        start(NodeSettings.Filter.acceptAll(), ProactiveSettings.disabled(), null);
        MetricsRegistry r = new MetricsRegistry();
        primary.registerMetrics(r);
        String scrape = r.scrape();
        java.util.Map<String, String> types = new java.util.TreeMap<>();
        for (String line : scrape.lines().toList()) {
            if (line.startsWith("# TYPE ")) {
                String[] f = line.split(" ", -1);
                types.put(f[2], f[3]);
            } else if (!line.startsWith("#")) {
                String name = line.split("[{ ]", -1)[0];
                assertTrue(types.containsKey(name), "sample of a family with no TYPE line: " + line);
            }
        }
        types.forEach((name, type) -> {
            assertEquals(type.equals("counter"), name.endsWith("_total"), name + " is a " + type);
            assertTrue(!name.matches(".*_(ms|millis|micros|nanos|ns|us|kb|mb)(_total)?"), name + ": base units only");
        });
        assertTrue(scrape.contains("hftfw_lazy_barrier_ratio 0") && scrape.contains("hftfw_lazy_mode{mode=\"drop\"} 0")
                && scrape.contains("hftfw_lazy_saved_ratio 0") && scrape.contains("hftfw_ftfw_datagrams_received_total"),
                scrape);
        assertTrue(scrape.lines().noneMatch(l -> l.startsWith("hftfw_lazy{")), "one family per quantity: " + scrape);
    }

    @Test
    void primaryReplicatesFilteredChangesAndTheBackupCommitsOnCommand() throws Exception {
        start(new NodeSettings.Filter(false, false, List.of(Cidr.parse("10.249.0.0/16")), Set.of()),
                ProactiveSettings.disabled(), null);
        primaryTable.create(flow("10.240.0.1", 1000));
        primaryTable.create(flow("10.240.0.2", 1000));
        primaryTable.create(flow("10.249.0.1", 1000));                 // in the ignore list
        await("the backup's external cache holds the two accepted flows",
                () -> backup.channel().externalCache().size() == 2);

        NodeCommands backupCommands = new NodeCommands(backup, () -> "config: the process's line\n");
        Reply commit = backupCommands.handle("commit");
        assertTrue(commit.ok(), commit.text());
        assertTrue(commit.text().startsWith("committed 2 flows from the external cache in "), commit.text());
        assertEquals(2, backupTable.size());
        assertEquals(2, backup.lastCommit().result().created());

        Reply stats = new NodeCommands(primary, () -> "").handle("stats");
        assertTrue(stats.text().contains("2 flows held by the backup"), stats.text());
        assertTrue(stats.text().contains("1 filtered (1 by address, 0 by protocol)"), stats.text());
        assertTrue(stats.text().contains("lazy replicator: off"), stats.text());
        assertTrue(backupCommands.handle("stats").text().endsWith("config: the process's line\n"),
                "the process adds its own lines to stats");

        assertFalse(backupCommands.handle("bulk").ok(), "a backup has no table to bulk-send");
        Reply policy = backupCommands.handle("policy status");
        assertFalse(policy.ok());
        assertTrue(policy.text().contains("the proactive path is not running here"), policy.text());
        assertFalse(backupCommands.handle("reboot").ok());
        Reply flush = new NodeCommands(primary, () -> "").handle("flush");
        assertTrue(flush.text().endsWith("the internal cache (2 flows)"), flush.text());
    }

    @Test
    void aMigrationOrderedWhileTheTableChangesCompletesWithEveryFlow() throws Exception {
        FakeSysfs tree = FakeSysfs.create(dir.resolve("tree")).edacController(0, 1);
        ProactiveSettings proactive = new ProactiveSettings(true, tree.roots(), false, Duration.ofHours(1),
                PredictorConfig.defaults(), PolicyConfig.defaults(), ProactiveSettings.Migration.noHooks());
        CountDownLatch demoted = new CountDownLatch(1);
        StateMigrator.Handover handover = new StateMigrator.Handover() {
            @Override
            public void commitOnBackup() {
                new NodeCommands(backup, () -> "").handle("commit");
            }

            @Override
            public void demoteSelf() {
                demoted.countDown();
            }
        };
        start(NodeSettings.Filter.acceptAll(), proactive, handover);
        for (int i = 0; i < 200; i++) {
            primaryTable.create(flow("10.240.1." + (1 + i % 200), 2000 + i));
        }
        CountDownLatch trafficRuns = new CountDownLatch(1);
        Thread traffic = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 20_000; i++) {                          // a burst the migration's dump falls into
                ConntrackEntry e = flow("10.240.2.1", 10_000 + i % 5_000);
                primaryTable.create(e);
                primaryTable.delete(e.original(), e.zone());
                if (i == 100) {
                    trafficRuns.countDown();
                }
            }
        });
        try {
            assertTrue(trafficRuns.await(10, TimeUnit.SECONDS));
            Reply order = new NodeCommands(primary, () -> "").handle("migrate now drill");
            assertTrue(order.ok(), order.text());
            assertTrue(demoted.await(20, TimeUnit.SECONDS), "the migration handed over");
        } finally {
            traffic.join(20_000);
        }
        ProactivePath.Migration m = primary.proactive().orElseThrow().lastMigration();
        assertTrue(m.report().handedOver() && m.report().allAcknowledged(), m.report().describe());
        assertTrue(m.report().entries() >= 200, m.report().describe());
        assertTrue(backupTable.size() >= 200, "the backup committed the migrated table: " + backupTable.size());
    }
}
