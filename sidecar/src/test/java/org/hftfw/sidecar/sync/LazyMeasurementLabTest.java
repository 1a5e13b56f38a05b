package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.hftfw.conntrack.lab.FirewallTopology;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.ftfw.FtfwStats;
import org.hftfw.lazy.ReplicatorMetrics;
import org.hftfw.sync.Replication;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lab measurement of lazy replication (issue "lab measurement"): the same bounded run of short HTTP-like
 * connections (request, response, the server closes first) through the firewall namespace, replicated to a stock
 * conntrackd backup by (i) a stock conntrackd primary, (ii) hFT-FW replicating every change, (iii) hFT-FW lazy,
 * drop mode, (iv) hFT-FW lazy, defer mode. For each run it reads the sync veth's counters in the primary's
 * namespace and the daemons' own counters, and prints messages and bytes per connection side by side. The backup
 * must end up holding every connection's stable state (TIME_WAIT) in each run.
 *
 * <p>Bounded: {@code hsy.connections} connections per run (default 300), a settle time of 1.5 s, one minute per
 * run at most. DESTROY events are not in the window: TIME_WAIT lasts 120 s and the kernel's GC reports the DESTROY
 * later still, so the figures are per connection up to its TIME_WAIT, the same for every run.
 */
@Tag("lab")
class LazyMeasurementLabTest {
    private static final Logger LOG = LoggerFactory.getLogger(LazyMeasurementLabTest.class);
    private static final int CONNECTIONS = Integer.getInteger("hsy.connections", 300);

    // assumptions per test, not in @BeforeAll: surefire drops a class aborted there from the counts (SUREFIRE-2300)
    @BeforeEach
    void capable() {
        SyncLab.assumeCapable();
    }

    /** One row of the table. */
    record Row(String primary, int connections, long events, long lazySent, long dataMsgs, long txPackets,
               long txBytes, long rxPackets, TimeWaits timeWaits, double millis) {
        String format() {
            double n = connections;
            return String.format(Locale.ROOT, "| %-28s | %5d | %6s | %6s | %6s | %7.2f | %7.1f | %6.2f | %5d/%d |",
                    primary, connections, perConn(events), perConn(lazySent), perConn(dataMsgs), txPackets / n,
                    txBytes / n, rxPackets / n, timeWaits.backup(), timeWaits.primary());
        }

        private String perConn(long v) {
            return v < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", v / (double) connections);
        }
    }

    /** The run's connections in TIME_WAIT in the backup's external cache and in the primary's kernel table. */
    record TimeWaits(long backup, long primary) {}

    static final String HEADER = """
            | primary                      | conns | events/conn | lazy sent/conn | data msgs/conn | sync pkts/conn | sync bytes/conn | ACK pkts back/conn | TIME_WAIT backup/primary |
            |---|---|---|---|---|---|---|---|---|""";

    private static long[] syncCounters(NetnsLab.Netns ns) {
        String[] v = ns.exec("cat", "/sys/class/net/sync/statistics/tx_packets", "/sys/class/net/sync/statistics/tx_bytes",
                "/sys/class/net/sync/statistics/rx_packets").check().stdout().trim().split("\\s+", -1);
        return new long[] {Long.parseLong(v[0]), Long.parseLong(v[1]), Long.parseLong(v[2])};
    }

