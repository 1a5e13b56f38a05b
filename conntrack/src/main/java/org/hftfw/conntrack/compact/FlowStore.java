package org.hftfw.conntrack.compact;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Predicate;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.FlowId;

/**
 * One state per flow, keyed by the flow's original tuple and zone, each kept in {@link FlowCodec}'s encoded form:
 * about 11 bytes of table per flow (16 with an array of hashes) beside the encoded array, where a
 * {@code ConcurrentHashMap<FlowId, ConntrackEntry>} cost 24 (node) + 16 (key) + 176 (entry and tuples) + 8-16
 * (table) bytes. Thread-safe: every method holds the store's monitor for the few array accesses it needs; decoding
 * happens outside it.
 *
 * <p>Design note. Two arrays: a dense slot array holding the encoded entries, with a stack of emptied slots, and an
 * open-addressing index (linear probing, load at most 3/4, deletion by backward shift as in Knuth's algorithm R,
 * TAOCP 6.4) that maps a key hash to a slot number. Both grow by half (not doubling) and the index needs no
 * power-of-two size (a key's home cell is the hash's high bits scaled to the cell count, Lemire's multiply-shift
 * reduction): the arrays hold 1-1.5 times the cells their flows need instead of 1-2 times (the unused part about
 * halves on average), which at 100 000 flows is about 0.5 MB per store (issue #12's footprint goal; the internal
 * cache and the set of flows the backup holds are two stores of every flow). No array of key hashes beside the slots
 * (4 bytes a slot, 0.5 MB per store at 100 000 flows): an index cell keeps the slot number + 1 in its low
 * {@value #SLOT_BITS} bits and 8 bits of the key's hash above them, so a probe reads the key only when those 8 bits
 * match (1 in 256 of the other keys), and the rare moves that need a key's whole hash (a deletion's backward shift,
 * the index's growth) compute it from the stored key. Hence at most {@value #MAX_FLOWS} flows per store. A slot never
 * moves while its flow lives:
 * the index is rebuilt from the stored keys when it grows, and the slot array only grows (its capacity stays at
 * the largest size seen, as a hash map's table does). That is what makes {@link #entries()} weakly consistent like
 * a {@code ConcurrentHashMap}'s iterator, which the internal cache's migration walk relies on: it walks slot
 * numbers upwards, so a flow present for the whole walk is returned exactly once, at the state it has when the walk
 * reaches it, a flow removed before is not returned, and one added meanwhile may or may not be. A stored array is
 * written after it is stored only by {@link #update}, in place under the monitor (the event path's update of a known
 * flow: issue 14 item 4, no array per event), and only when the caller says no one else needs its old content; two
 * stores can share an array otherwise (the publisher's internal cache and its set of flows the backup holds). So the
 * decoding readers here ({@link #get}, {@link #entries()}) decode under the monitor, and a caller that reads an
 * array outside it holds the lock its writers hold.
 */
public final class FlowStore {
    private static final int MIN_CAPACITY = 16;
    /** Low bits of an index cell: the slot number + 1 (0: an empty cell); the 8 bits above: the key hash's low 8. */
    private static final int SLOT_BITS = 24;
    private static final int SLOT_MASK = (1 << SLOT_BITS) - 1;
    /** The most flows one store holds (slot numbers + 1 fit in {@value #SLOT_BITS} bits). */
    static final int MAX_FLOWS = SLOT_MASK;
    /** Capacity classes of spare arrays kept (states of up to 8 x this many bytes: every IPv4 and IPv6 entry's). */
    private static final int SPARE_CLASSES = 24;
    /**
     * Spare arrays kept at most, all classes together (about 50 KB of arrays when full): a burst of destroys beyond it
     * leaves the rest to the collector.
     */
    private static final int MAX_SPARES = 1024;

    /** Encoded entries by slot; null: free. */
    private byte[][] slots = new byte[MIN_CAPACITY][];
    /** Freed slots below {@link #highWater}, a stack (as long as the most slots that were free at once). */
    private int[] free = new int[0];
    private int freeCount;
    /** Open-addressing index: 0 for an empty cell, else 8 bits of the key's hash and slot + 1 ({@link #ref}). */
    private int[] index = new int[MIN_CAPACITY * 2];
    /** Slots below this have been used; {@link #free} holds the freed ones among them. */
    private int highWater;
    private int size;
    /**
     * Arrays no store holds any more ({@link #recycle}), by {@link FlowCodec#storedCapacity} (index: the capacity
     * over 8, one capacity per index), for the states of new flows; a class's stack is made when first needed.
     */
    private final byte[][][] spares = new byte[SPARE_CLASSES][][];
    private final int[] spareCounts = new int[SPARE_CLASSES];
    private int spareTotal;
    /** A lookup's key by {@link FlowId}, written under the monitor: no allocation per lookup. */
    private final byte[] scratch = new byte[FlowCodec.KEY_LEN_V6];

