package org.hftfw.sync;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;

/** Where the primary's replicated changes go: the FT-FW channel ({@code FtfwChannel::publish}), a recorder in tests. */
@FunctionalInterface
interface Outbound {
    void publish(EventType type, ConntrackEntry entry);
}
