package org.hftfw.lazy;

import java.util.Arrays;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.compact.FlowCodec;
import org.hftfw.conntrack.compact.FlowStore;

/**
 * The live-flow table: original tuple + zone → {@link FlowRecord}, bounded in size (least recently seen flow evicted
 * first) and in idle time (a flow without events for {@code idleNanos} is dropped, e.g. when its DESTROY was lost to
 * a netlink overrun). Evicted or expired records are marked {@link FlowRecord#gone} so that their pending deadlines
 * are ignored.
 *
 * <p>Design note. The replicator is single-threaded, and on the per-event path an access-ordered map costs a fraction
 * of a concurrent cache's maintenance (measured with {@code ClassifyLearnBench}). The map is a {@link FlowStore} of
 * the flows' compact keys ({@link FlowCodec#key}, 20 bytes for IPv4) with the records and the recency list in arrays
 * indexed by the store's slot numbers, which stay a flow's while it lives: about 70 bytes per flow beside the record,
 * where a {@code LinkedHashMap<FlowId, FlowRecord>} kept an entry (32 bytes), the event's {@code FlowId} (16) and its
 * original {@code Tuple} (40, with its addresses) per flow (issue #12's footprint goal). A lookup writes the key into
 * the store's scratch array, so the per-event path allocates nothing here.
 */
final class FlowTable {
    private static final int NONE = -1;

    private final FlowStore keys = new FlowStore();
    private FlowRecord[] records = new FlowRecord[0];
    /** The recency list by slot: {@link #eldest} is the least recently seen flow. */
    private int[] newer = new int[0];
    private int[] older = new int[0];
    private int eldest = NONE;
    private int youngest = NONE;
    private long max;
    private long idleNanos;
    private long evictions;

    FlowTable(long max, long idleNanos) {
        this.max = max;
        this.idleNanos = idleNanos;
    }

    FlowRecord get(FlowId id, long now) {
        int slot = keys.slotOf(id);
        if (slot < 0) {
            return null;
        }
        FlowRecord f = records[slot];
        f.lastSeen = now;
        unlink(slot);
        linkYoungest(slot);
        return f;
    }

    void put(FlowId id, FlowRecord f, long now) {
        f.lastSeen = now;
        int slot = keys.slotOf(id);
        if (slot >= 0) {
            unlink(slot);
        } else {
            slot = keys.put(FlowCodec.key(id));
            if (slot >= records.length) {
                int n = keys.slotCapacity();
                records = Arrays.copyOf(records, n);
                newer = Arrays.copyOf(newer, n);
                older = Arrays.copyOf(older, n);
            }
        }
        records[slot] = f;
        linkYoungest(slot);
        if (keys.size() > max) {
            trim();
        }
    }

    void remove(FlowId id) {
        int slot = keys.slotOf(id);
        if (slot >= 0) {
            drop(slot);
        }
    }

    /** Drops flows idle for the idle limit or longer at {@code now}. */
    void expire(long now) {
        while (eldest != NONE && now - records[eldest].lastSeen >= idleNanos) {
            evict(eldest);
        }
    }

    void resize(long newMax, long newIdleNanos) {
        max = newMax;
        idleNanos = newIdleNanos;
        trim();
    }

    private void trim() {
        while (keys.size() > max && eldest != NONE) {
            evict(eldest);
        }
    }

    private void evict(int slot) {
        records[slot].gone = true;
        evictions++;
        drop(slot);
    }

    private void drop(int slot) {
        unlink(slot);
        records[slot] = null;
        keys.removeAt(slot);
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

    long size() {
        return keys.size();
    }

    long evictions() {
        return evictions;
    }
}