    /** Stores the entry's state, replacing the flow's previous one. */
    public void put(ConntrackEntry e) {
        put(FlowCodec.encode(e));
    }

    /**
     * Stores an encoded entry ({@link FlowCodec#encode}) or a bare {@link FlowCodec#key}, replacing the flow's
     * previous one, and returns its slot. The array is kept, not copied: it must not be written afterwards.
     *
     * @throws IllegalArgumentException if {@code encoded} does not start with a flow key
     */
    public int put(byte[] encoded) {
        return put(encoded, FlowCodec.keyHash(encoded));
    }

    /**
     * {@link #put(byte[])} with the key's {@link #hash} already at hand (one state stored in two stores, the event
     * path's: its key is hashed once).
     */
    @SuppressWarnings("ReferenceEquality")                 // identity on purpose: which array, not which bytes
    public synchronized int put(byte[] encoded, int hash) {
        int cell = find(encoded, hash);
        if (index[cell] != 0) {
            int slot = slotIn(index[cell]);
            if (slots[slot] != encoded) {
                slots[slot] = encoded;                      // the event path puts the array the slot holds: no store
            }
            return slot;
        }
        int slot = allocate();
        slots[slot] = encoded;
        index[cell] = ref(hash, slot);
        size++;
        if (size * 4 > index.length * 3) {
            rebuildIndex(SlotIndex.grown(index.length));
        }
        return slot;
    }

    /** The flow's state, or null. */
    public synchronized ConntrackEntry get(FlowId id) {
        byte[] b = getEncoded(id);
        return b == null ? null : FlowCodec.decode(b);
    }

    /**
     * Stores the entry encoded in {@code encoded[0, len)} ({@link FlowCodec#encode(org.hftfw.conntrack.EntryView,
     * byte[])}) as its flow's state and returns the array that holds it now: the flow's array rewritten in place
     * when the state fits it ({@link FlowCodec#fitsIn}) and it is not {@code keep} (an array someone else still
     * needs as it is), else a new one ({@link FlowCodec#store}). {@code encoded} itself is not kept.
     */
    // keep is compared by identity: it is one particular array (a queued copy's), not a value
    public byte[] update(byte[] encoded, int len, byte[] keep) {
        return update(encoded, len, keep, FlowCodec.keyHash(encoded));
    }

    /** {@link #update(byte[], int, byte[])} with the key's {@link #hash} already at hand. */
    @SuppressWarnings("ReferenceEquality")
    public synchronized byte[] update(byte[] encoded, int len, byte[] keep, int hash) {
        int cell = find(encoded, hash);
        if (index[cell] != 0) {
            int slot = slotIn(index[cell]);
            byte[] current = slots[slot];
            if (current != keep && FlowCodec.fitsIn(len, current.length)) {
                FlowCodec.writeStored(encoded, len, current);
                return current;
            }
            byte[] fresh = stored(encoded, len);
            slots[slot] = fresh;
            return fresh;
        }
        byte[] fresh = stored(encoded, len);
        put(fresh, hash);
        return fresh;
    }

    /**
     * Takes {@code free}, the array of a state that neither this store nor any other holds any more (nor anyone
     * else: the caller vouches for that), to hold a new state that fits it ({@link #update}) instead of a new array.
     * The event path hands it a destroyed flow's array (issue 14 item 4): as flows come and go, a new flow's state
     * then costs no allocation. At most {@value #MAX_SPARES} are kept, beyond that the collector takes them.
     */
    public synchronized void recycle(byte[] free) {
        int c = free.length >> 3;
        if (c >= SPARE_CLASSES || !FlowCodec.isStoredCapacity(free.length) || spareTotal == MAX_SPARES) {
            return;                                         // not a length update() asks for, or enough of them
        }
        byte[][] stack = spares[c];
        if (stack == null || spareCounts[c] == stack.length) {
            stack = stack == null ? new byte[MIN_CAPACITY][] : Arrays.copyOf(stack, 2 * stack.length);
            spares[c] = stack;                              // grown by doubling up to MAX_SPARES: amortised
        }
        stack[spareCounts[c]++] = free;
        spareTotal++;
    }

    /** The state in {@code encoded[0, len)} in a spare array of its capacity ({@link #recycle}), else a new one. */
    private byte[] stored(byte[] encoded, int len) {
        int capacity = FlowCodec.storedCapacity(len);
        int c = capacity >> 3;
        if (c < SPARE_CLASSES && spareCounts[c] > 0) {
            byte[][] stack = spares[c];
            byte[] spare = stack[--spareCounts[c]];
            stack[spareCounts[c]] = null;
            spareTotal--;
            FlowCodec.writeStored(encoded, len, spare);
            return spare;
        }
        return FlowCodec.store(encoded, len);
    }

