package org.hftfw.sync;

import org.hftfw.common.Clock;
import org.hftfw.conntrack.FlowId;
import org.hftfw.common.InvalidConfigException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantLock;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.EventView;
import org.hftfw.conntrack.compact.FlowCodec;
import org.hftfw.conntrack.compact.FlowStore;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LazyReplicator;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.ReplicationSink;
import org.hftfw.migrator.StateMigrator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The primary's replication stage: table events in, FT-FW messages out.
 *
 * <p>Design note. Follows conntrackd's event path (conntrack-tools src/run.c {@code event_handler}, src/sync-mode.c):
 * an event passes the {@link FlowFilter}, then its {@link ReplicationMode} decides: every change goes straight to the
 * channel (as conntrackd does), or the Bayes {@link LazyReplicator} (hFT-FW paper, Sect. VI) decides and its sink
 * publishes what it sends. The stage keeps the set of flows it has put on the sync link (conntrackd's internal cache, here
 * only the last state sent), which gives three guarantees the lazy replicator alone does not:
 * <ul>
 *   <li>A DESTROY of a flow the backup holds is always sent, even when the replicator thinks the backup never got
 *       the flow (it was bulk-sent by a resync it did not see).</li>
 *   <li>On an event overrun (netlink ENOBUFS, {@code onOverrun}/{@code onResync}) the re-read table is the truth,
 *       compared with the set: flows the backup holds that are gone get a DESTROY, a live flow whose replicated
 *       state differs from the one last sent (or that was never sent) gets an UPDATE (replicate-all for the
 *       resync: the lazy replicator has no resync hook), a flow whose state is unchanged is not sent again (unless
 *       the link dropped states since the last repair: then every live flow is sent), and a deferred send older
 *       than the resync is discarded (the resync already carried a newer state).</li>
 *   <li>A bulk send ({@code -B}, a peer's RESYNC) refreshes the set from the table.</li>
 * </ul>
 * Beside that set it keeps the {@link InternalCache}, the image of the whole filtered table from every accepted
 * event (whatever the replication mode sends), from which a migration sends without dumping the kernel table.
 * Events arrive on the table's delivery thread, {@link #tick()} on a timer thread, bulk snapshots on the channel's
 * event loop: one lock serialises them (the lazy replicator is single-threaded). Time is the injected clock, on the
 * same base as the events' {@code monotonicNanos}. What is published goes to the {@link Outbound} in batches: the
 * end of a delivery batch ({@link #endOfBatch}), of a tick and of a resync ends one, and so does a quiesced step
 * before it runs (so nothing published before it can reach the link after what the step queues). Every batch ends
 * under the lock, which the outbound's single-producer batch relies on.
 *
 * <p>The per-event path allocates nothing for a known flow (issue 14 item 4): it reads the event reader's reused view
 * ({@link #onEvent(EventView)}), whose flow key the decoder keeps beside the flow's tuple (one per flow, {@code
 * MutableEntry#flowId}; a lazy replicator's held copy carries it along), encodes the state into a scratch array and
 * rewrites the flow's array in the internal cache in place ({@link InternalCache#update(byte[], int, byte[], int)}), which
 * the held set shares when the state is sent; the outbound copies the view into its batch. The cache's array is
 * rewritten only when no one needs its old content: when every change is sent, the held set takes the new state
 * anyway; when the lazy replicator decides, an array the held set shares keeps the state last sent and the cache
 * takes a new one, once per flow: from then on the held set's own array is rewritten with each state sent
 * ({@link FlowStore#updateFrom}), and the cache's with each change.
 */
public final class Publisher implements ConntrackEventListener {
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

    /** Counters of the stage. */
    public record Stats(long events, long filtered, long published, long destroysForced, long overruns, long resyncs,
                 long resyncDestroys, long resyncUpdates, long staleDeferredDropped, long bulkSnapshots,
                 int backupHolds, boolean lazyActive, boolean replicateAll, long resyncUnchanged) {}

    private final FlowFilter filter;
    private final Outbound out;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    /** The last state sent of each flow the backup holds; shares the encoded arrays with the cache where equal. */
    private final FlowStore held = new FlowStore();
    private final InternalCache cache = new InternalCache();
    /** The delivery thread's encoding of an event's state, grown when a state does not fit (onEvent only). */
    private byte[] eventScratch = new byte[256];
    /** The lazy sink's encoding of the state it sends (under the lock). */
    private byte[] sinkScratch = new byte[256];
    private ReplicationMode mode = new ReplicationMode.EveryChange();
    private boolean replicateAll;
    private long resyncAtNanos = Long.MIN_VALUE;
    private long events;
    private long filtered;
    private long published;
    private long destroysForced;
    private long overruns;
    private long resyncs;
    private long resyncDestroys;
    private long resyncUpdates;
    private long resyncUnchanged;
    private long droppedAtLastRepair;
    private long staleDeferredDropped;
    private long bulkSnapshots;

    Publisher(FlowFilter filter, Outbound out, Clock clock) {
        this.filter = filter;
        this.out = out;
        this.clock = clock;
    }

    /** Replicates every change from now on. */
    void replicateEveryChange() {
        use(new ReplicationMode.EveryChange());
    }

    /** Replicates through a lazy replicator from now on, starting from {@code model}, on this stage's clock. */
    void replicateLazily(LazyConfig config, LearnedModel model) {
        LOG.info("lazy replication starting from {}", model.isEmpty() ? "no knowledge" : model);
        use(new ReplicationMode.Lazy(new LazyReplicator(config, lazySink(), clock, model)));
    }

    private void use(ReplicationMode next) {
        lock.lock();
        try {
            mode = next;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Holds live replication still while a migration dumps the table and queues it (see
     * {@link org.hftfw.migrator.StateMigrator.Quiesce}): no live change is published between the dump and the
     * queueing of its snapshot, so a snapshot never overwrites a newer change on the link. Events keep queueing in
     * the table's event queue (the kernel's event socket) meanwhile. The node combines it with the event
     * subscription's {@code whileQuiet}, which first delivers the events queued before the dump, so none of them can
     * carry an older state than the dump read after it.
     */
    StateMigrator.Quiesce quiesce() {
        return new StateMigrator.Quiesce() {
            @Override
            public <T> T whileQuiet(Callable<T> step) throws Exception {
                lock.lock();
                try {
                    out.endOfBatch();
                    return step.call();
                } finally {
                    lock.unlock();
                }
            }
        };
    }

    /** The sink of this stage's lazy replicator: its decisions are published here. */
    private ReplicationSink lazySink() {
        return new ReplicationSink() {
            @Override
            public void send(ConntrackEvent event, long atNanos) {
                send((EventView) event, atNanos);
            }

            @Override
            public void send(EventView event, long atNanos) {
                if (replicateAll) {
                    return;                                 // already sent directly (replicate-all while migrating)
                }
                if (event.monotonicNanos() < resyncAtNanos) {
                    staleDeferredDropped++;
                    return;
                }
                EntryView entry = event.entry();
                Publisher.this.send(event.type(), entry, entry.flowId(),
                        event.type() == EventType.DESTROY ? null : cachedIfSame(entry));
            }
        };
    }

    @Override
    public void onEvent(ConntrackEvent e) {
        onEvent((EventView) e);
    }

    /** One event, possibly the event reader's reused view: nothing of it is kept but copies (see the class comment). */
    @Override
    public void onEvent(EventView e) {
        if (!filter.accepts(e)) {
            lock.lock();
            try {
                filtered++;
            } finally {
                lock.unlock();
            }
            return;
        }
        EntryView entry = e.entry();
        FlowId id = entry.flowId();                         // once per event: the cache, the held set and the link share it
        boolean destroy = e.type() == EventType.DESTROY;
        int len = destroy ? 0 : encodeEvent(entry);         // the encoded state, into the scratch (none for a DESTROY)
        int hash = destroy ? 0 : FlowStore.hash(eventScratch);  // once for both stores
        lock.lock();
        try {
            events++;
            byte[] encoded = null;
            byte[] dropped = null;
            if (destroy) {
                dropped = cache.remove(id);
            } else {
                // in place, unless the lazy replicator decides and the held set shares the array (class comment)
                boolean sentNow = replicateAll || mode instanceof ReplicationMode.EveryChange;
                encoded = cache.update(eventScratch, len, sentNow ? null : held.getEncoded(eventScratch, hash), hash);
            }
            // the mode always sees the change (a lazy replicator keeps learning while every change is replicated)
            byte[] heldDropped = null;
            if (mode.sendsNow(e, id) || replicateAll) {
                heldDropped = send(e.type(), entry, id, encoded, hash);
            } else if (destroy && held.contains(id)) {
                destroysForced++;
                heldDropped = send(EventType.DESTROY, entry, id, null);
            }
            if (destroy) {
                recycle(dropped, heldDropped);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives a destroyed flow's arrays to the internal cache for the next new flows' states (no array per NEW as flows
     * come and go: issue 14 item 4): the cache's and the held set's, once each (they may be one array). Neither store
     * holds the flow any more (a DESTROY not sent now finds the flow out of the held set, or is forced). No one else
     * holds them: the outbound, the FT-FW queue and the lazy replicator copy the view, a bulk or a resync encodes
     * arrays of its own, and the stores' readers on other threads (a migration's walk) decode under the store's
     * monitor, so they read a recycled array whole, as a live state of the flow it holds now (a flow created during
     * the walk may go out twice, as the cache's class comment allows).
     */
    @SuppressWarnings("ReferenceEquality")                 // identity on purpose: one array given once
    private void recycle(byte[] cached, byte[] heldState) {
        if (cached != null) {
            cache.recycle(cached);
        }
        if (heldState != null && heldState != cached) {
            cache.recycle(heldState);
        }
    }

    /** Hands what the delivery batch published to the outbound in one step. */
    @Override
    public void endOfBatch() {
        lock.lock();
        try {
            out.endOfBatch();
        } finally {
            lock.unlock();
        }
    }

    /** Encodes the event's state into {@link #eventScratch}, grown if it does not fit; returns its length. */
    private int encodeEvent(EntryView entry) {
        int len = FlowCodec.encode(entry, eventScratch);
        if (len < 0) {
            eventScratch = new byte[-len];
            len = FlowCodec.encode(entry, eventScratch);
        }
        return len;
    }

    /**
     * The internal cache's array when it holds the same state as {@code entry} (an immediate send, or a deferred send
     * of the flow's current state: the usual cases), so that the held set shares it instead of keeping a copy; else
     * a new array of the state.
     */
    private byte[] cachedIfSame(EntryView entry) {
        int len = FlowCodec.encode(entry, sinkScratch);
        if (len < 0) {
            sinkScratch = new byte[-len];
            len = FlowCodec.encode(entry, sinkScratch);
        }
        byte[] cached = cache.encoded(sinkScratch);
        return cached != null && FlowCodec.sameEntry(cached, sinkScratch, len) ? cached
                : Arrays.copyOf(sinkScratch, len);
    }

    private void send(EventType type, ConntrackEntry entry) {
        send(type, entry, entry.flowId(), type == EventType.DESTROY ? null : FlowCodec.encode(entry));
    }

    /**
     * Publishes {@code entry} (possibly a reused view: the outbound copies it); {@code encoded} is its
     * {@link FlowCodec} form (null for a DESTROY). Returns the array of the flow's state the held set dropped for a
     * DESTROY, else null.
     */
    private byte[] send(EventType type, EntryView entry, FlowId id, byte[] encoded) {
        return send(type, entry, id, encoded, encoded == null ? 0 : FlowStore.hash(encoded));
    }

    /** {@link #send(EventType, EntryView, FlowId, byte[])} with the key's {@link FlowStore#hash} at hand. */
    private byte[] send(EventType type, EntryView entry, FlowId id, byte[] encoded, int hash) {
        byte[] dropped = null;
        if (type == EventType.DESTROY) {
            dropped = held.removeEncoded(id);
        } else if (replicateAll || mode instanceof ReplicationMode.EveryChange) {
            held.put(encoded, hash);                        // shares the cache's array, rewritten with every change
        } else {
            // the lazy replicator decides: the held set keeps the state sent in its own array where it has one (the
            // cache's is rewritten by the flow's next change), else shares the cache's
            held.updateFrom(encoded, cache.encoded(encoded, hash), hash);
        }
        published++;
        out.publish(type, entry, id);
        return dropped;
    }

    /**
     * Replicates every change (true) or lets the lazy replicator decide again (false). The proactive path switches
     * this on when a migration is ordered: the failure is expected, so nothing may be held back until the handover.
     * While it is on, every accepted change is sent directly; the lazy replicator still sees the events (it keeps
     * learning) but what it would send is suppressed, and a deferred send older than either switch is dropped (a
     * newer state has been sent directly).
     */
    void replicateAll(boolean on) {
        lock.lock();
        try {
            if (replicateAll != on) {
                replicateAll = on;
                resyncAtNanos = Math.max(resyncAtNanos, clock.nanos());
            }
        } finally {
            lock.unlock();
        }
    }

    /** Sweeps the lazy replicator's deadlines (deferred sends go out); called from a timer. */
    void tick() {
        lock.lock();
        try {
            mode.tick();
            out.endOfBatch();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onOverrun(long overrunsSoFar) {
        lock.lock();
        try {
            overruns++;
        } finally {
            lock.unlock();
        }
        LOG.warn("kernel event overrun #{}: events were lost; the replicated state will be reconciled with the "
                + "resync dump that follows", overrunsSoFar);
    }

    /**
     * Reconciles after an overrun: the re-read table is the truth, and only what differs from the set of flows the
     * backup holds goes out (issue 14: repairing 2 + 9 overruns by sending the whole table each time cost 206 000
     * messages for 96 000 changes). conntrackd's resync ({@code internal_cache_ct_resync} in src/sync-mode.c) sends
     * every live entry again; the set here keeps the last state sent, so an entry whose replicated state equals it
     * is known to be on the backup already, as long as the link delivered everything published: when it dropped
     * states since the last repair (its queues overflowed: a burst the peer did not acknowledge in time), the set
     * is not exact and every live flow is sent, as conntrackd does.
     */
    @Override
    public void onResync(List<ConntrackEntry> table) {
        long dropped = statesDropped();                     // before the lock: it may wait for the channel's loop
        lock.lock();
        try {
            resyncs++;
            resyncAtNanos = clock.nanos();
            long droppedSince = dropped < 0 ? -1 : dropped - droppedAtLastRepair;
            boolean exact = droppedSince == 0;
            if (dropped >= 0) {
                droppedAtLastRepair = dropped;
            }
            Map<FlowId, ConntrackEntry> now = HashMap.newHashMap(table.size());
            FlowStore nowKeys = new FlowStore();
            for (ConntrackEntry e : table) {
                if (filter.admits(e)) {
                    now.put(e.flowId(), e);
                }
            }
            List<byte[]> nowEncoded = new ArrayList<>(now.size());
            for (ConntrackEntry e : now.values()) {
                byte[] encoded = FlowCodec.encode(e);
                nowEncoded.add(encoded);
                nowKeys.put(encoded);
            }
            List<ConntrackEntry> gone = new ArrayList<>();
            for (Iterator<byte[]> h = held.encodedEntries(); h.hasNext(); ) {
                byte[] last = h.next();
                if (!nowKeys.containsKey(last)) {
                    gone.add(FlowCodec.decode(last));
                }
            }
            for (ConntrackEntry e : gone) {
                send(EventType.DESTROY, e);
            }
            int updates = 0;
            for (byte[] encoded : nowEncoded) {
                byte[] last = held.getEncoded(encoded);
                if (!exact || last == null || !ReplicatedState.same(FlowCodec.decode(last), FlowCodec.decode(encoded))) {
                    ConntrackEntry e = FlowCodec.decode(encoded);
                    send(EventType.UPDATE, e, e.flowId(), encoded);
                    updates++;
                }
            }
            cache.replace(nowEncoded);
            resyncDestroys += gone.size();
            resyncUpdates += updates;
            resyncUnchanged += now.size() - updates;
            out.endOfBatch();
            if (exact) {
                LOG.info("resync after overrun: {} changed flows sent, {} gone flows destroyed on the peer, {} "
                        + "unchanged flows not sent again", updates, gone.size(), now.size() - updates);
            } else {
                LOG.warn("resync after overrun: the FT-FW link dropped {} states since the last repair, so every "
                        + "flow was sent ({}); {} gone flows destroyed on the peer",
                        droppedSince < 0 ? "an unknown number of" : droppedSince, updates, gone.size());
            }
        } finally {
            lock.unlock();
        }
    }

    /** What the outbound says it dropped, or -1 when it cannot tell (the channel closing or not answering). */
    private long statesDropped() {
        try {
            return out.statesDropped();
        } catch (RuntimeException e) {
            LOG.warn("cannot tell whether the FT-FW link dropped states: {}", e.getMessage());
            return -1;
        }
    }

    @Override
    public void onError(ConntrackException error) {
        LOG.error("conntrack event subscription failed, the primary no longer replicates: {}", error.getMessage());
    }

    /**
     * The filtered table for a bulk send (the channel's resync source); the flows become "held by the backup".
     * Called on the channel's event loop.
     */
    Collection<ConntrackEntry> bulkSnapshot(Collection<ConntrackEntry> table) {
        List<ConntrackEntry> accepted = new ArrayList<>(table.size());
        for (ConntrackEntry e : table) {
            if (filter.admits(e)) {
                accepted.add(e);
            }
        }
        List<byte[]> encoded = new ArrayList<>(accepted.size());
        for (ConntrackEntry e : accepted) {
            encoded.add(FlowCodec.encode(e));
        }
        lock.lock();
        try {
            bulkSnapshots++;
            held.clear();
            for (byte[] e : encoded) {
                held.put(e);
            }
        } finally {
            lock.unlock();
        }
        return accepted;
    }

    /** The flows the backup holds, a copy: conntrackd's internal cache as {@code conntrackd -i} lists it. */
    List<ConntrackEntry> held() {
        lock.lock();
        try {
            List<ConntrackEntry> all = new ArrayList<>(held.size());
            for (Iterator<ConntrackEntry> it = held.entries(); it.hasNext(); ) {
                all.add(it.next());
            }
            return all;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fills the internal cache from a read of the table at start (the table's events are held meanwhile, see the
     * node's start); returns the number of flows it holds.
     */
    int fillCache(Collection<ConntrackEntry> table) {
        List<byte[]> accepted = new ArrayList<>(table.size());
        for (ConntrackEntry e : table) {
            if (filter.admits(e)) {
                accepted.add(FlowCodec.encode(e));
            }
        }
        lock.lock();
        try {
            cache.replace(accepted);
            return cache.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The flows a migration sends, from the internal cache (no kernel dump). Each flow's state is read as it is sent
     * (see {@link InternalCache}). When the migration has ended they become "held by the backup", as a bulk send's
     * do; until then replicate-all is on, which sends every DESTROY anyway.
     */
    StateMigrator.Snapshot migrationSnapshot() {
        lock.lock();
        try {
            bulkSnapshots++;
            StateMigrator.Snapshot snap = cache.snapshot();
            return new StateMigrator.Snapshot() {
                @Override
                public int size() {
                    return snap.size();
                }

                @Override
                public Iterator<ConntrackEntry> entries() {
                    return snap.entries();
                }

                @Override
                public Iterator<ConntrackEntry> again(List<ConntrackEntry> lost) {
                    return snap.again(lost);
                }

                @Override
                public void ended() {
                    markHeld();
                }
            };
        } finally {
            lock.unlock();
        }
    }

    private void markHeld() {
        lock.lock();
        try {
            for (Iterator<byte[]> all = cache.encodedEntries(); all.hasNext(); ) {
                held.put(all.next());
            }
        } finally {
            lock.unlock();
        }
    }

    /** Up to {@code n} states of the internal cache (warm-up samples). */
    List<ConntrackEntry> cacheSample(int n) {
        return cache.sample(n);
    }

    /** Flows in the internal cache. */
    int cacheSize() {
        return cache.size();
    }

    /** Forgets what the backup holds ({@code hftfw sync flush}). */
    void flush() {
        lock.lock();
        try {
            held.clear();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Applies a new lazy configuration; throws the replicator's InvalidConfigException and keeps the old one.
     * Only while lazy replication is on.
     */
    void reconfigureLazy(LazyConfig config) {
        lock.lock();
        try {
            if (!(mode instanceof ReplicationMode.Lazy lazy)) {
                throw new IllegalStateException("lazy replication is off");
            }
            lazy.reconfigure(config);
        } finally {
            lock.unlock();
        }
    }

    /** What the lazy replicator has learned (to save the model file); empty when every change is replicated. */
    Optional<LearnedModel> lazySnapshot() {
        lock.lock();
        try {
            return mode instanceof ReplicationMode.Lazy lazy ? Optional.of(lazy.snapshot()) : Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /** How this stage replicates now: every change, or lazily with the replicator's settings and metrics. */
    public Replication replication() {
        lock.lock();
        try {
            return mode.status();
        } finally {
            lock.unlock();
        }
    }

    public Stats stats() {
        lock.lock();
        try {
            return new Stats(events, filtered, published, destroysForced, overruns, resyncs, resyncDestroys,
                    resyncUpdates, staleDeferredDropped, bulkSnapshots, held.size(), mode instanceof ReplicationMode.Lazy,
                    replicateAll, resyncUnchanged);
        } finally {
            lock.unlock();
        }
    }

    FlowFilter filter() {
        return filter;
    }
}
