package org.hftfw.sync;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;

/**
 * Where the primary's replicated changes go: the FT-FW channel ({@link ChannelOutbound}), a recorder in tests. The
 * publisher calls {@link #endOfBatch} when a batch of changes is complete; until then an outbound may hold them.
 */
@FunctionalInterface
interface Outbound {
    void publish(EventType type, ConntrackEntry entry);

    /** The changes published since the last call form a batch: hand them on now. */
    default void endOfBatch() {}
}
