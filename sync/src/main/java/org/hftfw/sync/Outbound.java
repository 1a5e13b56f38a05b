package org.hftfw.sync;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.FlowId;

/**
 * Where the primary's replicated changes go: the FT-FW channel ({@link ChannelOutbound}), a recorder in tests. The
 * publisher calls {@link #endOfBatch} when a batch of changes is complete; until then an outbound may hold them.
 */
@FunctionalInterface
interface Outbound {
    /** Publishes one change of the flow {@code id} ({@code entry.flowId()}, which the caller has at hand). */
    void publish(EventType type, ConntrackEntry entry, FlowId id);

    /**
     * {@link #publish(EventType, ConntrackEntry, FlowId)} of a state that may be the event reader's reused view, valid
     * only during this call (issue 14 item 4): an outbound that copies what it keeps overrides this; the default
     * materialises the entry.
     */
    default void publish(EventType type, EntryView entry, FlowId id) {
        publish(type, entry.toEntry(), id);
    }

    /** The changes published since the last call form a batch: hand them on now. */
    default void endOfBatch() {}

    /**
     * States published here that the link dropped without delivering them (the FT-FW queues overflowed), counted
     * since the start. While it stays the same, what was published is what the peer holds. May wait for the link's
     * thread: not to be called under a lock that thread takes.
     */
    default long statesDropped() {
        return 0;
    }
}
