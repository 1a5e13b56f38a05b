package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hftfw.conntrack.lab.FirewallTopology;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.sync.CommittedBackup;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The always-committed backup ({@code sync.backup.commit = always}, the default) on real kernel tables, with real
 * traffic through the firewall namespace: the backup's {@code conntrack -L} equals the primary's (timeouts aside) as
 * flows open, change state, and are deleted, without any commit; a backup that also publishes ({@code both}) sends
 * none of it back; {@code hftfw commit} is the timeout-only takeover pass. And beside a stock conntrackd primary.
 * The external-cache mode ({@code on-takeover}) is covered by {@link SyncInteropLabTest} and {@link ProactiveLabTest}.
 */
@Tag("lab")
class CommittedBackupLabTest {
    private static final Logger LOG = LoggerFactory.getLogger(CommittedBackupLabTest.class);

    @BeforeEach
    void capable() {
        SyncLab.assumeCapable();
    }

    /** The timeouts (seconds) of the client's flows in {@code ns}'s kernel table. */
    private static List<Long> timeouts(NetnsLab.Netns ns) {
        List<Long> out = new ArrayList<>();
        String text = ns.exec("conntrack", "-L").check().stdout() + ns.exec("conntrack", "-L", "-f", "ipv6").check().stdout();
        for (String line : text.split("\n", -1)) {
            if (line.contains("src=" + FirewallTopology.CLIENT4 + " ") || line.contains("src=" + FirewallTopology.CLIENT6 + " ")) {
                out.add(Long.parseLong(line.trim().split("\\s+", -1)[2]));
            }
        }
        return out;
    }

    private static void awaitMirror(SyncLab l, String when) throws InterruptedException {
        SyncLab.await("the backup's table equals the primary's " + when, 10_000, () -> {
            Set<String> primary = SyncLab.clientFlows(l.topo.fw);
            return !primary.isEmpty() && primary.equals(SyncLab.clientFlows(l.bk));
        });
    }

    @Test
    void theBackupsKernelTableFollowsAnHftfwPrimaryAndSendsNothingBack() throws Exception {
        try (SyncLab l = new SyncLab()) {
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BOTH,
                    l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, ""));
            SyncDaemon primary = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY,
                    l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, ""));
            List<Socket> open = SyncInteropLabTest.traffic(l.topo);
            try {
                awaitMirror(l, "with the flows open");
                assertEquals(30, SyncLab.clientFlows(l.bk).size(), SyncLab.clientFlows(l.bk).toString());
                assertTrue(timeouts(l.bk).stream().allMatch(t -> t > 431_000),
                        "standing by, entries have the standby timeout: " + timeouts(l.bk));
            } finally {
                SyncInteropLabTest.closeAll(open);
            }
            awaitMirror(l, "after the TCP flows closed");
            l.topo.fw.exec("conntrack", "-D", "-p", "udp").check();
            l.topo.fw.exec("conntrack", "-D", "-f", "ipv6", "-p", "udp");   // exit 1 when the first took them all
            awaitMirror(l, "after the UDP flows were deleted on the primary");
            Set<String> mirrored = SyncLab.clientFlows(l.bk);
            assertTrue(mirrored.stream().noneMatch(f -> f.startsWith("udp")), mirrored.toString());

            CommittedBackup cb = backup.node().committedBackup().orElseThrow();
            cb.drain();
            assertEquals(0, primary.node().channel().stats().dataRx(), "the backup sent none of the primary's flows back");
            assertEquals(0, backup.node().publisher().stats().published(), "nor counted them as local changes");
            String stats = SyncInteropLabTest.cli("sync", "stats", "--socket", backup.control().path().toString());
            assertTrue(stats.contains("kernel table (always committed, standing by)"), stats);
            assertTrue(cb.stats().failed() == 0 && cb.stats().deleted() >= 12, cb.stats().toString());

            String out = SyncInteropLabTest.cli("commit", "--socket", backup.control().path().toString());
            assertTrue(out.contains("takeover: the ") && out.contains(" 0 failed"), out);
            assertEquals(mirrored, SyncLab.clientFlows(l.bk), "the takeover pass changes timeouts only");
            List<Long> after = timeouts(l.bk);
            assertTrue(after.stream().allMatch(t -> t >= 55 && t <= 432_000), "timeouts after the takeover: " + after);
            assertTrue(after.stream().anyMatch(t -> t <= 120), "closed flows got their short timeouts back: " + after);
            LOG.info("{} flows mirrored; {}; {}", mirrored.size(), out.strip(), cb.stats());
        }
    }

    @Test
    void theBackupsKernelTableFollowsAStockConntrackdPrimary() throws Exception {
        try (SyncLab l = new SyncLab()) {
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP,
                    l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, ""));
            Path cconf = l.conntrackdConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC);
            l.startConntrackd(l.topo.fw, cconf);
            List<Socket> open = SyncInteropLabTest.traffic(l.topo);
            try {
                awaitMirror(l, "without a commit");
            } finally {
                SyncInteropLabTest.closeAll(open);
            }
            awaitMirror(l, "after the TCP flows closed");
            LOG.info("conntrackd primary: {} flows mirrored; {}", SyncLab.clientFlows(l.bk).size(),
                    backup.node().committedBackup().orElseThrow().stats());
        }
    }
}
