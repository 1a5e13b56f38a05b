package org.hftfw.conntrack.compact;

import java.util.function.IntPredicate;

/**
 * The open-addressing index both compact flow stores keep over their slots ({@link FlowStore}, the lazy replicator's
 * flow table): an {@code int[]} of cells, each 0 (empty) or a reference to a slot, probed linearly from a key's home
 * cell. The flow table's cells hold the slot number + 1 and its slots' hashes are kept in a parallel {@code hashes}
 * array; the flow store's hold the slot number + 1 and 8 bits of the hash, which it computes from the stored key
 * where it needs it whole (its own deletion and growth). Deletion shifts back the rest of the
 * probe run (no tombstones, so a lookup stops at the first empty cell), and the arrays grow by half, not double: at
 * any size the stores hold 1-1.5 times the cells their flows need.
 */
public final class SlotIndex {
    private SlotIndex() { }

    /** The cell a key with {@code hash} is looked up from first: the hash's high bits scaled to {@code cells}. */
    public static int home(int hash, int cells) {
        return (int) (((hash & 0xffffffffL) * cells) >>> 32);
    }

    /** The cell probed after {@code cell}. */
    public static int next(int cell, int cells) {
        return cell + 1 == cells ? 0 : cell + 1;
    }

    /** An array's next length: half as long again. */
    public static int grown(int length) {
        return length + (length >> 1);
    }

    /** Empties {@code cell} and shifts back the cells of its probe run that could no longer be found. */
    public static void deleteCell(int[] index, int[] hashes, int cell) {
        int cells = index.length;
        int hole = cell;
        for (int next = next(hole, cells); index[next] != 0; next = next(next, cells)) {
            int home = home(hashes[index[next] - 1], cells);
            // move the entry into the hole unless its home lies cyclically in (hole, next]
            boolean homeAfterHole = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!homeAfterHole) {
                index[hole] = index[next];
                hole = next;
            }
        }
        index[hole] = 0;
    }

    /** A new index of {@code cells} cells over the slots below {@code highWater} that are {@code occupied}. */
    public static int[] rebuilt(int cells, int highWater, int[] hashes, IntPredicate occupied) {
        int[] fresh = new int[cells];
        for (int slot = 0; slot < highWater; slot++) {
            if (occupied.test(slot)) {
                int cell = home(hashes[slot], cells);
                while (fresh[cell] != 0) {
                    cell = next(cell, cells);
                }
                fresh[cell] = slot + 1;
            }
        }
        return fresh;
    }
}