    /** Up to {@code n} short connections, for at most 60 s; returns how many were made. */
    private static int shortConnections(FirewallTopology t, int n, String tag) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        int made = 0;
        while (made < n && System.nanoTime() < deadline) {
            assertEquals(tag + made, t.tcp(FirewallTopology.SERVER4, 8080, tag + made));
            made++;
        }
        return made;
    }

    /** Flows of this run the backup's conntrackd holds in TIME_WAIT (its external cache). */
    private static long backupTimeWait(SyncLab l, Path bkConf) {
        String cache = SyncLab.conntrackd(l.bk, bkConf, "-e");
        return cache.lines().filter(s -> s.contains("TIME_WAIT") && s.contains("dport=8080")).count();
    }

    /** The run's connections fw's kernel table holds in TIME_WAIT: what the backup must hold too. */
    private static long primaryTimeWait(SyncLab l) {
        return l.topo.fw.exec("conntrack", "-L", "-p", "tcp", "--dport", "8080").check().stdout().lines()
                .filter(s -> s.contains("TIME_WAIT")).count();
    }

    /**
     * The run is over when the backup holds the last stable state (TIME_WAIT) of every connection the primary's
     * kernel table holds; the row's counters are read after this. A fixed 1.5 s after the last connection was not
     * always enough on a busy machine, and the primary's table is the reference rather than the number of
     * connections made: in one of nine runs at load 25 to 35, one of the 300 left fw's table during the run (the
     * stock conntrackd primary counted 300 created, 1 destroyed), so no backup could hold 300.
     */
    private static TimeWaits awaitEveryTimeWait(SyncLab l, Path bkConf, String label, Supplier<String> primaryStats)
            throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        TimeWaits t = new TimeWaits(backupTimeWait(l, bkConf), primaryTimeWait(l));
        while (t.backup() != t.primary() && System.nanoTime() < end) {
            Thread.sleep(50);
            t = new TimeWaits(backupTimeWait(l, bkConf), primaryTimeWait(l));
        }
        if (t.backup() != t.primary()) {
            List<String> other = SyncLab.conntrackd(l.bk, bkConf, "-e").lines()
                    .filter(x -> x.contains("dport=8080") && !x.contains("TIME_WAIT")).limit(10).toList();
            assertEquals(t.primary(), t.backup(), label + ": the backup holds the TIME_WAIT of every connection in "
                    + "the primary's table; other states " + other + "; primary " + primaryStats.get()
                    + "\nbackup conntrackd -s:\n" + SyncLab.conntrackd(l.bk, bkConf, "-s"));
        }
        return t;
    }

    private static void resetBetweenRuns(SyncLab l, Path bkConf) {
        l.topo.fw.exec("conntrack", "-F");
        SyncLab.conntrackd(l.bk, bkConf, "-f");
    }

    private Row hftfwRun(SyncLab l, Path bkConf, String label, String lazy) throws Exception {
        resetBetweenRuns(l, bkConf);
        Path conf = l.hftfwConf("fw-" + label.replaceAll("[^a-z]", ""), SyncLab.FW_SYNC, SyncLab.BK_SYNC, lazy);
        SyncDaemon d = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY, conf);
        try {
            Thread.sleep(300);
            FtfwStats s0 = d.node().channel().stats();
            long[] c0 = syncCounters(l.topo.fw);
            long e0 = d.node().publisher().stats().events();
            long t0 = System.nanoTime();
            int made = shortConnections(l.topo, CONNECTIONS, label);
            double ms = (System.nanoTime() - t0) / 1e6;
            TimeWaits held = awaitEveryTimeWait(l, bkConf, label, () -> d.node().channel().stats().format());
            SyncLab.await("the primary's queues are empty", 10_000, () -> d.node().channel().pendingFlows() == 0);
            long[] c1 = syncCounters(l.topo.fw);
            FtfwStats s1 = d.node().channel().stats();
            ReplicatorMetrics m = d.node().publisher().replication() instanceof Replication.Lazy lazyOn
                    ? lazyOn.metrics() : null;
            if (m != null) {
                LOG.info("{}: lazy replicator {} events, {} sent, saved {}, wrong {} of {} labelled, deferred then sent {}",
                        label, m.events(), m.sent(), m.saved(), m.wrong(), m.labelled(), m.deferredThenSent());
            }
            return new Row(label, made, d.node().publisher().stats().events() - e0, m == null ? -1 : m.sent(),
                    s1.dataTx() - s0.dataTx(), c1[0] - c0[0], c1[1] - c0[1], c1[2] - c0[2], held, ms);
        } finally {
            d.close();
        }
    }

    private Row conntrackdRun(SyncLab l, Path bkConf) throws Exception {
        resetBetweenRuns(l, bkConf);
        Path conf = l.conntrackdConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC);
        Process p = l.topo.fw.spawn(l.dir.resolve("fw-conntrackd.out"), "conntrackd", "-C", conf.toString());
        try {
            SyncLab.await("conntrackd answers in fw", 10_000,
                    () -> l.topo.fw.exec("conntrackd", "-C", conf.toString(), "-s").exitCode() == 0);
            Thread.sleep(300);
            long[] c0 = syncCounters(l.topo.fw);
            long t0 = System.nanoTime();
            int made = shortConnections(l.topo, CONNECTIONS, "ctd");
            double ms = (System.nanoTime() - t0) / 1e6;
            TimeWaits held = awaitEveryTimeWait(l, bkConf, "conntrackd", () -> SyncLab.conntrackd(l.topo.fw, conf, "-s"));
            long[] c1 = syncCounters(l.topo.fw);
            String stats = SyncLab.conntrackd(l.topo.fw, conf, "-s");
            LOG.info("conntrackd primary -s:\n{}", stats);
            return new Row("conntrackd 1.4 (FTFW)", made, internalCacheChanges(stats), -1, -1, c1[0] - c0[0],
                    c1[1] - c0[1], c1[2] - c0[2], held, ms);
        } finally {
            p.destroy();
            p.waitFor();
            Files.deleteIfExists(l.dir.resolve("fw.lock"));
        }
    }

    /** Kernel events conntrackd applied to its internal cache: "connections created" + "connections updated". */
    static long internalCacheChanges(String stats) {
        String internal = stats.substring(0, Math.max(0, stats.indexOf("cache external")));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("connections (created|updated):\\s+(\\d+)").matcher(internal);
        long n = 0;
        while (m.find()) {
            n += Long.parseLong(m.group(2));
        }
        return n == 0 ? -1 : n;
    }

    @Test
    void messagesAndBytesPerConnectionOnTheSyncLink() throws Exception {
        try (SyncLab l = new SyncLab()) {
            l.topo.fw.sysctl("net.netfilter.nf_conntrack_tcp_loose", "0");
            Path bkConf = l.conntrackdConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC);
            l.startConntrackd(l.bk, bkConf);
            List<Row> rows = new ArrayList<>();
            rows.add(conntrackdRun(l, bkConf));
            rows.add(hftfwRun(l, bkConf, "hFT-FW, replicate all", ""));
            rows.add(hftfwRun(l, bkConf, "hFT-FW lazy, drop", "lazy { enabled = true, mode = drop }"));
            rows.add(hftfwRun(l, bkConf, "hFT-FW lazy, defer", "lazy { enabled = true, mode = defer }"));

            StringBuilder table = new StringBuilder(HEADER).append('\n');
            rows.forEach(r -> table.append(r.format()).append('\n'));
            LOG.info("sync link per connection ({} short TCP connections per run, DESTROY not included):\n{}",
                    CONNECTIONS, table);
            Path out = Path.of("target", "sync-lazy-measurement.md");
            Files.writeString(out, table.toString());

            for (Row r : rows) {
                assertTrue(r.timeWaits().primary() > 0 && r.timeWaits().backup() == r.timeWaits().primary(),
                        r.primary() + ": the backup holds every stable state of the primary's table: " + r);
            }
            Row conntrackd = rows.get(0);
            Row all = rows.get(1);
            assertTrue(all.events() >= 5L * all.connections(), "the kernel reports the TCP handshake and close: " + all);
            for (Row lazy : rows.subList(2, 4)) {
                // about 5 connections are spent learning: with a few dozen or more the held-back share dominates
                assertTrue(CONNECTIONS < 50 || lazy.lazySent() < lazy.events() / 2, lazy.primary() + " holds back most changes once it has "
                        + "learned: " + lazy);
                assertTrue(lazy.txBytes() < conntrackd.txBytes(), lazy.primary() + " puts fewer bytes on the sync link "
                        + "than conntrackd: " + lazy + " vs " + conntrackd);
            }
        }
    }
}
