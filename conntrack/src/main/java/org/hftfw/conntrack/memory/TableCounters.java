package org.hftfw.conntrack.memory;

import java.util.concurrent.atomic.LongAdder;
import org.hftfw.conntrack.ConntrackTable.SourceStats;

/** The counters behind {@link InMemoryConntrackTable#stats()}. */
final class TableCounters {
    final LongAdder events = new LongAdder();
    final LongAdder overruns = new LongAdder();
    final LongAdder resyncs = new LongAdder();
    final LongAdder errors = new LongAdder();

    SourceStats snapshot() {
        return new SourceStats(events.sum(), overruns.sum(), resyncs.sum(), 0, errors.sum());
    }
}