    /**
     * Stores the state held in {@code stored} (an array of this or another store, not written here): the flow's own
     * array here gets a copy of it in place when it fits and is neither {@code stored} nor {@code keep} (an array
     * someone else still needs as it is); else the store keeps {@code stored} itself, shared. Returns the array that
     * holds the state now.
     */
    public byte[] updateFrom(byte[] stored, byte[] keep) {
        return updateFrom(stored, keep, FlowCodec.keyHash(stored));
    }

    /** {@link #updateFrom(byte[], byte[])} with the key's {@link #hash} already at hand. */
    @SuppressWarnings("ReferenceEquality")                 // identity on purpose: which array, not which bytes
    public synchronized byte[] updateFrom(byte[] stored, byte[] keep, int hash) {
        int cell = find(stored, hash);
        if (index[cell] != 0) {
            int slot = slotIn(index[cell]);
            byte[] current = slots[slot];
            int len = FlowCodec.entryLength(stored);
            if (current != stored && current != keep && FlowCodec.fitsIn(len, current.length)) {
                FlowCodec.writeStored(stored, len, current);
                return current;
            }
            slots[slot] = stored;
            return stored;
        }
        put(stored, hash);
        return stored;
    }

    /** The flow's state in encoded form (not to be written), or null. */
    public synchronized byte[] getEncoded(FlowId id) {
        int slot = slotOf(id);
        return slot < 0 ? null : slots[slot];
    }

    /**
     * The flow's slot, or -1. A slot number stays the flow's until it is removed, so arrays indexed by it (sized to
     * {@link #slotCapacity()}) can keep further values per flow beside the store.
     */
    public synchronized int slotOf(FlowId id) {
        FlowCodec.key(id, scratch);
        int ref = index[find(scratch, FlowCodec.keyHash(scratch))];
        return ref == 0 ? -1 : slotIn(ref);
    }

    /** One more than the largest slot number a flow can have now (slot numbers are below it). */
    public synchronized int slotCapacity() {
        return slots.length;
    }

    /** What slot {@code slot} holds (not to be written), or null when it is free. */
    public synchronized byte[] at(int slot) {
        return slots[slot];
    }

    /** Forgets the flow in {@code slot}; returns whether the slot was in use. */
    public synchronized boolean removeAt(int slot) {
        byte[] b = slots[slot];
        if (b == null) {
            return false;
        }
        int cell = find(b, FlowCodec.keyHash(b));
        release(slot);
        deleteCell(cell);
        return true;
    }

    /** The stored state of the flow whose key starts {@code keyOrEntry}, encoded (not to be written), or null. */
    public byte[] getEncoded(byte[] keyOrEntry) {
        return getEncoded(keyOrEntry, FlowCodec.keyHash(keyOrEntry));
    }

    /** {@link #getEncoded(byte[])} with the key's {@link #hash} already at hand. */
    public synchronized byte[] getEncoded(byte[] keyOrEntry, int hash) {
        int ref = index[find(keyOrEntry, hash)];
        return ref == 0 ? null : slots[slotIn(ref)];
    }

    /** The hash a store keys the flow whose key starts {@code keyOrEntry} by (the same in every store). */
    public static int hash(byte[] keyOrEntry) {
        return FlowCodec.keyHash(keyOrEntry);
    }

    public synchronized boolean contains(FlowId id) {
        return slotOf(id) >= 0;
    }

    /** Whether the flow whose key starts {@code keyOrEntry} (a {@link FlowCodec#key} or an encoded entry) is stored. */
    public boolean containsKey(byte[] keyOrEntry) {
        return getEncoded(keyOrEntry) != null;
    }

    /** Forgets the flow; returns whether it was stored. */
    public synchronized boolean remove(FlowId id) {
        return removeEncoded(id) != null;
    }

    /** Forgets the flow; returns the array that held its state (maybe shared with another store), or null. */
    public synchronized byte[] removeEncoded(FlowId id) {
        FlowCodec.key(id, scratch);
        int cell = find(scratch, FlowCodec.keyHash(scratch));  // one probe: the cell is emptied from here
        int ref = index[cell];
        if (ref == 0) {
            return null;
        }
        int slot = slotIn(ref);
        byte[] b = slots[slot];
        release(slot);
        deleteCell(cell);
        return b;
    }

    /** Forgets the flow whose key starts {@code keyOrEntry}; returns whether it was stored. */
    public synchronized boolean removeKey(byte[] keyOrEntry) {
        int cell = find(keyOrEntry, FlowCodec.keyHash(keyOrEntry));
        if (index[cell] == 0) {
            return false;
        }
        release(slotIn(index[cell]));
        deleteCell(cell);
        return true;
    }

