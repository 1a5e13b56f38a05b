package org.hftfw.lazy;

import java.util.Arrays;

/**
 * The pool of {@link HeldEvent} holders: as many as updates were held at once at most, reused as holds end. A holder
 * of a flow that left the flow table while holding (evicted, expired) is not given back; the pool makes another when
 * it runs out. Single-threaded, like the replicator.
 */
final class HeldEvents {
    private HeldEvent[] spare = new HeldEvent[64];
    private int size;

    HeldEvent take() {
        if (size == 0) {
            return new HeldEvent();
        }
        HeldEvent h = spare[--size];
        spare[size] = null;
        return h;
    }

    void give(HeldEvent h) {
        h.clear();
        if (size == spare.length) {
            spare = Arrays.copyOf(spare, size * 2);
        }
        spare[size++] = h;
    }
}
