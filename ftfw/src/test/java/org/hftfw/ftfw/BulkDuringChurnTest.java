package org.hftfw.ftfw;

import static org.hftfw.ftfw.SimLink.MS;
import static org.hftfw.ftfw.SimLink.SEC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.junit.jupiter.api.Test;

/**
 * A table bulk while the table changes (found by the sync soak's reordering fault, which orders a bulk and churns
 * during it: 14 of 2000 flows stale). The bulk's snapshot is read off the event loop while events go on, and queued
 * afterwards: a flow deleted during the read went out again after its DEL, and the peer kept it (the bulk's own
 * refresh made it survive the generation purge); a flow changed then went back to its older state. The snapshot's
 * state of a flow published since the bulk began is not sent: the event carried a newer one.
 */
class BulkDuringChurnTest {

    @Test
    void flowsDeletedOrChangedWhileTheSnapshotIsReadAreNotResentFromIt() {
        SimLink s = new SimLink(SimLink.config(), 5, 1_766_000_000L, 1_766_000_900L);
        List<ConntrackEntry> snapshot = new ArrayList<>();
        s.sourceA = sink -> snapshot.forEach(sink);
        s.bulkExecutorA = r -> s.clock.schedule(r, 50 * MS);       // reading the table takes 50 ms
        s.restartA(1_766_000_000L);
        for (int i = 0; i < 2000; i++) {
            s.publish(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(i, 600));
        }
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 60 * SEC) >= 0);

        snapshot.addAll(s.truth.values());                           // the table as the read sees it
        s.a.sendBulk();
        s.clock.advance(MS);
        for (int i = 1000; i < 2000; i += 2) {                       // events during the read
            s.publish(FtfwMessage.DataType.DEL, RandomEntries.tcpFlow(i, 600));
            s.publish(FtfwMessage.DataType.UPD, RandomEntries.tcpFlow(i + 1, 600).toBuilder().mark(7).build());
        }
        s.clock.advance(5 * SEC);                                    // the bulk is read, queued and acknowledged
        assertEquals(1, s.a.stats().bulksSent());
        assertTrue(s.converged(), "the backup equals the primary: " + s.cacheB.size() + " vs " + s.truth.size()
                + "\n" + s.a.stats().format());
        assertEquals(1500, s.cacheB.size());
    }
}
