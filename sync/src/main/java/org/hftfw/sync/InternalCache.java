package org.hftfw.sync;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.FlowId;
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
 * machine): it walks the concurrent map with its weakly consistent iterator as the FT-FW channel's paced bulk asks
 * for flows, on the channel's thread. So a flow that changed during the migration goes out at its latest state (a
 * live change published meanwhile is never older than it, and never overtaken by an older one), a flow destroyed
 * before the walk reached it is skipped (its DESTROY went out live), and a flow created after the order may go out
 * twice, live and in the walk, which the receiver takes as an update.
 */
final class InternalCache {
    private final ConcurrentHashMap<FlowId, ConntrackEntry> flows = new ConcurrentHashMap<>();

    /** Applies one accepted change (called under the publisher's lock). */
    void update(FlowId id, ConntrackEntry e) {
        flows.put(id, e);
    }

    /** Forgets a destroyed flow (called under the publisher's lock). */
    void remove(FlowId id) {
        flows.remove(id);
    }

    /** Replaces the whole image with {@code table}, already filtered (start, overrun resync). */
    void replace(Map<FlowId, ConntrackEntry> table) {
        flows.keySet().retainAll(table.keySet());
        flows.putAll(table);
    }

    int size() {
        return flows.size();
    }

    /** Up to {@code n} of the cached states, e.g. for a warm-up. */
    List<ConntrackEntry> sample(int n) {
        return flows.values().stream().limit(n).toList();
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
                return flows.values().iterator();
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
