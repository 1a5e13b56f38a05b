package org.hftfw.sync;

import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.FlowId;

/**
 * The {@link FlowId} of an entry, the same object again for the next event of the same flow (issue 14 item 4: no
 * allocation per event). {@link ConntrackEntry#flowId()} builds a new key for every event; the event decoder hands out
 * the same {@code Tuple} object for a flow's successive events (its tuple cache), so a key cached by that object's
 * identity is found again without building or hashing a tuple.
 *
 * <p>Design note: set-associative like the decoder's tuple cache ({@value #WAYS} slots per identity hash of the
 * original tuple, replaced in turn), so that two live flows whose tuples hash alike do not evict each other's key at
 * every event, as they did in a direct-mapped one (a key per event for known flows). A slot holds only the key, which carries its tuple and zone, so a hit compares two references and an int, and a
 * reader on another thread can never see a slot half written (the key is immutable and published by one reference
 * write). A miss, or an entry whose tuple came from elsewhere, builds the key as before: equal keys, whichever
 * object, so the result is always {@code entry.flowId()}. Two threads may use it (the delivery thread, and the lazy
 * replicator's deferred sends under the publisher's lock on the timer thread): a slot is one reference write of an
 * immutable key, so a race costs a miss, never a wrong key.
 */
final class FlowIds {
    private static final int SLOTS = 1 << 14;
    private static final int WAYS = 8;
    private static final int SETS = SLOTS / WAYS;

    private final FlowId[] slots = new FlowId[SLOTS];
    /** The way of each set that the set's next miss replaces (a racing writer costs a miss, see above). */
    private final byte[] nextVictim = new byte[SETS];

    /** {@code entry.flowId()}, the cached object when there is one. */
    @SuppressWarnings("ReferenceEquality")                 // identity on purpose: see the design note
    FlowId of(EntryView entry) {
        int set = System.identityHashCode(entry.original()) & (SETS - 1);
        int first = set * WAYS;
        for (int slot = first; slot < first + WAYS; slot++) {
            FlowId id = slots[slot];
            if (id != null && id.original() == entry.original() && id.zone() == entry.zone()) {
                return id;
            }
        }
        FlowId id = entry.flowId();
        int victim = nextVictim[set];
        nextVictim[set] = (byte) ((victim + 1) & (WAYS - 1));
        slots[first + victim] = id;
        return id;
    }
}
