package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackTable.SourceStats;

import java.util.concurrent.atomic.AtomicLong;

/** Counters shared by a table's request socket and its event subscriptions. */
final class TableStats {
    final AtomicLong events = new AtomicLong();
    final AtomicLong overruns = new AtomicLong();
    final AtomicLong resyncs = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong unknownAttributes = new AtomicLong();
    final AtomicLong listenerFailures = new AtomicLong();
    /** Event socket buffers grown before an overrun, the queue being more than a quarter full (see EventPump). */
    final AtomicLong earlyGrowths = new AtomicLong();

    SourceStats snapshot() {
        return new SourceStats(events.get(), overruns.get(), resyncs.get(), malformed.get(), errors.get());
    }
}
