package org.hftfw.sync;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.FlowId;

/**
 * The {@link FlowId} of an entry, the same object again for the next event of the same flow (issue 14 item 4: no
 * allocation per event). {@link ConntrackEntry#flowId()} builds a new key for every event; the event decoder hands out
 * the same {@code Tuple} object for a flow's successive events (its tuple cache), so a key cached by that object's
 * identity is found again without building or hashing a tuple.
 *
 * <p>Design note: direct-mapped like the decoder's tuple cache, a slot per identity hash of the original tuple. A
 * slot holds only the key, which carries its tuple and zone, so a hit compares two references and an int, and a
 * reader on another thread can never see a slot half written (the key is immutable and published by one reference
 * write). A miss, or an entry whose tuple came from elsewhere, builds the key as before: equal keys, whichever
 * object, so the result is always {@code entry.flowId()}.
 */
final class FlowIds {
    private static final int SLOTS = 1 << 14;

    private final FlowId[] slots = new FlowId[SLOTS];

    /** {@code entry.flowId()}, the cached object when there is one. */
    @SuppressWarnings("ReferenceEquality")                 // identity on purpose: see the design note
    FlowId of(ConntrackEntry entry) {
        int slot = System.identityHashCode(entry.original()) & (SLOTS - 1);
        FlowId id = slots[slot];
        if (id != null && id.original() == entry.original() && id.zone() == entry.zone()) {
            return id;
        }
        id = entry.flowId();
        slots[slot] = id;
        return id;
    }
}
