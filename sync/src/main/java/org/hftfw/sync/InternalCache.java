package org.hftfw.sync;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.compact.FlowCodec;
import org.hftfw.conntrack.compact.FlowStore;
import org.hftfw.migrator.StateMigrator;

/**
 * The primary's image of its own (filtered) table, kept from its events: conntrackd's internal cache
 * (conntrack-tools src/cache.c, src/internal_cache.c), which {@code conntrackd -B} sends without asking the kernel.
 *
 * <p>Design note. The issue-10 measurement of a migration through the daemons spent 643 ms of a 25 000-flow migration
 * dumping the kernel table in a fresh daemon; a migration from this cache starts sending at once. The publisher
 * writes it under its lock as it sees each accepted event (so every state it has published is here, and nothing
 * newer than what it will publish next), replaces it after an event overrun with the re-read table, and fills it once
 * at start. A migration's {@link #snapshot()} copies nothing (a copy of a million keys took 1.5 s on a loaded
 * machine): it walks the store with its weakly consistent iterator as the FT-FW channel's paced bulk asks
 * for flows, on the channel's thread. So a flow that changed during the migration goes out at its latest state (a
 * live change published meanwhile is never older than it, and never overtaken by an older one), a flow destroyed
 * before the walk reached it is skipped (its DESTROY went out live), and a flow created after the order may go out
 * twice, live and in the walk, which the receiver takes as an update. The states are kept encoded in a
 * {@link FlowStore} (about 100 bytes per flow with the set of flows the backup holds, which shares the arrays, where
 * the entry objects and two hash maps cost about 300: issue #12's footprint goal); its walk has the same weak
 * consistency as the concurrent map's it replaced, and each state is decoded as the walk reaches it.
 */
final class InternalCache {
    private final FlowStore flows = new FlowStore();

    /** Applies one accepted change, {@link FlowCodec#encode}d (called under the publisher's lock). */
    void update(byte[] encoded) {
        flows.put(encoded);
    }

    /**
     * Applies one accepted change encoded in {@code encoded[0, len)}, rewriting the flow's array in place unless it is
     * {@code keep} (the held set's array of the flow, which must keep the state last sent); returns the array that
     * holds the state now (called under the publisher's lock, see {@link FlowStore#update}); {@code hash}: the key's
     * {@link FlowStore#hash}.
     */
    byte[] update(byte[] encoded, int len, byte[] keep, int hash) {
        return flows.update(encoded, len, keep, hash);
    }

    /**
     * Forgets a destroyed flow; returns the array that held its state, which the held set may share, or null (called
     * under the publisher's lock).
     */
    byte[] remove(FlowId id) {
        return flows.removeEncoded(id);
    }

    /** Takes a state's array that no one holds any more for a new flow's state ({@link FlowStore#recycle}). */
    void recycle(byte[] free) {
        flows.recycle(free);
    }

    /** Replaces the whole image with {@code table}, already filtered and encoded (start, overrun resync). */
    void replace(Collection<byte[]> table) {
        FlowStore now = new FlowStore();
        for (byte[] e : table) {
            now.put(e);
        }
        flows.retainIf(now::containsKey);
        for (byte[] e : table) {
            flows.put(e);
        }
    }

    /** The cached state of the flow whose key starts {@code keyOrEntry}, encoded (not to be written), or null. */
    byte[] encoded(byte[] keyOrEntry) {
        return flows.getEncoded(keyOrEntry);
    }

    /** {@link #encoded(byte[])} with the key's {@link FlowStore#hash} already at hand. */
    byte[] encoded(byte[] keyOrEntry, int hash) {
        return flows.getEncoded(keyOrEntry, hash);
    }

    int size() {
        return flows.size();
    }

    /** Up to {@code n} of the cached states, e.g. for a warm-up. */
    List<ConntrackEntry> sample(int n) {
        List<ConntrackEntry> out = new ArrayList<>(Math.min(n, flows.size()));
        for (Iterator<ConntrackEntry> it = flows.entries(); it.hasNext() && out.size() < n; ) {
            out.add(it.next());
        }
        return out;
    }

    /** The cached states in encoded form, walked as {@link #snapshot()} does. */
    Iterator<byte[]> encodedEntries() {
        return flows.encodedEntries();
    }

    /** The flows in the cache, each read at its latest state as it is sent (see the class comment). */
    StateMigrator.Snapshot snapshot() {
        int size = flows.size();
        return new StateMigrator.Snapshot() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Iterator<ConntrackEntry> entries() {
                return flows.entries();
            }

            @Override
            public Iterator<ConntrackEntry> again(List<ConntrackEntry> lost) {
                return latest(lost.stream().map(ConntrackEntry::flowId).toList());
            }
        };
    }

    /** The latest state of each of {@code ids} still in the cache, read as the iterator advances. */
    private Iterator<ConntrackEntry> latest(Collection<FlowId> ids) {
        Iterator<FlowId> it = ids.iterator();
        return new Iterator<>() {
            private ConntrackEntry next;

            @Override
            public boolean hasNext() {
                while (next == null && it.hasNext()) {
                    next = flows.get(it.next());
                }
                return next != null;
            }

            @Override
            public ConntrackEntry next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                ConntrackEntry e = next;
                next = null;
                return e;
            }
        };
    }
}
