package org.hftfw.lazy;

import java.util.Arrays;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.compact.SlotIndex;

/**
 * The live-flow table: original tuple + zone → {@link FlowRecord}, bounded in size (least recently seen flow evicted
 * first) and in idle time (a flow without events for {@code idleNanos} is dropped, e.g. when its DESTROY was lost to
 * a netlink overrun). Evicted or expired records are marked {@link FlowRecord#gone} so that their pending deadlines
 * are ignored.
 *
 * <p>Design note. The replicator is single-threaded, and on the per-event path an access-ordered map costs a fraction
 * of a concurrent cache's maintenance (measured with {@code ClassifyLearnBench}). The records and the recency list
 * live in arrays indexed by slot numbers, which stay a flow's while it lives, with an open-addressing index from the
 * flow's hash to its slot as in {@code FlowStore} (linear probing, load at most 3/4, backward-shift deletion, arrays
 * grown by half, home cell by multiply-shift). A flow is named by its record, not by a key array of its own: the
 * record's knowledge-base tuple ({@link FlowRecord#key}: addresses, protocol) with its {@link FlowRecord#ports}
 * and {@link FlowRecord#zone}, so a lookup compares the event's {@link FlowId} with those fields and allocates
 * nothing (IPv6 aside: its addresses are read as a copy). About 30 bytes per flow beside the 80-byte record, where a
 * {@code FlowStore} of the flows' 20-byte keys cost 50 (the key array, its slot and index) and a
 * {@code LinkedHashMap<FlowId, FlowRecord>} 88 (entry, the event's {@code FlowId} and its original {@code Tuple})
 * (issue #12's footprint goal).
 */
final class FlowTable {
    private static final int NONE = -1;
    private static final int MIN_SLOTS = 16;

    /** Records by slot; null: free. */
    private FlowRecord[] records = new FlowRecord[MIN_SLOTS];
    /** Hash of each used slot's flow ({@link #hash}): the index is probed and rebuilt without reading the records. */
    private int[] hashes = new int[MIN_SLOTS];
    /** The recency list by slot: {@link #eldest} is the least recently seen flow; for a free slot, the next free one. */
    private int[] newer = new int[MIN_SLOTS];
    private int[] older = new int[MIN_SLOTS];
    /** Open-addressing index: slot number + 1, 0 for an empty cell. */
    private int[] index = new int[MIN_SLOTS * 2];
    /** Slots below this have been used; the free list holds the freed ones among them. */
    private int highWater;
    private int freeHead = NONE;
    private int size;
    private int eldest = NONE;
    private int youngest = NONE;
    private long max;
    private long idleNanos;
    private long evictions;

    FlowTable(long max, long idleNanos) {
        this.max = max;
        this.idleNanos = idleNanos;
    }

    /** The flow's record, now the most recently seen; its {@link FlowRecord#start} is the caller's to move. */
    FlowRecord get(FlowId id) {
        int slot = slotOf(id);
        if (slot < 0) {
            return null;
        }
        FlowRecord f = records[slot];
        unlink(slot);
        linkYoungest(slot);
        return f;
    }

    /**
     * Stores {@code f} as the flow's record, the most recently seen, replacing a previous one. Its
     * {@link FlowRecord#key} must be the knowledge base's tuple of the flow's original direction: with the ports and
     * zone set here, it names the flow.
     *
     * @throws IllegalArgumentException if {@code f}'s key is not the flow's tuple
     */
    void put(FlowId id, FlowRecord f) {
        Tuple t = id.original();
        if (f.key == null || f.key.l4proto() != t.l4proto() || !f.key.sameAddresses(t)) {
            throw new IllegalArgumentException("the record's knowledge-base tuple " + f.key + " is not " + t + "'s");
        }
        long ports = ports(t);
        int hash = hash(t, ports, id.zone());
        int cell = find(id, hash, ports);
        f.ports = ports;
        f.zone = (short) id.zone();
        int slot;
        if (index[cell] != 0) {
            slot = index[cell] - 1;
            unlink(slot);
            records[slot] = f;
        } else {
            slot = allocate();
            records[slot] = f;
            hashes[slot] = hash;
            index[cell] = slot + 1;
            size++;
            if (size * 4L > index.length * 3L) {
                rebuildIndex(SlotIndex.grown(index.length));
            }
        }
        linkYoungest(slot);
        if (size > max) {
            trim();
        }
    }

