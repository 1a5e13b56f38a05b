package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.Tuple;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The kernel conntrack table of one network namespace, through raw ctnetlink sockets (see the package notes).
 * Requests go through one socket owned by the table (calls are serialised); each {@link #subscribe} adds an event
 * socket bound to the NEW/UPDATE/DESTROY groups, a separate socket for resync dumps, and a delivery thread.
 */
public final class KernelConntrackTable implements ConntrackTable {
    private final Ctnetlink.Options options;
    private final TableStats stats;
    private final CtRequester requests;
    private final List<EventPump> subscriptions = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private KernelConntrackTable(Ctnetlink.Options options, TableStats stats, CtRequester requests) {
        this.options = options;
        this.stats = stats;
        this.requests = requests;
    }

    static KernelConntrackTable open(Ctnetlink.Options options) {
        TableStats stats = new TableStats();
        return new KernelConntrackTable(options, stats, openRequester(options, stats));
    }

    private static CtRequester openRequester(Ctnetlink.Options o, TableStats stats) {
        NetlinkSocket s = inNamespace(o, () -> NetlinkSocket.open(0, o.requestBufferBytes(), 2 * o.batchBytes(),
                o.replyTimeoutMillis(), false));
        CtRequester r = new CtRequester(s, stats, o.batchBytes(), o.maxBatchMessages(), o.ackEveryMessage());
        try {
            r.probe();
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    static <T> T inNamespace(Ctnetlink.Options o, Supplier<T> open) {
        return o.netns() == null ? open.get() : Netns.call(o.netns(), open::get);
    }

    Ctnetlink.Options options() {
        return options;
    }

    TableStats rawStats() {
        return stats;
    }

    /** The netlink port id of the request socket (what {@code conntrack -E} prints as {@code portid=}). */
    public int portId() {
        return requests.portId();
    }

    /** Attribute types skipped by the decoders because this code does not know them (newer kernel). */
    public long unknownAttributes() {
        return stats.unknownAttributes.get();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("conntrack table closed");
        }
    }

    @Override
    public synchronized long dump(Consumer<ConntrackEntry> sink) {
        checkOpen();
        return requests.dump(sink);
    }

    @Override
    public synchronized Optional<ConntrackEntry> get(Tuple original, int zone) {
        checkOpen();
        return requests.get(Objects.requireNonNull(original), zone);
    }

    @Override
    public synchronized void create(ConntrackEntry entry) {
        checkOpen();
        requests.create(entry);
    }

    @Override
    public synchronized void update(ConntrackEntry entry) {
        checkOpen();
        requests.update(entry);
    }

    @Override
    public synchronized void delete(Tuple original, int zone) {
        checkOpen();
        requests.delete(Objects.requireNonNull(original), zone);
    }

    @Override
    public synchronized void flush() {
        checkOpen();
        requests.flush();
    }

    @Override
    public synchronized BatchResult createAll(Collection<ConntrackEntry> entries, boolean replaceExisting) {
        checkOpen();
        return requests.createAll(entries, replaceExisting);
    }

    @Override
    public synchronized WriteResult writeAll(List<? extends Write> writes) {
        checkOpen();
        return requests.writeAll(writes);
    }

    /** {@inheritDoc} The request socket's port id: the kernel reports it with the events its writes cause. */
    @Override
    public int origin() {
        return requests.portId();
    }

    @Override
    public EventSubscription subscribe(ConntrackEventListener listener) {
        return subscribe(listener, ConntrackEvent.ORIGIN_KERNEL);
    }

    /**
     * {@inheritDoc} Here the event socket gets a socket filter on the events' sender port id
     * ({@link NetlinkSocket#dropDatagramsFrom}): the kernel still builds each event of those writes (for any
     * listener), but no longer queues it here, wakes the reader for it, or has it decoded — on an always-committed
     * node that also publishes, one event per write of the peer's states.
     */
    @Override
    public synchronized EventSubscription subscribe(ConntrackEventListener listener, int ignoredOrigin) {
        checkOpen();
        Objects.requireNonNull(listener, "listener");
        int groups = Nl.groupMask(Nl.NFNLGRP_CONNTRACK_NEW) | Nl.groupMask(Nl.NFNLGRP_CONNTRACK_UPDATE)
                | Nl.groupMask(Nl.NFNLGRP_CONNTRACK_DESTROY);
        NetlinkSocket events = inNamespace(options, () -> NetlinkSocket.open(groups, options.eventBufferBytes(), 0,
                EventPump.POLL_MILLIS, options.reliableDestroy()));
        if (ignoredOrigin != ConntrackEvent.ORIGIN_KERNEL) {
            try {
                events.dropDatagramsFrom(ignoredOrigin);
            } catch (RuntimeException e) {
                events.close();
                throw e;
            }
        }
        CtRequester resync;
        try {
            resync = openRequester(options, stats);
        } catch (RuntimeException e) {
            events.close();
            throw e;
        }
        EventPump pump = new EventPump(events, resync, listener, stats, options.clock(),
                options.eventBufferMaxBytes(), options.eventThreadNice(), subscriptions::remove);
        subscriptions.add(pump);
        pump.start();
        return pump;
    }

    @Override
    public SourceStats stats() {
        return stats.snapshot();
    }

    /**
     * How often an event socket's buffer grew before an overrun: a read found the queue more than a quarter full, and
     * the buffer doubled (up to the growth limit) before the kernel had to drop.
     */
    public long eventBufferEarlyGrowths() {
        return stats.earlyGrowths.get();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (EventPump p : subscriptions) {
            p.close();
        }
        requests.close();
    }
}
