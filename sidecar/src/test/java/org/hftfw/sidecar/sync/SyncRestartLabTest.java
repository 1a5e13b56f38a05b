package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Set;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Restarts converge: a backup daemon that dies (its external cache is gone with it) and starts again holds the
 * primary's whole table again by itself (sync.startup-resync), without an operator's {@code sync resync}. Before,
 * the restarted backup stayed empty while the primary reported every flow as held by the backup.
 */
@Tag("lab")
class SyncRestartLabTest {

    // assumptions per test, not in @BeforeAll: surefire drops a class aborted there from the counts (SUREFIRE-2300)
    @BeforeEach
    void capable() {
        SyncLab.assumeCapable();
    }

    @Test
    void aRestartedBackupHoldsThePrimarysTableAgainByItself() throws Exception {
        try (SyncLab l = new SyncLab()) {
            Path bkConf = l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, "");
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP, bkConf);
            SyncDaemon primary = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY,
                    l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, ""));
            l.topo.fw.exec("conntrack", "-R", l.loadFile(0, 2000, 80).toString()).check();
            Set<String> truth = SyncLab.loadedTuples(primary.node().table().list());
            assertEquals(2000, truth.size());
            SyncLab.await("the backup's cache equals the primary's table", 30_000,
                    () -> SyncLab.loadedTuples(backup.node().channel().externalCache().entries()).equals(truth));

            backup.close();                                  // dies with its cache; the primary goes on
            SyncDaemon restarted = l.startHftfw(l.bk, SyncNode.Role.BACKUP, bkConf);
            SyncLab.await("the restarted backup's cache equals the primary's table again", 30_000,
                    () -> SyncLab.loadedTuples(restarted.node().channel().externalCache().entries()).equals(truth));
        }
    }

    @Test
    void aRestartedBackupGetsTheTableFromThePrimaryEvenWithoutStartupResync() throws Exception {
        try (SyncLab l = new SyncLab()) {
            // a backup that never asks (like a stock conntrackd without StartupResync)
            Path bkConf = l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, "sync.startup-resync = false");
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP, bkConf);
            SyncDaemon primary = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY,
                    l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, ""));
            l.topo.fw.exec("conntrack", "-R", l.loadFile(0, 1000, 80).toString()).check();
            Set<String> truth = SyncLab.loadedTuples(primary.node().table().list());
            SyncLab.await("the backup's cache equals the primary's table", 30_000,
                    () -> SyncLab.loadedTuples(backup.node().channel().externalCache().entries()).equals(truth));

            backup.close();
            SyncDaemon restarted = l.startHftfw(l.bk, SyncNode.Role.BACKUP, bkConf);
            SyncLab.await("the primary saw the restart (HELLO) and sent its table again", 30_000,
                    () -> SyncLab.loadedTuples(restarted.node().channel().externalCache().entries()).equals(truth));
        }
    }

    @Test
    void aRestartedPrimarysNewFlowsReachTheBackup() throws Exception {
        try (SyncLab l = new SyncLab()) {
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP,
                    l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, ""));
            Path fwConf = l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, "");
            SyncDaemon primary = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY, fwConf);
            l.topo.fw.exec("conntrack", "-R", l.loadFile(0, 1000, 80).toString()).check();
            SyncLab.await("the backup holds the primary's 1000 flows", 30_000,
                    () -> SyncLab.loadedTuples(backup.node().channel().externalCache().entries()).size() == 1000);

            primary.close();                                 // down: flows are created that no event reports
            l.topo.fw.exec("conntrack", "-R", l.loadFile(1000, 300, 80).toString()).check();
            SyncDaemon restarted = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY, fwConf);
            Set<String> now = SyncLab.loadedTuples(restarted.node().table().list());
            assertEquals(1300, now.size());
            SyncLab.await("the backup saw the primary restart, asked for its table and holds the 300 new flows", 30_000,
                    () -> SyncLab.loadedTuples(backup.node().channel().externalCache().entries()).containsAll(now));
        }
    }

    /**
     * Issue 14 item 3: a backup started before its primary. Its startup RESYNC reached no one and it takes the
     * primary's HELLO for a first contact, not a restart; the primary pushes its table on first contact. Before, the
     * backup's kernel table stayed empty of the 1000 flows the primary held when it started.
     */
    @Test
    void aBackupStartedBeforeItsPrimaryGetsTheTable() throws Exception {
        try (SyncLab l = new SyncLab()) {
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP,
                    l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, ""));
            l.topo.fw.exec("conntrack", "-R", l.loadFile(0, 1000, 80).toString()).check();
            SyncDaemon primary = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY,
                    l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, ""));
            Set<String> truth = SyncLab.loadedTuples(primary.node().table().list());
            assertEquals(1000, truth.size());
            SyncLab.await("the backup's kernel table holds the primary's 1000 flows", 30_000,
                    () -> SyncLab.loadedTuples(backup.node().table().list()).equals(truth));
            assertEquals(1, primary.node().channel().stats().bulksSent(), "one bulk: the first-contact push");
        }
    }

    /**
     * Issue 14 item 3: an always-committed backup down while the primary deletes flows keeps those entries in its
     * kernel table once the DELs are gone from the primary's resend queue (here a small queue and 1000 new flows
     * push them out; in the soak, DELs acknowledged but not yet written when the backup was killed). The restarted
     * backup takes the entries with a standby timeout for the peer's, and the primary's full generation-marked resync
     * removes the 512 it no longer has. Before, the new process's empty external cache never knew them and they
     * stayed (the soak's stale flows).
     */
    @Test
    void aRestartedCommittedBackupDropsTheFlowsThePrimaryDeletedWhileItWasDown() throws Exception {
        try (SyncLab l = new SyncLab()) {
            Path bkConf = l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, "");
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP, bkConf);
            SyncDaemon primary = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY,
                    l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, "sync.resend-queue-size = 256"));
            l.topo.fw.exec("conntrack", "-R", l.loadFile(0, 2000, 80).toString()).check();
            SyncLab.await("the backup's kernel table holds the primary's 2000 flows", 30_000,
                    () -> SyncLab.loadedTuples(backup.node().table().list()).size() == 2000);

            backup.close();
            l.topo.fw.exec("conntrack", "-D", "-p", "tcp", "-s", "10.234.0.0/24").check();
            l.topo.fw.exec("conntrack", "-D", "-p", "tcp", "-s", "10.234.1.0/24").check();
            l.topo.fw.exec("conntrack", "-R", l.loadFile(2000, 1000, 80).toString()).check();
            Set<String> truth = SyncLab.loadedTuples(primary.node().table().list());
            assertEquals(2000 - 512 + 1000, truth.size());
            SyncLab.await("the primary's resend queue dropped the oldest states (the DELs among them)", 30_000,
                    () -> primary.node().channel().stats().rsQueueOverflow() > 512);
            assertEquals(2000, listed(l.bk.exec("conntrack", "-L").check().stdout()).size(),
                    "the backup's kernel table still holds the deleted flows");

            SyncDaemon restarted = l.startHftfw(l.bk, SyncNode.Role.BACKUP, bkConf);
            SyncLab.await("the restarted backup's kernel table equals the primary's", 30_000,
                    () -> SyncLab.loadedTuples(restarted.node().table().list()).equals(truth));
            assertEquals(2000, restarted.node().committedBackup().orElseThrow().stats().adopted());
        }
    }

    /** {@code src=A dst=B sport=S dport=D} of the loaded flows, from {@code conntrack -L} text. */
    private static Set<String> listed(String conntrackL) {
        Set<String> out = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("src=(10\\.234\\.\\S+) dst=(\\S+) sport=(\\d+) dport=(\\d+)").matcher(conntrackL);
        while (m.find()) {
            out.add("src=" + m.group(1) + " dst=" + m.group(2) + " sport=" + m.group(3) + " dport=" + m.group(4));
        }
        return out;
    }

    /** The same form for cached entries. */
    private static Set<String> cached(Iterable<org.hftfw.conntrack.ConntrackEntry> entries) {
        Set<String> out = new java.util.TreeSet<>();
        for (var e : entries) {
            var t = e.original();
            if (t.src().getHostAddress().startsWith("10.234.")) {
                out.add("src=" + t.src().getHostAddress() + " dst=" + t.dst().getHostAddress() + " sport=" + t.sport()
                        + " dport=" + t.dport());
            }
        }
        return out;
    }

    /**
     * Issue 14 item 3: a primary that dies (no goodbye on the wire, as with kill -9) while flows are deleted and
     * created, then restarts: its resync, marked with its generation, also removes from the backup what it no longer
     * has, so the backup's cache is exactly the primary's {@code conntrack -L}. Before, the 512 deleted flows stayed.
     */
    @Test
    void aRestartedPrimarysResyncAlsoRemovesTheFlowsDeletedWhileItWasDown() throws Exception {
        try (SyncLab l = new SyncLab()) {
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP,
                    l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, ""));
            Path fwConf = l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, "");
            SyncDaemon primary = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY, fwConf);
            l.topo.fw.exec("conntrack", "-R", l.loadFile(0, 2000, 80).toString()).check();
            SyncLab.await("the backup holds the primary's 2000 flows", 30_000,
                    () -> cached(backup.node().channel().externalCache().entries()).size() == 2000);

            primary.close();
            l.topo.fw.exec("conntrack", "-D", "-p", "tcp", "-s", "10.234.0.0/24").check();
            l.topo.fw.exec("conntrack", "-D", "-p", "tcp", "-s", "10.234.1.0/24").check();
            l.topo.fw.exec("conntrack", "-R", l.loadFile(2000, 300, 80).toString()).check();
            SyncDaemon restarted = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY, fwConf);
            Set<String> kernel = listed(l.topo.fw.exec("conntrack", "-L").check().stdout());
            assertEquals(2000 - 512 + 300, kernel.size());
            SyncLab.await("the backup's cache equals the restarted primary's conntrack -L", 30_000,
                    () -> cached(backup.node().channel().externalCache().entries()).equals(kernel));
            assertEquals(512, backup.node().channel().externalCache().stats().staleRemoved());
            assertEquals(kernel, cached(backup.node().channel().externalCache().entries()));
            restarted.close();
        }
    }
}
