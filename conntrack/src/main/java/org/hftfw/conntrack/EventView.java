package org.hftfw.conntrack;

/**
 * Read access to one change of the conntrack table: the immutable {@link ConntrackEvent}, or the event reader's
 * reused flyweight, valid only during the {@link ConntrackEventListener#onEvent(EventView)} call it is handed to
 * (see {@link EntryView}). Accessors are those of {@link ConntrackEvent}.
 */
public interface EventView {
    EventType type();

    EntryView entry();

    long monotonicNanos();

    long epochMicros();

    int origin();

    /** The change as an immutable event (the event itself when it is one). */
    ConntrackEvent toEvent();
}
