package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.netlink.EventDrainBench;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The event path end to end on a small burst: the netlink loader (two threads, unpaced) in a namespace, the primary's
 * event socket, publisher and FT-FW channel, a backup's external cache that ends up holding every flow (with or
 * without overruns on the way).
 */
@Tag("lab")
class EventBurstBenchLabTest {

    @Test
    void everyLoadedFlowReachesTheBackup() throws Exception {
        LabAssumptions.assumeAvailable();
        List<EventBurstBench.Row> rows = EventBurstBench.measure(8_000, 2, 0, false);
        assertEquals(3, rows.size());
        for (EventBurstBench.Row r : rows.subList(1, 3)) {
            assertEquals(8_000, r.inBackup(), r.line());
        }
    }

    @Test
    void bothReadSidesDrainEveryQueuedEvent() throws Exception {
        LabAssumptions.assumeAvailable();
        EventDrainBench.Result r = EventDrainBench.measure(3_000);
        for (double rate : r.recvfrom()) {
            assertTrue(rate > 0, r.line());
        }
        for (double rate : r.recvmmsg()) {
            assertTrue(rate > 0, r.line());
        }
    }
}