    void remove(FlowId id) {
        int slot = slotOf(id);
        if (slot >= 0) {
            drop(slot);
        }
    }

    /**
     * Drops flows idle for the idle limit or longer at {@code now}. A flow's last event is when its current state
     * began ({@link FlowRecord#start}: the replicator starts a state at every event of a flow it keeps), and the
     * recency list is in that order: every {@link #get} and {@link #put} is followed by the event's state.
     */
    void expire(long now) {
        while (eldest != NONE && now - records[eldest].start >= idleNanos) {
            evict(eldest);
        }
    }

    void resize(long newMax, long newIdleNanos) {
        max = newMax;
        idleNanos = newIdleNanos;
        trim();
    }

    long size() {
        return size;
    }

    long evictions() {
        return evictions;
    }

    /** The original tuple's ports, ICMP type, code and id in one long: what the flow's key tuple does not hold. */
    static long ports(Tuple t) {
        return (long) t.sport() << 48 | (long) t.dport() << 32 | (long) t.icmpType() << 24 | t.icmpCode() << 16
                | t.icmpId();
    }

    /** The flow's hash from the same fields its record names it by; the zone as the kernel's 16 bits. */
    private static int hash(Tuple t, long ports, int zone) {
        long h = t.src().hashCode();
        h = h * 0x9E3779B97F4A7C15L + t.dst().hashCode();
        h = h * 0x9E3779B97F4A7C15L + ports;
        h = h * 0x9E3779B97F4A7C15L + ((long) t.l4proto() << 16 | (zone & 0xffff));
        return (int) (h ^ (h >>> 32));
    }

    private int slotOf(FlowId id) {
        long ports = ports(id.original());
        return index[find(id, hash(id.original(), ports, id.zone()), ports)] - 1;
    }

    /** The index cell holding the flow's slot, or the empty cell where it would go. */
    private int find(FlowId id, int hash, long ports) {
        int cells = index.length;
        for (int cell = SlotIndex.home(hash, cells); ; cell = SlotIndex.next(cell, cells)) {
            int ref = index[cell];
            if (ref == 0) {
                return cell;
            }
            int slot = ref - 1;
            if (hashes[slot] == hash && names(records[slot], id, ports)) {
                return cell;
            }
        }
    }

    private static boolean names(FlowRecord f, FlowId id, long ports) {
        Tuple t = id.original();
        return f.ports == ports && f.zone == (short) id.zone() && f.key.l4proto() == t.l4proto()
                && f.key.sameAddresses(t);
    }

    /** The index cell holding {@code slot}. */
    private int cellOf(int slot) {
        int cells = index.length;
        int cell = SlotIndex.home(hashes[slot], cells);
        while (index[cell] != slot + 1) {
            cell = SlotIndex.next(cell, cells);
        }
        return cell;
    }

    private int allocate() {
        if (freeHead != NONE) {
            int slot = freeHead;
            freeHead = newer[slot];
            return slot;
        }
        if (highWater == records.length) {
            int n = SlotIndex.grown(records.length);
            records = Arrays.copyOf(records, n);
            hashes = Arrays.copyOf(hashes, n);
            newer = Arrays.copyOf(newer, n);
            older = Arrays.copyOf(older, n);
        }
        return highWater++;
    }

    private void trim() {
        while (size > max && eldest != NONE) {
            evict(eldest);
        }
    }

    private void evict(int slot) {
        records[slot].markGone();
        evictions++;
        drop(slot);
    }

    private void drop(int slot) {
        unlink(slot);
        int cell = cellOf(slot);
        records[slot] = null;
        newer[slot] = freeHead;
        freeHead = slot;
        size--;
        SlotIndex.deleteCell(index, hashes, cell);
    }

    private void rebuildIndex(int cells) {
        index = SlotIndex.rebuilt(cells, highWater, hashes, slot -> records[slot] != null);
    }

    private void linkYoungest(int slot) {
        older[slot] = youngest;
        newer[slot] = NONE;
        if (youngest == NONE) {
            eldest = slot;
        } else {
            newer[youngest] = slot;
        }
        youngest = slot;
    }

    private void unlink(int slot) {
        int o = older[slot];
        int n = newer[slot];
        if (o == NONE) {
            eldest = n;
        } else {
            newer[o] = n;
        }
        if (n == NONE) {
            youngest = o;
        } else {
            older[n] = o;
        }
    }
}
