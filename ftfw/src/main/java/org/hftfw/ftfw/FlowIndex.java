package org.hftfw.ftfw;

import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.compact.SlotIndex;

/**
 * The FT-FW engine's queued node of each flow with a state not yet acknowledged, by flow id: an open-addressing
 * table of primitive and plain arrays in place of a {@code HashMap<FlowId, NodeQueue.Node>} (issue 14 item 4, the event
 * path under the daemon's compiler).
 *
 * <p>Design note. The map cost 11-16 % of C1's samples on the event path ({@code hftfw bench pipeline
 * --daemon-jit}, {@code perf}): C1 does not inline {@code HashMap}'s calls of {@code hashCode} and {@code equals}
 * (virtual calls from a shared method), and each flow costs a {@code HashMap.Node} of its own, one more object to
 * reach per lookup. Here the key hash ({@link #hash}, computed once per event by the caller and kept in the flow's
 * queue item) sits in an {@code int[]} beside a {@code [key, node]} pair array: a probe reads the hash array, and
 * only a cell whose hash matches reads its pair, where the key is compared by identity first (the event path hands
 * over the decoder's one key object per flow) and by value only when that fails. A removal, which the engine does
 * for a flow whose last change was long ago (its node acknowledged, or dropped from a full resend queue), finds the
 * cell by the kept hash and the key's identity and so never reads the cold key's tuple and addresses. Linear probing
 * from the hash's home cell ({@link SlotIndex#home}), load at most 3/4, growth by half ({@link SlotIndex#grown}), and
 * deletion by backward shift (Knuth's algorithm R, TAOCP 6.4), so a lookup stops at the first empty cell, as
 * {@link org.hftfw.conntrack.compact.FlowStore}'s index does. Like the map it replaces, the table keeps its largest
 * size while flows are in flight and is made anew once empty after {@value #REMADE_AFTER} removals (issue #12's
 * footprint: a burst of 100 000 unacknowledged flows must not leave its table for the daemon's lifetime). Not
 * thread-safe: the engine's event loop only.
 */
final class FlowIndex {
    private static final int MIN_CELLS = 16;
    /** Removals after which the table is made anew (at its least size) once it is empty. */
    static final int REMADE_AFTER = 4096;

    /** Each cell's key hash; meaningful only where the cell holds a pair. */
    private int[] hashes = new int[MIN_CELLS];
    /** Cell {@code c}'s key at {@code 2c} and node at {@code 2c + 1}; both null: an empty cell. */
    private Object[] pairs = new Object[2 * MIN_CELLS];
    private int size;
    private int removals;

    /** The hash this index keys {@code id} by. */
    static int hash(FlowId id) {
        int h = id.hashCode() * 0x9e3779b9;
        return h ^ h >>> 16;
    }

    /**
     * The node of the flow {@code id}, whose {@link #hash} is {@code hash}, or null. A key found equal but not
     * identical is replaced by {@code id}: the flow's later lookups, with the event path's key object of the flow
     * now, match by identity and read no key.
     */
    @SuppressWarnings("ReferenceEquality")                 // identity on purpose: which key object the cell keeps
    NodeQueue.Node get(FlowId id, int hash) {
        int cell = find(id, hash);
        if (cell < 0) {
            return null;
        }
        Object[] p = pairs;
        if (p[2 * cell] != id) {
            p[2 * cell] = id;                               // stored only when it changes: a reference store is not free
        }
        return (NodeQueue.Node) p[2 * cell + 1];
    }

    /** Maps the flow {@code id} (hash {@code hash}) to {@code node}, replacing its node if it has one. */
    @SuppressWarnings("ReferenceEquality")                 // the same key object first: no compare of its tuple
    void put(FlowId id, int hash, NodeQueue.Node node) {
        int cells = hashes.length;
        Object[] p = pairs;
        int cell = SlotIndex.home(hash, cells);
        for (Object k; (k = p[2 * cell]) != null; cell = SlotIndex.next(cell, cells)) {
            if (hashes[cell] == hash && (k == id || id.equals(k))) {
                p[2 * cell + 1] = node;
                return;
            }
        }
        hashes[cell] = hash;
        p[2 * cell] = id;
        p[2 * cell + 1] = node;
        if (++size * 4 > cells * 3) {
            rebuild(SlotIndex.grown(cells));
        }
    }

    /** Forgets the flow {@code id} (hash {@code hash}); returns whether it was mapped. */
    boolean remove(FlowId id, int hash) {
        int cell = find(id, hash);
        if (cell < 0) {
            return false;
        }
        deleteCell(cell);
        size--;
        if (++removals >= REMADE_AFTER && size == 0) {
            hashes = new int[MIN_CELLS];
            pairs = new Object[2 * MIN_CELLS];
            removals = 0;
        }
        return true;
    }

    int size() {
        return size;
    }

    /** Cells of the table now (its footprint: 12 bytes each). */
    int cells() {
        return hashes.length;
    }

    /** The cell holding {@code id}, or -1. */
    @SuppressWarnings("ReferenceEquality")                 // the same key object first: no compare of its tuple
    private int find(FlowId id, int hash) {
        int cells = hashes.length;
        Object[] p = pairs;
        for (int cell = SlotIndex.home(hash, cells); ; cell = SlotIndex.next(cell, cells)) {
            Object k = p[2 * cell];
            if (k == null) {
                return -1;
            }
            if (hashes[cell] == hash && (k == id || id.equals(k))) {
                return cell;
            }
        }
    }

    /** Empties {@code cell} and shifts back the cells of its probe run that could no longer be found. */
    private void deleteCell(int cell) {
        int cells = hashes.length;
        Object[] p = pairs;
        int hole = cell;
        for (int next = SlotIndex.next(hole, cells); p[2 * next] != null; next = SlotIndex.next(next, cells)) {
            int home = SlotIndex.home(hashes[next], cells);
            // move the entry into the hole unless its home lies cyclically in (hole, next]
            boolean homeAfterHole = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!homeAfterHole) {
                hashes[hole] = hashes[next];
                p[2 * hole] = p[2 * next];
                p[2 * hole + 1] = p[2 * next + 1];
                hole = next;
            }
        }
        p[2 * hole] = null;
        p[2 * hole + 1] = null;
    }

    private void rebuild(int cells) {
        int[] oldHashes = hashes;
        Object[] old = pairs;
        int[] h = new int[cells];
        Object[] p = new Object[2 * cells];
        for (int c = 0; c < oldHashes.length; c++) {
            if (old[2 * c] != null) {
                int cell = SlotIndex.home(oldHashes[c], cells);
                while (p[2 * cell] != null) {
                    cell = SlotIndex.next(cell, cells);
                }
                h[cell] = oldHashes[c];
                p[2 * cell] = old[2 * c];
                p[2 * cell + 1] = old[2 * c + 1];
            }
        }
        hashes = h;
        pairs = p;
    }
}
