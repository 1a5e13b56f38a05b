package org.hftfw.sidecar.sync;

import org.hftfw.sync.LogCapture;
import org.hftfw.conntrack.lab.LabAssumptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.conntrack.netlink.KernelConntrackTable;
import org.hftfw.policy.PolicyConfig;
import org.hftfw.predictor.FakeSysfs;
import org.hftfw.predictor.FaultInjector;
import org.hftfw.predictor.FaultKind;
import org.hftfw.predictor.Metric;
import org.hftfw.predictor.Severity;
import org.hftfw.predictor.SourceSample;
import org.hftfw.sidecar.Hftfw;
import org.hftfw.sync.ProactivePath;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole sidecar as one daemon per node, in two firewall namespaces joined by a sync veth: a primary hFT-FW daemon
 * whose predictor reads a fake sysfs tree, and a backup hFT-FW daemon. An uncorrected memory error injected into the
 * tree makes the primary's policy order a migration: the whole kernel table goes over FT-FW, the commit hook
 * ({@code hftfw commit} on the backup's control socket, a separate process) puts it into the backup's kernel table,
 * and only then the demote hook runs. Also: dry-run (decision logged, nothing migrated) and one noisy temperature
 * sensor (never migrates; an operator's {@code hftfw migrate now} then does).
 */
@Tag("lab")
class ProactiveLabTest {
    private static final String P_SYNC = "10.237.0.1";
    private static final String B_SYNC = "10.237.0.2";
    private static final String FLOW_SRC = "src=10.238.";

    @TempDir
    Path dir;

    // assumptions per test, not in @BeforeAll: surefire drops a class aborted there from the counts (SUREFIRE-2300)
    @BeforeEach
    void capable() {
        LabAssumptions.assumeAvailable();
        LabAssumptions.assumeBinary("conntrack");
    }

    /** Two firewall namespaces with a sync veth, a fake sysfs tree, hook scripts; closes daemons, then namespaces. */
    private final class Lab implements AutoCloseable {
        final NetnsLab lab = new NetnsLab("hdm");
        final NetnsLab.Netns p;
        final NetnsLab.Netns b;
        final FaultInjector injector;
        final Path tree = dir.resolve("tree");
        final Path hooks = dir.resolve("hooks.log");
        private final List<AutoCloseable> daemons = new ArrayList<>();

        Lab() {
            try {
                p = lab.netns("p");
                b = lab.netns("b");
                lab.veth(p, "sync", b, "sync");
                p.addr("sync", P_SYNC + "/24");
                b.addr("sync", B_SYNC + "/24");
            } catch (RuntimeException e) {
                lab.close();
                throw e;
            }
            injector = new FaultInjector(FakeSysfs.create(tree).edacController(0, 2).aerDevice("0000:00:01.0", true)
                    .hwmonChip(0, "coretemp").hwmonTemp(0, 1, 45, 85, 100, "Package id 0")
                    .thermalZone(0, "x86_pkg_temp", 45, 85, 100).nic("eth0").procInterrupts(0, 0, 0).roots());
        }

        SyncDaemon start(NetnsLab.Netns ns, SyncNode.Role role, String name, String self, String peer, String extra)
                throws Exception {
            return SyncLab.startDaemon(ns, role, SyncLab.writeHftfwConf(dir, name, self, peer, extra), daemons);
        }

        SyncDaemon backup() throws Exception {
            // the migration commits an external cache here (the commit hook's own figures are measured)
            return start(b, SyncNode.Role.BACKUP, "bk", B_SYNC, P_SYNC, "sync.backup.commit = on-takeover");
        }

        /** A primary with the proactive path over the fake tree and the two hook scripts. */
        SyncDaemon primary(String interval, String extra) throws Exception {
            Path commit = script("commit-hook.sh", """
                    set -e
                    '%s' -XX:TieredStopAtLevel=1 -Dhftfw.log.level=WARN -cp '%s' %s commit --socket '%s' >> '%s'
                    echo "commit $(date +%%s%%N)" >> '%s'
                    """.formatted(ProcessHandle.current().info().command().orElse("java"),
                    System.getProperty("java.class.path"), Hftfw.class.getName(), dir.resolve("bk.ctl"),
                    dir.resolve("commit.out"), hooks));
            Path demote = script("demote-hook.sh", """
                    n=$(ip netns exec '%s' conntrack -L 2>/dev/null | grep -c '%s')
                    echo "demote $(date +%%s%%N) $n" >> '%s'
                    """.formatted(b.name(), FLOW_SRC, hooks));
            return start(p, SyncNode.Role.PRIMARY, "fw", P_SYNC, B_SYNC, """
                    lazy.enabled = true
                    predictor { enabled = true, fake-tree = "%s", interval = %s }
                    migration { commit-command = ["%s"], demote-command = ["%s"], command-timeout = 60s }
                    %s
                    """.formatted(tree, interval, commit, demote, extra));
        }

        private Path script(String name, String body) throws IOException {
            Path f = dir.resolve(name);
            Files.writeString(f, "#!/bin/sh\n" + body);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
            return f;
        }

        List<String> hookLines() throws IOException {
            return Files.exists(hooks) ? Files.readAllLines(hooks) : List.of();
        }

        @Override
        public void close() {
            for (int i = daemons.size() - 1; i >= 0; i--) {
                try {
                    daemons.get(i).close();
                } catch (Exception e) {
                    // closing the rest anyway
                }
            }
            lab.close();
        }
    }

    /**
     * {@code n} flows from 10.238.x.x in the primary's kernel table, as {@code conntrack -I} would create them: TCP
     * ESTABLISHED (half of them marked), TCP TIME_WAIT, UDP with a reply.
     */
    private static List<ConntrackEntry> flows(int n) {
        List<ConntrackEntry> out = new ArrayList<>(n);
        InetAddress dst = InetAddress.ofLiteral("10.239.0.10");
        for (int i = 0; i < n; i++) {
            InetAddress src = InetAddress.ofLiteral("10.238." + (i / 250) + "." + (1 + i % 250));
            ConntrackEntry e = switch (i % 4) {
                case 0, 1 -> ConntrackEntry.builder(Tuple.ports(src, dst, IpProto.TCP, 30_000 + i, 443))
                        .tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED).mark(i % 2 == 0 ? 42 : 0)
                        .timeout(3600).build();
                case 2 -> ConntrackEntry.builder(Tuple.ports(src, dst, IpProto.TCP, 30_000 + i, 80))
                        .tcpState(TcpState.TIME_WAIT).status(Status.SEEN_REPLY | Status.ASSURED).timeout(3600).build();
                default -> ConntrackEntry.builder(Tuple.ports(src, dst, IpProto.UDP, 30_000 + i, 53))
                        .status(Status.SEEN_REPLY).timeout(3600).build();
            };
            out.add(e);
        }
        return out;
    }

    /** The test flows in {@code ns}'s kernel table, one normalised {@code conntrack -L} line each (no timeout, id, use). */
    private static Set<String> table(NetnsLab.Netns ns) {
        Set<String> out = new TreeSet<>();
        for (String line : ns.exec("conntrack", "-L").check().stdout().split("\n", -1)) {
            if (line.contains(FLOW_SRC)) {
                out.add(SyncLab.normalise(line));
            }
        }
        return out;
    }

    private static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = new CommandLine(new Hftfw()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        assertEquals(0, rc, "hftfw " + String.join(" ", args) + ": " + err);
        return out.toString();
    }

    private static String scrape(SyncDaemon d) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + d.metricsAddress().getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void anUncorrectedMemoryErrorMigratesTheWholeTableIntoTheBackupKernelBeforeTheDemotion() throws Exception {
        int n = Integer.getInteger("hdm.flows", 300);
        try (Lab l = new Lab(); LogCapture log = new LogCapture()) {
            try (KernelConntrackTable kp = l.p.openConntrack()) {
                assertEquals(n, kp.createAll(flows(n)).created());
            }
            Set<String> primaryTable = table(l.p);
            assertEquals(n, primaryTable.size());
            SyncDaemon backup = l.backup();
            SyncDaemon primary = l.primary("200ms", "");
            ProactivePath pp = primary.node().proactive().orElseThrow();
            SyncLab.await("the first sampling round", 10_000, () -> pp.sources().size() == 9);
            backup.node().channel().externalCache().flush();
            assertTrue(table(l.b).isEmpty(), "the backup's kernel table has none of the flows yet");
            String status = cli("policy", "status", "--socket", primary.control().path().toString());
            assertTrue(status.contains("policy: HEALTHY") && status.contains("kmsg       UNAVAILABLE"), status);

            long t0 = System.nanoTime();
            java.time.Instant now = java.time.Instant.now();
            long wall0 = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            l.injector.inject(FaultKind.EDAC_UE, 1, "mc0/dimm0");
            SyncLab.await("the demote hook ran", 60_000,
                    () -> { try { return l.hookLines().stream().anyMatch(x -> x.startsWith("demote ")); }
                            catch (IOException e) { return false; } });
            // the hook's line is written before its process exits; the daemon counts the demotion and ends
            // replicate-all only once it has reaped it
            SyncLab.await("the daemon recorded the demotion", 60_000,
                    () -> pp.demotionsOk() + pp.demotionsFailed() > 0);
            assertEquals(1, pp.demotionsOk(), String.valueOf(pp.lastDemotion()));
            SyncLab.await("replicate-all ended with the handover", 10_000, () -> !pp.replicatingAll());

            List<String> hooks = l.hookLines();
            assertEquals(2, hooks.size(), hooks.toString());
            assertTrue(hooks.get(0).startsWith("commit ") && hooks.get(1).startsWith("demote "), "commit, then demote: "
                    + hooks);
            long commitAt = Long.parseLong(hooks.get(0).split(" ", -1)[1]);
            long demoteAt = Long.parseLong(hooks.get(1).split(" ", -1)[1]);
            assertTrue(commitAt <= demoteAt, hooks.toString());
            assertEquals(n, Integer.parseInt(hooks.get(1).split(" ", -1)[2].trim()),
                    "when the demote hook ran, the backup's kernel table already held every flow");
            String commitOut = Files.readString(dir.resolve("commit.out"));
            assertTrue(commitOut.contains("committed " + n + " flows from the external cache") && commitOut.contains(
                    " 0 failed"), commitOut);
            assertEquals(primaryTable, table(l.b), "the backup's kernel table equals the primary's (tuples, states, "
                    + "marks, flags; timeouts aside)");

            ProactivePath.Migration m = pp.lastMigration();
            assertTrue(m.report().handedOver() && m.report().allAcknowledged(), m.report().describe());
            assertEquals(n, m.report().entries(), "only the test flows: the sync link's own flow is filtered");
            assertEquals(PolicyConfig.HANDED_OVER, pp.policy().state());
            assertEquals(1, log.count("replication: every change is replicated from now on (migration ordered"),
                    log.lines().toString());
            assertTrue(log.count("ERROR alert CRITICAL edac:MEM_UE:mc0: uncorrected memory error [") >= 1);
            assertEquals(1, log.count("INFO policy: HEALTHY -> MIGRATING MIGRATE_NOW: 1 CRITICAL+ signal alert(s) "
                    + "within 1m [CRITICAL edac:MEM_UE"), log.lines().toString());

            status = cli("policy", "status", "--socket", primary.control().path().toString());
            for (String s : new String[] {"policy: HANDED_OVER", "HEALTHY -> MIGRATING MIGRATE_NOW", "1 handed over",
                n + " entries; Tprop", "demotions: 1 done"}) {
                assertTrue(status.contains(s), s + " in:\n" + status);
            }
            String stats = cli("sync", "stats", "--socket", primary.control().path().toString());
            assertTrue(stats.contains("proactive path: policy HANDED_OVER, 2 decisions, 1 migrations handed over"), stats);
            String metrics = scrape(primary);
            for (String s : new String[] {"hftfw_migrations_total{outcome=\"handed_over\"} 1",
                "hftfw_policy_state{state=\"HANDED_OVER\"} 1", "hftfw_predictor_alerts_total{severity=\"critical\"} 1",
                "hftfw_demotions_total{outcome=\"done\"} 1", "hftfw_replication_replicate_all 0",
                "hftfw_predictor_source_signal{source=\"kmsg\"} 0", "hftfw_predictor_source_signal{source=\"edac\"} 1"}) {
                assertTrue(metrics.contains(s), s + " in:\n" + metrics);
            }
            assertTrue(metrics.contains("hftfw_migration_last_seconds{step=\"tprop\"}"), metrics);

            StateReport.print(String.format(Locale.ROOT, """
                    | flows | sampling | fault -> order | Tprop = decision + dump + send + ACKs + commit hook | fault -> commit hook done | fault -> demote hook done |
                    |---|---|---|---|---|---|
                    | %d | 200 ms | %.0f ms | %.1f ms = %.2f + %.1f + %.1f + %.1f + %.1f ms | %.0f ms | %.0f ms |
                    """, n, (m.orderedAtNanos() - t0) / 1e6, m.tpropNanos() / 1e6, m.decisionNanos() / 1e6,
                    m.report().dumpNanos() / 1e6, m.report().sendNanos() / 1e6, m.report().ackNanos() / 1e6,
                    m.report().handoverNanos() / 1e6, (commitAt - wall0) / 1e6, (demoteAt - wall0) / 1e6));
        }
    }

    @Test
    void dryRunLogsTheDecisionAndMigratesNothing() throws Exception {
        try (Lab l = new Lab(); LogCapture log = new LogCapture()) {
            try (KernelConntrackTable kp = l.p.openConntrack()) {
                assertEquals(40, kp.createAll(flows(40)).created());
            }
            l.backup();
            SyncDaemon primary = l.primary("100ms", "policy.dry-run = true");
            ProactivePath pp = primary.node().proactive().orElseThrow();
            SyncLab.await("the first sampling round", 10_000, () -> pp.sources().size() == 9);
            l.injector.inject(FaultKind.EDAC_UE, 1, "mc0");
            SyncLab.await("the dry-run decision", 10_000,
                    () -> pp.policy().state().equals(PolicyConfig.MIGRATING));
            awaitRounds(pp, 10);                                // ten more rounds: still nothing may happen
            assertEquals(1, log.count("WARN policy DRY-RUN: HEALTHY -> MIGRATING: would call MIGRATE_NOW(1 CRITICAL+ "
                    + "signal alert(s) within 1m [CRITICAL edac:MEM_UE"), log.lines().toString());
            assertTrue(l.hookLines().isEmpty(), "no hook ran");
            assertEquals(0, pp.migrator().completed() + pp.migrator().failed());
            assertFalse(primary.node().publisher().stats().replicateAll());
            assertTrue(table(l.b).isEmpty(), "nothing reached the backup's kernel table");
            String status = cli("policy", "status", "--socket", primary.control().path().toString());
            assertTrue(status.contains("DRY-RUN") && status.contains("MIGRATE_NOW (dry-run)")
                    && status.contains("migrations: 0 handed over, 0 failed"), status);
        }
    }

    @Test
    void oneNoisyTemperatureSensorNeverMigratesButAnOperatorCan() throws Exception {
        try (Lab l = new Lab()) {
            try (KernelConntrackTable kp = l.p.openConntrack()) {
                assertEquals(60, kp.createAll(flows(60)).created());
            }
            SyncDaemon backup = l.backup();
            SyncDaemon primary = l.primary("50ms", "");
            ProactivePath pp = primary.node().proactive().orElseThrow();
            SyncLab.await("the first sampling round", 10_000, () -> pp.sources().size() == 9);
            backup.node().channel().externalCache().flush();
            // hot, normal, hot, ...: each hot phase is a WARNING. Each phase lasts until a sampling round has read
            // it (a fixed 120 ms per phase let a late sampler on a busy machine miss phases)
            for (int i = 0; i < 16; i++) {
                long before = warnings(pp);
                l.injector.inject(FaultKind.TEMPERATURE, 90, "hwmon0/temp1");
                SyncLab.await("a sampling round read hot phase " + i + " and warned", 10_000,
                        () -> sensorReads(pp, 90) && warnings(pp) > before);
                l.injector.inject(FaultKind.TEMPERATURE, 45, "hwmon0/temp1");
                SyncLab.await("a sampling round read normal phase " + i, 10_000, () -> sensorReads(pp, 45));
            }
            long warnings = warnings(pp);
            assertTrue(warnings >= 10, "the sensor alerted again and again: " + warnings);
            assertEquals(PolicyConfig.SUSPECT, pp.policy().state());
            assertTrue(pp.policy().decisions().stream().noneMatch(d -> d.to().equals(PolicyConfig.MIGRATING)),
                    pp.policy().decisions().toString());
            assertTrue(pp.policy().noisySignals().contains("hwmon:TEMP_C:hwmon0/temp1"), pp.policy().noisySignals().toString());
            assertTrue(l.hookLines().isEmpty() && table(l.b).isEmpty(), "no migration");

            String out = cli("migrate", "now", "--why", "noisy sensor drill", "--socket", primary.control().path().toString());
            assertEquals("SUSPECT -> MIGRATING MIGRATE_NOW: operator: migrate-now (noisy sensor drill)\n", out);
            SyncLab.await("the demote hook ran", 60_000,
                    () -> { try { return l.hookLines().stream().anyMatch(x -> x.startsWith("demote ")); }
                            catch (IOException e) { return false; } });
            assertEquals(table(l.p), table(l.b));
            assertTrue(l.hookLines().get(0).startsWith("commit ") && l.hookLines().get(1).endsWith(" 60"),
                    l.hookLines().toString());
        }
    }

    /** Waits until the sampler has run {@code n} more rounds (each round stamps every source's sample). */
    private static void awaitRounds(ProactivePath pp, int n) throws InterruptedException {
        for (int i = 1; i <= n; i++) {
            long last = pp.sources().get("hwmon").timeNanos();
            SyncLab.await("sampling round " + i + " of " + n, 10_000, () -> pp.sources().get("hwmon").timeNanos() > last);
        }
    }

    private static long warnings(ProactivePath pp) {
        return pp.predictor().counters().count(Severity.WARNING);
    }

    /** Whether the last sampling round read {@code celsius} from the sensor the noisy test drives. */
    private static boolean sensorReads(ProactivePath pp, int celsius) {
        SourceSample s = pp.sources().get("hwmon");
        return s != null && s.readings().stream().anyMatch(r -> r.metric() == Metric.TEMP_C
                && r.component().equals("hwmon0/temp1") && Math.round(r.value()) == celsius);
    }

    /** Prints the measurement and keeps it in target/ for docs/daemon.md. */
    private static final class StateReport {
        static void print(String table) throws IOException {
            System.out.println("proactive path, measured in the lab:\n" + table);
            Path out = Path.of("target", "daemon-lab-measurement.md");
            Files.createDirectories(out.getParent());
            Files.writeString(out, table);
        }
    }
}
