package org.hftfw.ftfw;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.Tuple;

/** Identity of a flow in the caches and queues: original tuple and zone, as conntrackd's cache hashes it. */
record FlowId(Tuple original, int zone) {
    static FlowId of(ConntrackEntry e) {
        return new FlowId(e.original(), e.zone());
    }
}
