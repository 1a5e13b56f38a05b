package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.migrator.StateMigrator;
import org.hftfw.policy.Action;
import org.hftfw.policy.Decision;
import org.hftfw.policy.PolicyConfig;
import org.hftfw.predictor.FakeSysfs;
import org.hftfw.predictor.FaultInjector;
import org.hftfw.predictor.FaultKind;
import org.hftfw.predictor.PredictorConfig;
import org.hftfw.common.ManualScheduler;
import org.hftfw.predictor.Severity;
import org.hftfw.predictor.SourceRoots;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proactive path on virtual time over a fake sysfs tree: predictor → policy → migrator → hooks, with a recording
 * bulk link and handover. The sampling schedule is driven by hand; the migrator and the demotion run on their own
 * threads, awaited with latches.
 */
class ProactivePathTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<ConntrackEntry> sent = Collections.synchronizedList(new ArrayList<>());
    private final List<String> hooks = Collections.synchronizedList(new ArrayList<>());
    private final List<Boolean> replicateAll = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch demoted = new CountDownLatch(1);
    private final CountDownLatch replicateAllEnded = new CountDownLatch(1);
    private ManualScheduler manual;
    private ProactivePath path;
    private FaultInjector injector;

    @TempDir
    Path dir;

    private static List<ConntrackEntry> table(int n) {
        List<ConntrackEntry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Tuple t = Tuple.ports(InetAddress.ofLiteral("10.238.1." + (1 + i % 200)), InetAddress.ofLiteral("10.239.0.1"),
                    IpProto.TCP, 20_000 + i, 443);
            out.add(ConntrackEntry.builder(t).tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED)
                    .timeout(600).build());
        }
        return out;
    }

    private ProactivePath start(boolean dryRun, List<ConntrackEntry> table) {
        FakeSysfs tree = FakeSysfs.create(dir.resolve("tree")).edacController(0, 2).aerDevice("0000:00:01.0", true)
                .hwmonChip(0, "coretemp").hwmonTemp(0, 1, 45, 85, 100, "Package id 0").thermalZone(0, "x86_pkg_temp",
                        45, 85, 100).nic("eth0").procInterrupts(0, 0, 0);
        injector = new FaultInjector(tree.roots());
        ProactiveSettings s = new ProactiveSettings(true, SourceRoots.under(tree.base()), true, Duration.ofMinutes(1),
                PredictorConfig.defaults(), PolicyConfig.builder().dryRun(dryRun).build(),
                new ProactiveSettings.Migration(List.of("true"), List.of("true"), Duration.ofSeconds(10),
                        StateMigrator.Config.defaults(), ""));
        StateMigrator.BulkLink link = entries -> {                 // every entry acknowledged at once
            long before = sent.size();
            entries.forEachRemaining(sent::add);
            long n = sent.size() - before;
            return new StateMigrator.Transfer() {
                @Override
                public StateMigrator.Sent progress() {
                    return new StateMigrator.Sent(n, n, 0, true);
                }

                @Override
                public List<ConntrackEntry> lost() {
                    return List.of();
                }

                @Override
                public void cancel() {
                }
            };
        };
        StateMigrator.Handover handover = new StateMigrator.Handover() {
            @Override
            public void commitOnBackup() {
                hooks.add("commit:" + sent.size());
            }

            @Override
            public void demoteSelf() {
                hooks.add("demote");
                demoted.countDown();
            }
        };
        manual = new ManualScheduler();
        path = new ProactivePath(s, () -> StateMigrator.Snapshot.of(table), link, handover, on -> {
            replicateAll.add(on);
            if (!on) {
                replicateAllEnded.countDown();
            }
        }, now::get, now::addAndGet);
        path.start(manual);
        return path;
    }

    /** One sampling round, {@code seconds} after the previous one. */
    private void tick(long seconds) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
        manual.round();
    }

    @AfterEach
    void close() {
        if (path != null) {
            path.close();
        }
    }

    @Test
    void anUncorrectedMemoryErrorMigratesTheWholeTableCommitsAndThenDemotes() throws Exception {
        try (LogCapture log = new LogCapture()) {
            migrationOnAnUncorrectedMemoryError();
            List<String> lines = log.lines();
            for (String src : new String[] {"kmsg", "rasdaemon", "mcelog"}) {
                assertEquals(1, log.count("fault source " + src + ": UNAVAILABLE("),
                        src + " is logged once as UNAVAILABLE with its reason: " + lines);
            }
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("ERROR alert CRITICAL edac:MEM_UE:")
                    && l.contains("uncorrected memory error [")), "the alert with its evidence: " + lines);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("INFO policy: HEALTHY -> MIGRATING MIGRATE_NOW: 1 "
                    + "CRITICAL+ signal alert(s) within 1m [CRITICAL edac:MEM_UE")), "the decision with its evidence");
            assertTrue(lines.stream().anyMatch(l -> l.contains("migration handed over: 300 entries, Tprop")), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.contains("policy: MIGRATING -> HANDED_OVER DEMOTE: event: "
                    + "migration-done")), lines.toString());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("INFO demoted (")), lines.toString());
        }
    }

    private void migrationOnAnUncorrectedMemoryError() throws Exception {
        List<ConntrackEntry> table = table(300);
        start(false, table);
        tick(0);
        assertEquals(PolicyConfig.HEALTHY, path.policy().state());
        assertTrue(path.sources().get("kmsg").availability().toString().contains("Unavailable"),
                "the fake tree has no /dev/kmsg: " + path.sources().get("kmsg"));

        injector.inject(FaultKind.EDAC_UE, 1, "mc0/dimm0");
        now.addAndGet(TimeUnit.SECONDS.toNanos(60));
        long sampleAt = now.get();
        manual.round();
        assertTrue(demoted.await(10, TimeUnit.SECONDS), "demoted; hooks " + hooks);
        assertEquals(List.of("commit:300", "demote"), hooks, "the backup commits the whole table before the demotion");
        assertEquals(table, sent);
        awaitDemotionCounted();
        assertEquals(List.of(true, false), replicateAll, "replicate-all from the order until the handover");
        assertEquals(PolicyConfig.HANDED_OVER, path.policy().state());

        ProactivePath.Migration m = path.lastMigration();
        assertNotNull(m);
        assertTrue(m.report().handedOver() && m.report().allAcknowledged(), m.report().describe());
        assertEquals(StateMigrator.Urgency.IMMEDIATE, m.report().urgency());
        assertEquals(300, m.report().entries());
        assertTrue(m.orderedAtNanos() >= sampleAt && m.tpropNanos() >= m.report().totalNanos(), m.toString());
        List<Decision> ds = path.policy().decisions();
        assertEquals(Action.MIGRATE_NOW, ds.get(0).action());
        assertTrue(ds.get(0).reason().alerts().stream().anyMatch(a -> a.severity() == Severity.CRITICAL
                && a.signal().startsWith("edac:") && !a.evidence().isEmpty()), "evidence kept: " + ds.get(0).reason());
        assertEquals(Action.DEMOTE, ds.get(1).action());
        assertEquals(2, path.decisionsTotal());

        String status = PolicyStatusReport.format(path);
        for (String s : new String[] {"policy: HANDED_OVER", "HEALTHY -> MIGRATING MIGRATE_NOW", "uncorrected memory",
            "MIGRATING -> HANDED_OVER DEMOTE", "1 handed over", "300 entries; Tprop", "kmsg       UNAVAILABLE",
            "edac       AVAILABLE", "demotions: 1 done"}) {
            assertTrue(status.contains(s), "status shows '" + s + "':\n" + status);
        }
    }

    /** Replicate-all ends after the demotion hook has run and was counted. */
    private void awaitDemotionCounted() throws InterruptedException {
        assertTrue(replicateAllEnded.await(10, TimeUnit.SECONDS), "replicate-all ended: " + replicateAll);
        assertEquals(1, path.demotionsOk());
    }

    @Test
    void dryRunTakesTheDecisionButMigratesNothing() {
        start(true, table(50));
        tick(0);
        injector.inject(FaultKind.EDAC_UE, 1, "mc0");
        try (LogCapture log = new LogCapture()) {
            tick(60);
            assertEquals(1, log.count("WARN policy DRY-RUN: HEALTHY -> MIGRATING: would call MIGRATE_NOW(1 CRITICAL+ "
                    + "signal alert(s) within 1m [CRITICAL edac:MEM_UE"), log.lines().toString());
        }
        assertEquals(PolicyConfig.MIGRATING, path.policy().state(), "the machine advances in dry-run");
        Decision d = path.policy().decisions().getFirst();
        assertEquals(Action.MIGRATE_NOW, d.action());
        assertFalse(d.executed(), "logged, not executed: " + d);
        assertTrue(d.toString().contains("(dry-run)"), d.toString());
        tick(120);                                               // the 60 s timeout's DEMOTE is not executed either
        assertEquals(PolicyConfig.HANDED_OVER, path.policy().state());
        assertTrue(sent.isEmpty() && hooks.isEmpty() && replicateAll.isEmpty(),
                "no migration, no hook, no replicate-all: " + hooks + replicateAll);
        assertEquals(0, path.migrator().completed() + path.migrator().failed());
        assertTrue(PolicyStatusReport.format(path).contains("DRY-RUN"));
    }

    @Test
    void oneNoisyTemperatureSensorNeverMigrates() {
        start(false, table(10));
        tick(0);
        for (int i = 0; i < 60; i++) {                           // two hours: one minute hot, one minute normal
            injector.inject(FaultKind.TEMPERATURE, 90, "hwmon0/temp1");
            tick(60);
            injector.inject(FaultKind.TEMPERATURE, 45, "hwmon0/temp1");
            tick(60);
        }
        long warnings = path.predictor().counters().count(Severity.WARNING);
        assertTrue(warnings >= 60, "the sensor alerted every time it ran hot: " + warnings);
        assertTrue(path.policy().decisions().stream().noneMatch(d -> d.to().equals(PolicyConfig.MIGRATING)),
                "never migrated: " + path.policy().decisions());
        assertEquals(PolicyConfig.SUSPECT, path.policy().state());
        assertTrue(path.policy().noisySignals().stream().anyMatch(s -> s.contains("hwmon0/temp1")),
                "damped as noisy: " + path.policy().noisySignals());
        assertTrue(sent.isEmpty() && hooks.isEmpty());
        assertTrue(PolicyStatusReport.format(path).contains("noisy signals (alerts capped at WARNING): hwmon"));
    }

    @Test
    void operatorCommandsGoThroughThePolicy() throws Exception {
        start(false, table(5));
        tick(0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> path.manual("recover", ""));
        assertTrue(e.getMessage().contains("allowed here: [migrate-now, migrate, demote]"), e.getMessage());
        Decision d = path.manual("migrate-now", "drill");
        assertEquals("HEALTHY -> MIGRATING MIGRATE_NOW: operator: migrate-now (drill)", d.toString());
        assertTrue(demoted.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("commit:5", "demote"), hooks);
        assertEquals(0, path.lastMigration().decisionNanos(), "an operator order has no detection delay");
        awaitDemotionCounted();
        path.manual("recover", "");
        assertEquals(PolicyConfig.HEALTHY, path.policy().state());
        assertFalse(path.replicatingAll());
    }

    @Test
    void noAlertsNoDecisions() {
        start(false, table(5));
        for (int i = 0; i < 10; i++) {
            tick(60);
        }
        assertEquals(PolicyConfig.HEALTHY, path.policy().state());
        assertEquals(0, path.decisionsTotal());
        assertEquals(Duration.ofMinutes(1), path.settings().interval());
    }
}
