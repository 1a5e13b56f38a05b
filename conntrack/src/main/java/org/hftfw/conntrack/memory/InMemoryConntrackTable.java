package org.hftfw.conntrack.memory;

import org.hftfw.common.Clock;
import org.hftfw.conntrack.FlowId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackException.EntryExistsException;
import org.hftfw.conntrack.ConntrackException.NoSuchEntryException;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;

/**
 * A conntrack table held in memory with the kernel table's semantics, for tests, log replay and simulation.
 *
 * <p>Design note. The rules follow the kernel's ctnetlink ({@code net/netfilter/nf_conntrack_netlink.c}) and
 * were checked against kernel 6.18 with {@code conntrack -I/-U}:
 * <ul>
 *   <li>Entries are hashed under both their original and their reply tuple, per zone
 *       ({@code nf_conntrack_hash_check_insert}); a create whose original <em>or</em> reply tuple equals either
 *       tuple of an existing entry in the same zone fails with EEXIST. {@link #get}, {@link #update} and
 *       {@link #delete} address an entry by its original tuple, as {@link ConntrackTable} specifies.</li>
 *   <li>A create needs a timeout (CTA_TIMEOUT is mandatory: EINVAL otherwise) and a TCP state within
 *       {@link TcpState} (EINVAL otherwise); a TCP entry without a state gets NONE. Status bits userspace may
 *       not set ({@link Status#KERNEL_ONLY}) are ignored and CONFIRMED is set, as for every entry in the
 *       kernel hash. The id is kept when non-zero and otherwise taken from a monotonic counter; {@code use}
 *       becomes 1 and the start timestamp is taken from the wall clock when absent.</li>
 *   <li>An update changes status, timeout (when &ge; 0), mark, protocol state (when &ge; 0) and TCP window
 *       details (when present), never the tuples. As in {@code nf_ct_change_status_common}, clearing
 *       SEEN_REPLY or ASSURED fails with EBUSY and the unchangeable bits (NAT, EXPECTED, CONFIRMED, DYING,
 *       SEQ_ADJUST, TEMPLATE, UNTRACKED, OFFLOAD, HW_OFFLOAD) keep their value.</li>
 *   <li>Timeouts count down on the injected nanosecond clock. Expired entries stay in the table until
 *       {@link #expire()} removes them, as the kernel's garbage collector does (the testbed saw DESTROY events
 *       up to a minute after expiry); dumps report the remaining whole seconds, never below 0.</li>
 * </ul>
 *
 * <p>Events: NEW on create, UPDATE on update, DESTROY on delete, flush and expiry. A DESTROY for an expired
 * entry carries no timeout (-1), like the kernel's GC events; one for a deleted entry carries the remaining
 * timeout. Events are stamped with the injected clocks. {@link #subscribe} delivers <b>synchronously</b> on the
 * mutating thread while the table lock is held, so a test sees the event before the mutating call returns;
 * this differs from the kernel table, which delivers on its own thread. {@link #subscribeQueued} and
 * {@link #subscribeAsync} put a bounded queue in between that overruns like a netlink socket (see
 * {@link QueuedSubscription}).
 *
 * <p>Thread safety: every operation takes one lock; {@link #dump} copies the table under the lock and streams
 * the copy afterwards, so a slow sink never blocks writers. Safe for any number of threads.
 */
public final class InMemoryConntrackTable implements ConntrackTable {
    /** EBUSY, the kernel's answer to clearing SEEN_REPLY or ASSURED. */
    static final int EBUSY = 16;
    /** {@code IPS_UNCHANGEABLE_MASK}: bits an update cannot change. */
    static final long UNCHANGEABLE = Status.SRC_NAT | Status.DST_NAT | Status.SRC_NAT_DONE | Status.DST_NAT_DONE
            | Status.EXPECTED | Status.CONFIRMED | Status.DYING | Status.SEQ_ADJUST | Status.TEMPLATE
            | Status.UNTRACKED | Status.OFFLOAD | Status.HW_OFFLOAD;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int MAX_REPORTED_ERRORS = 10;

    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    /** Original tuple → slot, in insertion order (dump order). */
    private final LinkedHashMap<FlowId, Slot> byOriginal = new LinkedHashMap<>();
    /** Both tuples of every entry → the entry's original key (the kernel's two hash nodes per entry). */
    private final Map<FlowId, FlowId> byEitherTuple = new HashMap<>();
    private final List<TableSubscription> subscriptions = new CopyOnWriteArrayList<>();
    private final TableCounters counters = new TableCounters();
    private long nextId = 1;
    /** The origin stamped on the events of the write in progress (set under the lock by a {@link #handle}). */
    private int writeOrigin = ConntrackEvent.ORIGIN_KERNEL;
    private int nextOrigin = 1;
    private volatile boolean closed;

