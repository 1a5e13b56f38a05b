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
 * @param origin        who caused the change: the netlink port id of the request that did ({@code conntrack -E}'s
 *                      {@code [USERSPACE] portid=}), or {@link #ORIGIN_KERNEL} for packets, timeouts and sources that
 *                      cannot tell; compared with {@link ConntrackTable#origin()} to recognise one's own writes
 *                      (conntrackd's src/origin.c)
 */
public record ConntrackEvent(EventType type, ConntrackEntry entry, long monotonicNanos, long epochMicros,
                             int origin) implements EventView {
    /** The origin of a change no userspace request caused (or whose origin the source does not know). */
    public static final int ORIGIN_KERNEL = 0;

    public ConntrackEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(entry, "entry");
    }

    @Override
    public ConntrackEvent toEvent() {
        return this;
    }

    /** An event of the kernel's own (packets, timeouts), or of a source that does not know the origin. */
    public ConntrackEvent(EventType type, ConntrackEntry entry, long monotonicNanos, long epochMicros) {
        this(type, entry, monotonicNanos, epochMicros, ORIGIN_KERNEL);
    }
}
