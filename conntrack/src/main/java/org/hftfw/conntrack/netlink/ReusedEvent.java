package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.EventView;
import org.hftfw.conntrack.MutableEntry;

/**
 * The event reader's one {@link EventView}, rewritten for every event it delivers (issue 14 item 4: no event object
 * per event); its entry is the decoder's reused {@link MutableEntry}. Valid only during the listener call.
 */
final class ReusedEvent implements EventView {
    private EventType type = EventType.UPDATE;
    private MutableEntry entry = new MutableEntry();
    private long monotonicNanos;
    private long epochMicros;
    private int origin;

    ReusedEvent set(EventType kind, MutableEntry e, long mono, long wall, int port) {
        this.type = kind;
        this.entry = e;
        this.monotonicNanos = mono;
        this.epochMicros = wall;
        this.origin = port;
        return this;
    }

    @Override
    public EventType type() {
        return type;
    }

    @Override
    public EntryView entry() {
        return entry;
    }

    @Override
    public long monotonicNanos() {
        return monotonicNanos;
    }

    @Override
    public long epochMicros() {
        return epochMicros;
    }

    @Override
    public int origin() {
        return origin;
    }

    @Override
    public ConntrackEvent toEvent() {
        return new ConntrackEvent(type, entry.toEntry(), monotonicNanos, epochMicros, origin);
    }
}
