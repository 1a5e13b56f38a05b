package org.hftfw.ftfw;

import org.hftfw.common.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts dropped input per {@link DropReason} and logs at most one line per reason per interval (with the number
 * suppressed since the last line), so a flood of bad datagrams costs a counter increment, not a log storm.
 * Written by the event loop, read by any thread.
 */
final class DropCounters {
    private static final Logger LOG = LoggerFactory.getLogger(DropCounters.class);
    private static final DropReason[] REASONS = DropReason.values();

    private final AtomicLongArray counts = new AtomicLongArray(REASONS.length);
    private final long[] lastLogNanos = new long[REASONS.length];
    private final long[] suppressed = new long[REASONS.length];
    private final Clock nanoClock;
    private final long logIntervalNanos;

    DropCounters(Clock nanoClock, long logIntervalNanos) {
        this.nanoClock = nanoClock;
        this.logIntervalNanos = logIntervalNanos;
        java.util.Arrays.fill(lastLogNanos, Long.MIN_VALUE);
    }

    void drop(DropReason reason, Object detail) {
        int i = index(reason);
        counts.incrementAndGet(i);
        long now = nanoClock.nanos();
        if (lastLogNanos[i] == Long.MIN_VALUE || now - lastLogNanos[i] >= logIntervalNanos) {
            LOG.warn("dropped FT-FW input: {} ({}){}", reason, detail,
                    suppressed[i] > 0 ? ", " + suppressed[i] + " more since last report" : "");
            lastLogNanos[i] = now;
            suppressed[i] = 0;
        } else {
            suppressed[i]++;
        }
    }

    long get(DropReason reason) {
        return counts.get(index(reason));
    }

    long total() {
        long t = 0;
        for (int i = 0; i < REASONS.length; i++) {
            t += counts.get(i);
        }
        return t;
    }

    Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
        for (DropReason r : REASONS) {
            long v = counts.get(index(r));
            if (v != 0) {
                m.put(r, v);
            }
        }
        return m;
    }

    // a dense array per reason, as EnumMap keeps internally; the index never leaves this process
    @SuppressWarnings("EnumOrdinal")
    private static int index(DropReason reason) {
        return reason.ordinal();
    }
}