    /** Forgets every flow whose encoded state fails {@code keep}; returns how many were removed. */
    public synchronized int retainIf(Predicate<byte[]> keep) {
        int removed = 0;
        for (int slot = 0; slot < highWater; slot++) {
            byte[] b = slots[slot];
            if (b != null && !keep.test(b)) {
                removeAt(slot);
                removed++;
            }
        }
        return removed;
    }

    /** Forgets every flow and gives the arrays back. */
    public synchronized void clear() {
        slots = new byte[MIN_CAPACITY][];
        free = new int[0];
        freeCount = 0;
        index = new int[MIN_CAPACITY * 2];
        highWater = 0;
        size = 0;
    }

    public synchronized int size() {
        return size;
    }

    /** The stored states, decoded as the iterator reaches them (weakly consistent, see the class comment). */
    public Iterator<ConntrackEntry> entries() {
        Iterator<byte[]> raw = encodedEntries();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return raw.hasNext();
            }

            @Override
            public ConntrackEntry next() {
                synchronized (FlowStore.this) {
                    return FlowCodec.decode(raw.next());    // under the monitor: update() may rewrite the array
                }
            }
        };
    }

    /** The stored states in encoded form (not to be written), weakly consistent as {@link #entries()}. */
    public Iterator<byte[]> encodedEntries() {
        return new Iterator<>() {
            private int slot;
            private byte[] next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    next = nextFrom();
                }
                return next != null;
            }

            private byte[] nextFrom() {
                synchronized (FlowStore.this) {
                    while (slot < highWater) {
                        byte[] b = slots[slot++];
                        if (b != null) {
                            return b;
                        }
                    }
                    return null;
                }
            }

            @Override
            public byte[] next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                byte[] b = next;
                next = null;
                return b;
            }
        };
    }

    /** The index cell holding {@code key}'s slot, or the empty cell where it would go. */
    private int find(byte[] key, int hash) {
        int cells = index.length;
        int tag = hash << SLOT_BITS;
        for (int cell = SlotIndex.home(hash, cells); ; cell = SlotIndex.next(cell, cells)) {
            int ref = index[cell];
            if (ref == 0) {
                return cell;
            }
            if ((ref & ~SLOT_MASK) == tag && FlowCodec.sameKey(slots[slotIn(ref)], key)) {
                return cell;
            }
        }
    }

    /** An index cell's value for {@code slot}, whose key has {@code hash}. */
    private static int ref(int hash, int slot) {
        return hash << SLOT_BITS | (slot + 1);
    }

    private static int slotIn(int ref) {
        return (ref & SLOT_MASK) - 1;
    }

    private int allocate() {
        if (freeCount > 0) {
            return free[--freeCount];
        }
        if (highWater == slots.length) {
            if (highWater == MAX_FLOWS) {
                throw new IllegalStateException("a flow store holds at most " + MAX_FLOWS + " flows");
            }
            slots = Arrays.copyOf(slots, Math.min(SlotIndex.grown(slots.length), MAX_FLOWS));
        }
        return highWater++;
    }

    private void release(int slot) {
        slots[slot] = null;
        if (freeCount == free.length) {
            free = Arrays.copyOf(free, Math.max(MIN_CAPACITY, SlotIndex.grown(free.length)));
        }
        free[freeCount++] = slot;
        size--;
    }

    /**
     * Empties {@code cell} and shifts back the cells of its probe run that could no longer be found (as
     * {@link SlotIndex#deleteCell}, each moved key's home from its stored key).
     */
    private void deleteCell(int cell) {
        int[] cellsOf = index;
        int cells = cellsOf.length;
        int hole = cell;
        for (int next = SlotIndex.next(hole, cells); cellsOf[next] != 0; next = SlotIndex.next(next, cells)) {
            int home = SlotIndex.home(FlowCodec.keyHash(slots[slotIn(cellsOf[next])]), cells);
            // move the entry into the hole unless its home lies cyclically in (hole, next]
            boolean homeAfterHole = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!homeAfterHole) {
                cellsOf[hole] = cellsOf[next];
                hole = next;
            }
        }
        cellsOf[hole] = 0;
    }

    /** A new index of {@code cells} cells over the used slots, each key's hash computed from the stored key. */
    private void rebuildIndex(int cells) {
        int[] fresh = new int[cells];
        for (int slot = 0; slot < highWater; slot++) {
            byte[] b = slots[slot];
            if (b != null) {
                int hash = FlowCodec.keyHash(b);
                int cell = SlotIndex.home(hash, cells);
                while (fresh[cell] != 0) {
                    cell = SlotIndex.next(cell, cells);
                }
                fresh[cell] = ref(hash, slot);
            }
        }
        index = fresh;
    }
}
