package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hftfw.sidecar.DaemonJvmOptions;
import org.hftfw.sync.EventBurstBench;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A burst of new flows through the daemons as deployed ({@code hftfw sync primary} and {@code backup} as processes
 * with conf/daemon.jvm and the configuration's defaults): the backup ends up holding every flow, and every overrun
 * on the way was repaired by a resync. Small scale; the figures are the bench's ({@code hftfw sync event-bench}).
 */
@Tag("lab")
class EventBurstDaemonsLabTest {
    private static final int FLOWS = 8_000;

    @Test
    void everyFlowOfABurstReachesTheBackupDaemon() throws Exception {
        SyncLab.assumeCapable();
        EventBurstBench.Row r = EventBurstBench.measureDaemons(FLOWS, 2, 0, DaemonJvmOptions.resolve(null));
        System.out.println(r.line());
        assertEquals(FLOWS, r.inBackup(), r.line());
        assertTrue(r.heldNanos() > 0, "held within the bench's limit: " + r.line());
        assertEquals(r.overruns(), r.resyncs(), "every overrun repaired by a resync: " + r.line());
    }
}
