package org.hftfw.conntrack.log;

import org.hftfw.common.Clock;

/**
 * The log's time during a replay: {@link ReplaySource} sets it to each event's time before applying it, so a
 * table created with {@code InMemoryConntrackTable.create(logClock)} stamps its
 * events and counts its timeouts in recorded time.
 */
public final class LogClock implements Clock {
    private volatile long nanos;
    private volatile long epochMicros;

    @Override
    public long nanos() {
        return nanos;
    }

    @Override
    public long epochMicros() {
        return epochMicros;
    }

    void set(long nanos, long epochMicros) {
        this.nanos = nanos;
        this.epochMicros = epochMicros;
    }
}
