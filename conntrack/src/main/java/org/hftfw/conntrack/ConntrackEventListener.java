package org.hftfw.conntrack;

import java.util.List;

/** Receives conntrack events from a {@link ConntrackTable} subscription. */
public interface ConntrackEventListener {

    void onEvent(ConntrackEvent event);

    /**
     * The same change as a view the event reader reuses for its next event (issue 14 item 4: the hot path builds no
     * entry per event): valid only during this call, so a listener that keeps anything copies it. The default
     * materialises the event for {@link #onEvent(ConntrackEvent)}; a listener on the hot path overrides this.
     */
    default void onEvent(EventView event) {
        onEvent(event.toEvent());
    }

    /**
     * The events delivered since the last call are all that one read of the event source held (the Disruptor's
     * {@code endOfBatch}): a listener that buffers what it passes on hands it over now. Called after the last event
     * of every batch, before an overrun is reported and before a step that needs the delivery quiet runs.
     */
    default void endOfBatch() {}

    /**
     * The kernel dropped events for this subscriber (netlink ENOBUFS). The table has counted the overrun and
     * will follow with {@link #onResync} once it has re-read the whole table.
     */
    default void onOverrun(long overrunsSoFar) {}

    /** The full table as re-read after an overrun; listeners reconcile their view against it. */
    default void onResync(List<ConntrackEntry> table) {}

    /** The subscription failed and stopped (socket closed, fatal netlink error). */
    default void onError(ConntrackException error) {}
}
