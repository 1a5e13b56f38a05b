package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.hftfw.sync.Publisher;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event overruns for real: a primary with a tiny event buffer (events.buffer = 4 KiB) while thousands of entries are
 * loaded into and then deleted from fw's kernel table in bulk. The kernel drops events (ENOBUFS); the primary must
 * reconcile from the resync dump so that the backup's external cache ends up equal to the primary's table: every
 * live flow present, every deleted one gone.
 */
@Tag("lab")
class SyncOverrunLabTest {
    private static final Logger LOG = LoggerFactory.getLogger(SyncOverrunLabTest.class);

    // assumptions per test, not in @BeforeAll: surefire drops a class aborted there from the counts (SUREFIRE-2300)
    @BeforeEach
    void capable() {
        SyncLab.assumeCapable();
    }

    @Test
    void overrunIsReconciledFromTheResyncDump() throws Exception {
        try (SyncLab l = new SyncLab()) {
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP,
                    l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, ""));
            SyncDaemon primary = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY,
                    l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, "events.buffer = 4096"));
            l.topo.fw.exec("conntrack", "-R", l.loadFile(0, 4000, 80).toString()).check();
            l.topo.fw.exec("conntrack", "-R", l.loadFile(0, 4000, 81).toString()).check();
            l.topo.fw.exec("conntrack", "-D", "-p", "tcp", "--dport", "81").check();

            Set<String> truth = SyncLab.loadedTuples(primary.node().table().list());
            assertEquals(4000, truth.size());
            SyncLab.await("the backup's cache equals the primary's table", 30_000,
                    () -> SyncLab.loadedTuples(backup.node().channel().externalCache().entries()).equals(truth));
            Publisher.Stats s = primary.node().publisher().stats();
            assertTrue(primary.node().table().stats().overruns() > 0 && s.resyncs() > 0,
                    "the 4 KiB event buffer overflowed and was reconciled: " + s + " " + primary.node().table().stats());
            LOG.info("overrun test: {} overruns, {} resyncs; {} ", primary.node().table().stats().overruns(), s.resyncs(), s);
        }
    }
}
