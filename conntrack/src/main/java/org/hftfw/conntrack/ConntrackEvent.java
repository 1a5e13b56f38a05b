package org.hftfw.conntrack;

import java.util.Objects;

/**
 * A change of the conntrack table.
 *
 * @param type          NEW, UPDATE or DESTROY
 * @param entry         the entry as reported with the event (for DESTROY, its last known state)
 * @param monotonicNanos when the event was seen, on a monotonic clock (System.nanoTime for live sources,
 *                      the log's time base for replayed ones); only differences are meaningful
 * @param epochMicros   wall-clock time of the event in µs since the epoch (what {@code -o timestamp} prints)
 */
public record ConntrackEvent(EventType type, ConntrackEntry entry, long monotonicNanos, long epochMicros) {
    public ConntrackEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(entry, "entry");
    }
}
