package org.hftfw.lazy;

import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.EventView;
import org.hftfw.conntrack.MutableEntry;

/**
 * An update held back for a deferred send (DEFER mode): the event as it was, kept until its deadline. An immutable
 * {@link ConntrackEvent} is kept by reference; the event reader's reused view, which changes with the next event, is
 * copied into this holder's own {@link MutableEntry}. The replicator takes holders from a pool and gives them back
 * when the hold ends ({@link HeldEvents}), so holding an update allocates nothing in steady state (issue 14 item 4),
 * where a materialised event and entry per held update were most of what the lazy path allocated.
 */
final class HeldEvent implements EventView {
    private ConntrackEvent immutable;
    private final MutableEntry entry = new MutableEntry();
    private EventType type = EventType.UPDATE;
    private long monotonicNanos;
    private long epochMicros;
    private int origin;

    /** Holds {@code e}; returns this. */
    HeldEvent hold(EventView e) {
        if (e instanceof ConntrackEvent ce) {
            immutable = ce;
        } else {
            immutable = null;
            entry.copyFrom(e.entry());
            type = e.type();
            monotonicNanos = e.monotonicNanos();
            epochMicros = e.epochMicros();
            origin = e.origin();
        }
        return this;
    }

    /** Lets go of what it held (a holder back in the pool keeps no tuples alive). */
    void clear() {
        immutable = null;
    }

    @Override
    public EventType type() {
        return immutable != null ? immutable.type() : type;
    }

    @Override
    public EntryView entry() {
        return immutable != null ? immutable.entry() : entry;
    }

    @Override
    public long monotonicNanos() {
        return immutable != null ? immutable.monotonicNanos() : monotonicNanos;
    }

    @Override
    public long epochMicros() {
        return immutable != null ? immutable.epochMicros() : epochMicros;
    }

    @Override
    public int origin() {
        return immutable != null ? immutable.origin() : origin;
    }

    @Override
    public ConntrackEvent toEvent() {
        return immutable != null ? immutable
                : new ConntrackEvent(type, entry.toEntry(), monotonicNanos, epochMicros, origin);
    }
}