    private InMemoryConntrackTable(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A new empty table.
     *
     * @param clock its monotonic nanoseconds drive timeouts and stamp events' {@code monotonicNanos}; its wall clock
     *              stamps events and start/stop timestamps
     */
    public static InMemoryConntrackTable create(Clock clock) {
        return new InMemoryConntrackTable(clock);
    }

    /**
     * A second handle on this table whose writes cause events with an origin of their own ({@link
     * ConntrackTable#origin()}), as a second netlink request socket does on the kernel's table; writes through this
     * table itself stay {@link ConntrackEvent#ORIGIN_KERNEL} (they stand for the kernel's own changes in tests).
     * Closing the handle leaves the table open.
     */
    public ConntrackTable handle() {
        lock.lock();
        try {
            return new OriginHandle(this, nextOrigin++);
        } finally {
            lock.unlock();
        }
    }

    /** Runs one write of a {@link #handle} with its origin on the events it causes. */
    <T> T as(int origin, java.util.function.Supplier<T> write) {
        lock.lock();
        int outer = writeOrigin;
        try {
            writeOrigin = origin;
            return write.get();
        } finally {
            writeOrigin = outer;
            lock.unlock();
        }
    }

    /** A subscription whose events wait in a bounded queue; see {@link BoundedQueueSubscription}'s contract. */
    public interface QueuedSubscription extends EventSubscription {
        /**
         * Delivers every queued event to the listener on the calling thread; after an overrun, once the queue
         * is empty, calls {@code onOverrun} and {@code onResync} with the table as it is now. Returns the
         * number of events delivered.
         */
        int deliverPending();

        /** Events dropped because the queue was full or an overrun was pending. */
        long droppedEvents();

        /** Overruns reported to the listener so far. */
        long overruns();

        /** Events waiting in the queue. */
        int queued();

        int capacity();
    }

    @Override
    public long dump(Consumer<ConntrackEntry> sink) {
        List<ConntrackEntry> copy = list();
        copy.forEach(sink);
        return copy.size();
    }

    @Override
    public List<ConntrackEntry> list() {
        lock.lock();
        try {
            checkOpen();
            long now = clock.nanos();
            List<ConntrackEntry> copy = new ArrayList<>(byOriginal.size());
            for (Slot s : byOriginal.values()) {
                copy.add(withRemainingTimeout(s, now));
            }
            return copy;
        } finally {
            lock.unlock();
        }
    }

    /** Number of entries (expired ones not yet removed by {@link #expire()} included). */
    public int size() {
        lock.lock();
        try {
            return byOriginal.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<ConntrackEntry> get(Tuple original, int zone) {
        lock.lock();
        try {
            checkOpen();
            Slot s = byOriginal.get(new FlowId(original, zone));
            return s == null ? Optional.empty() : Optional.of(withRemainingTimeout(s, clock.nanos()));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void create(ConntrackEntry entry) {
        lock.lock();
        try {
            checkOpen();
            failing(() -> insert(entry));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void update(ConntrackEntry entry) {
        lock.lock();
        try {
            checkOpen();
            failing(() -> change(entry));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void delete(Tuple original, int zone) {
        lock.lock();
        try {
            checkOpen();
            failing(() -> {
                FlowId key = new FlowId(original, zone);
                Slot s = byOriginal.get(key);
                if (s == null) {
                    throw ConntrackException.of(ConntrackException.ENOENT, "delete " + original + " zone " + zone);
                }
                long now = clock.nanos();
                remove(key, s);
                emit(EventType.DESTROY, stopped(withRemainingTimeout(s, now)), now);
            });
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() {
        lock.lock();
        try {
            checkOpen();
            long now = clock.nanos();
            List<Slot> all = new ArrayList<>(byOriginal.values());
            byOriginal.clear();
            byEitherTuple.clear();
            for (Slot s : all) {
                emit(EventType.DESTROY, stopped(withRemainingTimeout(s, now)), now);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes every entry whose timeout has elapsed on the nanosecond clock, emitting a DESTROY (without
     * timeout) for each, oldest deadline first. Returns how many were removed.
     */
    public int expire() {
        lock.lock();
        try {
            checkOpen();
            long now = clock.nanos();
            List<Map.Entry<FlowId, Slot>> due = new ArrayList<>();
            for (Map.Entry<FlowId, Slot> e : byOriginal.entrySet()) {
                if (e.getValue().deadlineNanos() - now <= 0) {
                    due.add(e);
                }
            }
            due.sort((a, b) -> Long.compare(a.getValue().deadlineNanos() - now, b.getValue().deadlineNanos() - now));
            for (Map.Entry<FlowId, Slot> e : due) {
                remove(e.getKey(), e.getValue());
                ConntrackEntry last = e.getValue().entry().toBuilder().timeout(-1).build();
                emit(EventType.DESTROY, stopped(last), now);
            }
            return due.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public BatchResult createAll(Collection<ConntrackEntry> entries, boolean replaceExisting) {
        lock.lock();
        try {
            checkOpen();
            int created = 0;
            int updated = 0;
            int failed = 0;
            List<String> errors = new ArrayList<>();
            for (ConntrackEntry e : entries) {
                try {
                    try {
                        insert(e);
                        created++;
                    } catch (EntryExistsException exists) {
                        if (!replaceExisting || !byOriginal.containsKey(e.flowId())) {
                            throw exists;
                        }
                        change(e);
                        updated++;
                    }
                } catch (ConntrackException | IllegalArgumentException ex) {
                    failed++;
                    counters.errors.increment();
                    if (errors.size() < MAX_REPORTED_ERRORS) {
                        errors.add(e.original() + " zone " + e.zone() + ": " + ex.getMessage());
                    }
                }
            }
            return new BatchResult(entries.size(), created, updated, failed, List.copyOf(errors));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public EventSubscription subscribe(ConntrackEventListener listener) {
        Objects.requireNonNull(listener, "listener");
        checkOpen();
        SynchronousSubscription[] self = new SynchronousSubscription[1];
        self[0] = new SynchronousSubscription(listener, counters, lock, () -> subscriptions.remove(self[0]));
        subscriptions.add(self[0]);
        return self[0];
    }

    /**
     * Subscribes through a bounded queue of {@code capacity} events that the caller drains with
     * {@link QueuedSubscription#deliverPending()}; events that do not fit are dropped and reported as an
     * overrun followed by a resync, like ENOBUFS on a netlink socket.
     */
    public QueuedSubscription subscribeQueued(ConntrackEventListener listener, int capacity) {
        Objects.requireNonNull(listener, "listener");
        checkOpen();
        BoundedQueueSubscription[] self = new BoundedQueueSubscription[1];
        self[0] = new BoundedQueueSubscription(listener, capacity, counters, lock, this::list,
                () -> subscriptions.remove(self[0]));
        subscriptions.add(self[0]);
        return self[0];
    }

    /**
     * Like {@link #subscribeQueued}, with a delivery thread from {@code threads} draining the queue: the kernel
     * table's threading model, with overruns whenever the listener falls {@code capacity} events behind.
     */
    public QueuedSubscription subscribeAsync(ConntrackEventListener listener, int capacity, ThreadFactory threads) {
        QueuedSubscription sub = subscribeQueued(listener, capacity);
        ((BoundedQueueSubscription) sub).startDeliveryThread(threads);
        return sub;
    }

    @Override
    public SourceStats stats() {
        return counters.snapshot();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (TableSubscription s : List.copyOf(subscriptions)) {
            s.close();
        }
    }

    // ---- internals, called with the lock held ----

    private void insert(ConntrackEntry requested) {
        if (requested.timeout() < 0) {
            throw ConntrackException.of(ConntrackException.EINVAL, "create " + requested.original() + ": timeout is mandatory");
        }
        if (requested.original().isIpv4() != requested.reply().isIpv4()) {
            throw ConntrackException.of(ConntrackException.EINVAL, "create " + requested.original() + ": reply tuple of another family");
        }
        int protoState = checkedProtoState(requested, "create");
        if (requested.l4proto() == IpProto.TCP && protoState < 0) {
            protoState = TcpState.NONE.kernelValue();
        }
        FlowId orig = requested.flowId();
        FlowId repl = new FlowId(requested.reply(), requested.zone());
        if (byEitherTuple.containsKey(orig) || byEitherTuple.containsKey(repl)) {
            throw ConntrackException.of(ConntrackException.EEXIST, "create " + requested.original() + " zone " + requested.zone());
        }
        long now = clock.nanos();
        ConntrackEntry.Builder b = requested.toBuilder()
                .protoState(protoState)
                .status((requested.status() & ~Status.KERNEL_ONLY) | Status.CONFIRMED)
                .id(requested.id() != 0 ? requested.id() : nextId++)
                .use(requested.use() != 0 ? requested.use() : 1);
        if (requested.startNanos() == 0) {
            b.timestamps(clock.epochMicros() * 1_000L, 0);
        }
        ConntrackEntry stored = b.build();
        Slot slot = new Slot(stored, now + requested.timeout() * NANOS_PER_SECOND);
        byOriginal.put(orig, slot);
        byEitherTuple.put(orig, orig);
        byEitherTuple.put(repl, orig);
        emit(EventType.NEW, stored, now);
    }

    private void change(ConntrackEntry requested) {
        FlowId key = requested.flowId();
        Slot s = byOriginal.get(key);
        if (s == null) {
            throw ConntrackException.of(ConntrackException.ENOENT, "update " + requested.original() + " zone " + requested.zone());
        }
        int protoState = checkedProtoState(requested, "update");
        ConntrackEntry old = s.entry();
        long wanted = requested.status();
        long diff = old.status() ^ wanted;
        if (((diff & Status.SEEN_REPLY) != 0 && (wanted & Status.SEEN_REPLY) == 0)
                || ((diff & Status.ASSURED) != 0 && (wanted & Status.ASSURED) == 0)) {
            throw new ConntrackException(EBUSY, "update " + requested.original()
                    + ": SEEN_REPLY and ASSURED can only be set, not cleared (EBUSY)");
        }
        long now = clock.nanos();
        ConntrackEntry.Builder b = old.toBuilder()
                .status((old.status() & UNCHANGEABLE) | (wanted & ~UNCHANGEABLE))
                .mark(requested.mark());
        if (protoState >= 0) {
            b.protoState(protoState);
        }
        if (requested.tcp() != null) {
            b.tcp(requested.tcp());
        }
        long deadline = requested.timeout() >= 0 ? now + requested.timeout() * NANOS_PER_SECOND : s.deadlineNanos();
        Slot updated = new Slot(b.build(), deadline);
        byOriginal.put(key, updated);
        emit(EventType.UPDATE, withRemainingTimeout(updated, now), now);
    }

    private static int checkedProtoState(ConntrackEntry e, String op) {
        int state = e.protoState();
        if (e.l4proto() == IpProto.TCP && state >= 0 && TcpState.of(state) == null) {
            throw ConntrackException.of(ConntrackException.EINVAL, op + " " + e.original() + ": TCP state " + state + " out of range");
        }
        return state;
    }

    private void remove(FlowId key, Slot s) {
        byOriginal.remove(key);
        byEitherTuple.remove(key);
        byEitherTuple.remove(new FlowId(s.entry().reply(), key.zone()));
    }

    private ConntrackEntry stopped(ConntrackEntry e) {
        return e.toBuilder().timestamps(e.startNanos(), clock.epochMicros() * 1_000L).build();
    }

    private static ConntrackEntry withRemainingTimeout(Slot s, long now) {
        long left = Math.max(0, s.deadlineNanos() - now) / NANOS_PER_SECOND;
        return s.entry().timeout() == left ? s.entry() : s.entry().toBuilder().timeout(left).build();
    }

    private void emit(EventType type, ConntrackEntry entry, long nowNanos) {
        if (subscriptions.isEmpty()) {
            return;
        }
        ConntrackEvent event = new ConntrackEvent(type, entry, nowNanos, clock.epochMicros(), writeOrigin);
        for (TableSubscription s : subscriptions) {
            s.offer(event);
        }
    }

    private void failing(Runnable op) {
        try {
            op.run();
        } catch (ConntrackException e) {
            counters.errors.increment();
            throw e;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("in-memory conntrack table is closed");
        }
    }
}
