package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.conntrack.lab.FirewallTopology;
import org.hftfw.sidecar.Hftfw;
import org.hftfw.sync.Publisher;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The sync daemon against a stock conntrackd, with real TCP/UDP traffic through a firewall namespace: (a) hFT-FW
 * primary → conntrackd backup, which shows the flows ({@code -e}) and commits them ({@code -c}); (b) conntrackd
 * primary → hFT-FW backup, committed with {@code hftfw commit} through the control socket, after which the backup's
 * kernel table matches the primary's.
 */
@Tag("lab")
class SyncInteropLabTest {
    private static final Logger LOG = LoggerFactory.getLogger(SyncInteropLabTest.class);

    // assumptions per test, not in @BeforeAll: surefire drops a class aborted there from the counts (SUREFIRE-2300)
    @BeforeEach
    void capable() {
        SyncLab.assumeCapable();
    }

    /**
     * Flows of every kind through fw: long-lived TCP (port 8080, and 8081 which fw marks 42), finished TCP
     * (TIME_WAIT), UDP (5353, and 5354 in conntrack zone 7), IPv4 and IPv6. Returns the open sockets.
     */
    static List<Socket> traffic(FirewallTopology t) {
        List<Socket> open = new ArrayList<>();
        for (String server : new String[] {FirewallTopology.SERVER4, FirewallTopology.SERVER6}) {
            for (int i = 0; i < 3; i++) {
                open.add(t.openTcp(server, 8080));
                open.add(t.openTcp(server, 8081));
                assertEquals("hello" + i, t.tcp(server, 8080, "hello" + i));
                assertEquals("dns" + i, t.udp(server, 5353, "dns" + i));
                assertEquals("zone" + i, t.udp(server, 5354, "zone" + i));
            }
        }
        return open;
    }

    static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
    }

    static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = new CommandLine(new Hftfw()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        assertEquals(0, rc, "hftfw " + String.join(" ", args) + ": " + err);
        return out.toString();
    }

    @Test
    void hftfwPrimaryToStockConntrackdBackup() throws Exception {
        try (SyncLab l = new SyncLab()) {
            // as docs/deploy.md sets it on a primary: with the kernel's default (2) the sync link's own flow, when
            // conntrackd's first datagram reaches fw before the daemon listens, never has an event to filter
            l.topo.fw.sysctl("net.netfilter.nf_conntrack_events", "1");
            Path cconf = l.conntrackdConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC);
            l.startConntrackd(l.bk, cconf);
            SyncDaemon primary = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY,
                    l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, ""));
            List<Socket> open = traffic(l.topo);
            try {
                Thread.sleep(300);
                Set<String> flows = SyncLab.clientFlows(l.topo.fw);
                assertEquals(30, flows.size(), "6 open + 3 finished TCP + 6 UDP per family: " + flows);
                String[] cache = new String[1];
                SyncLab.await("conntrackd -e in the backup shows every flow", 10_000, () -> {
                    cache[0] = SyncLab.conntrackd(l.bk, cconf, "-e");
                    return flows.stream().allMatch(f -> cache[0].contains(SyncLab.originalTuple(f)));
                });
                assertFalse(cache[0].contains("dport=3780"), "the sync link's own flow is filtered: " + cache[0]);
                assertFalse(cache[0].contains("src=" + SyncLab.FW_SYNC), cache[0]);
                SyncLab.await("the primary's queues are empty", 5_000, () -> primary.node().channel().pendingFlows() == 0);

                long t0 = System.nanoTime();
                SyncLab.conntrackd(l.bk, cconf, "-c");
                long commitMs = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(flows, SyncLab.clientFlows(l.bk), "after conntrackd -c the backup's table is the primary's");

                Publisher.Stats ps = primary.node().publisher().stats();
                assertTrue(ps.published() >= 30 && ps.filtered() > 0, ps.toString());
                String stats = cli("sync", "stats", "--socket", primary.control().path().toString());
                assertTrue(stats.contains("hftfw sync primary") && stats.contains("message tracking"), stats);
                String scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + primary.metricsAddress().getPort() + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(metric(scrape, "hftfw_ftfw_data_sent_total") >= 30, scrape);
                assertTrue(metric(scrape, "hftfw_events_total") >= 30, scrape);
                LOG.info("(a) {} flows in conntrackd -e; conntrackd -c took {} ms; {}", flows.size(), commitMs, ps);
            } finally {
                closeAll(open);
            }
        }
    }

    @Test
    void stockConntrackdPrimaryToHftfwBackupThenHftfwCommit() throws Exception {
        try (SyncLab l = new SyncLab()) {
            // the external-cache backup; CommittedBackupLabTest covers the always-committed default beside conntrackd
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP,
                    l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, "sync.backup.commit = on-takeover"));
            Path cconf = l.conntrackdConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC);
            l.startConntrackd(l.topo.fw, cconf);
            List<Socket> open = traffic(l.topo);
            try {
                Thread.sleep(300);
                Set<String> flows = SyncLab.clientFlows(l.topo.fw);
                assertEquals(30, flows.size(), flows.toString());
                SyncLab.await("the external cache holds every flow", 10_000,
                        () -> backup.node().channel().externalCache().size() >= flows.size());
                assertTrue(SyncLab.clientFlows(l.bk).isEmpty(), "nothing in the backup's kernel before the commit");

                String out = cli("commit", "--socket", backup.control().path().toString());
                Matcher m = Pattern.compile("committed (\\d+) flows from the external cache in (\\d+) ms: (\\d+) created, "
                        + "(\\d+) updated, 0 failed").matcher(out);
                assertTrue(m.find(), out);
                assertEquals(backup.node().channel().externalCache().size(), Integer.parseInt(m.group(1)));
                assertEquals(flows, SyncLab.clientFlows(l.bk),
                        "the backup's kernel table matches the primary's (timeouts and ids aside)");
                String again = cli("commit", "--socket", backup.control().path().toString());
                assertTrue(again.contains(" 0 failed"), "a second commit refreshes the entries: " + again);
                String stats = cli("sync", "stats", "--socket", backup.control().path().toString());
                assertTrue(stats.contains("last commit:") && stats.contains("external cache:"), stats);
                LOG.info("(b) {}", out.strip());
            } finally {
                closeAll(open);
            }
        }
    }

    static double metric(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }
}
