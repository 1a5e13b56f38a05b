package org.hftfw.conntrack;

import java.util.List;

/** Receives conntrack events from a {@link ConntrackTable} subscription. */
public interface ConntrackEventListener {

    void onEvent(ConntrackEvent event);

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
