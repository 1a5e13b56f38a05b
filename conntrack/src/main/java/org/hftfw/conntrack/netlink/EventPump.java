package org.hftfw.conntrack.netlink;

import org.hftfw.common.Clock;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackTable.EventSubscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One event subscription: a daemon thread reading the event socket and delivering to the listener in kernel order
 * (decoding and dispatch: {@link EventDelivery}).
 *
 * <p>A recv that fails with ENOBUFS means the kernel dropped events for this socket
 * (its queue was full): the overrun is counted, the queue is emptied (so that the kernel can report the next loss),
 * the listener is told ({@code onOverrun}), the whole table is dumped on a separate request socket and handed over
 * ({@code onResync}) - losses are never silent. Like conntrackd with NetlinkBufferSizeMaxGrowth, each overrun also
 * doubles the socket's receive buffer up to {@code bufferMaxBytes}, so a burst that overran it once fits next time
 * (the kernel grants SO_RCVBUFFORCE to CAP_NET_ADMIN beyond net.core.rmem_max). The socket keeps
 * ENOBUFS reporting (NETLINK_NO_ENOBUFS is deliberately not set). Each received datagram is stamped with the
 * injected monotonic clock and the wall clock in microseconds at receipt.
 *
 * <p>Design note (issue 14, item 4: keep up with the kernel). Reads are batched: one {@code recvmmsg} takes up to
 * {@value #SLOTS} queued datagrams (one event each) in one system call ({@link RecvBatch}), and up to
 * {@value #MAX_BATCH} datagrams form one delivery batch. The buffer also grows before it overruns: when a read finds
 * the queue backed up (every slot filled), the pump asks the kernel how full the queue is (SO_MEMINFO) and, past a
 * quarter of its limit, doubles the buffer as an overrun would, up to {@code bufferMaxBytes}. conntrackd grows only
 * on ENOBUFS, after events were lost; a burst that would have overrun the first buffer then finds the grown one.
 * Growing early costs nothing while the queue is short: the buffer size is a limit on queued memory, not an
 * allocation, while an overrun costs a dump of the whole table. (It cannot help while the pump does not run at
 * all, e.g. during a garbage collection pause: only the initial size covers that.)
 *
 * <p>Once a read has emptied the queue the pump waits {@value #CATCH_UP_PAUSE_NANOS} ns before it reads again, so
 * that events gather in the socket instead of waking it one by one. The kernel queues each event in the system call
 * of whoever changed the table (a ctnetlink writer, or softirq for packets) and wakes a waiting reader from there: a
 * reader faster than the event rate went back to sleep after each event or two and was woken again at once, and on
 * a loaded machine every wake-up of a reader woke it in front of the writer (wake-up preemption), which then waited
 * for a CPU again. With four batched ctnetlink writers on two busy cores the event-bench's writers reached 3.4 k
 * events/s beside the pump alone and 18 k beside a stock conntrackd (which is slower per event, so it reads many at
 * a time); with this pause 14.5 k beside 14.4 k in the next run, and in a second pair 20.5 k beside 79 k before, 52 k
 * beside 138 k after: a part of the writer's slowdown, not all (docs/performance.md §4, fourth round). A burst
 * never waits for it (a read that fills the slots is followed by the next at once), and 1 ms of events is about
 * 150 KB of socket memory at 120 000 events/s, far inside the buffer; an event is delivered at most that much
 * later, and is stamped when it is read.
 */
final class EventPump implements EventSubscription {
    private static final Logger LOG = LoggerFactory.getLogger(EventPump.class);
    static final int POLL_MILLIS = 200;
    /** Datagrams delivered before the batch ends (one event each): up to this many are read without blocking. */
    static final int MAX_BATCH = 256;
    /** Datagrams per recvmmsg call. */
    static final int SLOTS = 64;
    /**
     * Bytes per datagram slot: a conntrack event is a few hundred bytes (ctnetlink_nlmsg_size: tuples, protoinfo,
     * counters, timestamps, labels, helper, secctx); a longer one is counted as malformed and dropped.
     */
    static final int SLOT_BYTES = 8192;
    /** Decodes before the first read, so a burst right after subscribing meets compiled code (see EventDelivery). */
    private static final int WARM_UP_ROUNDS = 20_000;
    private static final long DRAIN_NANOS = 1_000_000_000L;
    /** How long the pump waits after it emptied the queue before it reads (blocks) again; see the design note. */
    static final long CATCH_UP_PAUSE_NANOS = 1_000_000L;

    private final NetlinkSocket socket;
    private final CtRequester resync;
    private final ConntrackEventListener listener;
    private final TableStats stats;
    private final Clock clock;
    private final Consumer<EventPump> onClosed;
    private final int bufferMaxBytes;
    private final OptionalInt nice;
    private final EventDelivery delivery;
    private final RecvBatch rx;
    private final NetlinkSocket.QueueProbe queue;
    private final Thread thread;
    private final java.util.concurrent.ConcurrentLinkedQueue<QuietStep<?>> quietSteps =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean stopping;
    /** sk_drops when the last resync dump started: every loss up to it is repaired by that dump. */
    private long coveredDrops;
    /** After a repair: compare sk_drops with {@link #coveredDrops} once the queue is found empty. */
    private boolean verifyDrops;

    /** A step to run on the pump thread once the queue is drained. */
    private record QuietStep<T>(java.util.concurrent.Callable<T> step, java.util.concurrent.CompletableFuture<T> done) {
        void run() {
            try {
                done.complete(step.call());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }
    }

    EventPump(NetlinkSocket socket, CtRequester resync, ConntrackEventListener listener, TableStats stats,
              Clock clock, int bufferMaxBytes, OptionalInt nice, Consumer<EventPump> onClosed) {
        this.socket = socket;
        this.resync = resync;
        this.listener = listener;
        this.stats = stats;
        this.clock = clock;
        this.onClosed = onClosed;
        this.bufferMaxBytes = bufferMaxBytes;
        this.nice = nice;
        this.delivery = new EventDelivery(listener, stats);
        this.rx = new RecvBatch(socket, SLOTS, SLOT_BYTES);
        this.queue = socket.new QueueProbe();
        this.thread = Thread.ofPlatform().daemon(true).name("ctnetlink-events-" + Integer.toUnsignedString(socket.portId()))
                .unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        try {
            nice.ifPresent(this::setOwnNice);
            delivery.warmUp(WARM_UP_ROUNDS);
            while (!stopping) {
                runQuietSteps();
                long r = socket.recvBatch(rx, false);
                if (r == NetlinkSocket.TIMED_OUT) {
                    checkSilentDrops();
                    continue;
                }
                if (r == NetlinkSocket.OVERRUN) {
                    overrun();
                    continue;
                }
                readBatch();
            }
        } catch (RuntimeException e) {
            if (!stopping) {
                ConntrackException ce = e instanceof ConntrackException c ? c
                        : new ConntrackException("conntrack event subscription failed", e);
                LOG.error("conntrack event subscription stopped: {}", ce.getMessage());
                safely(() -> listener.onError(ce));
            }
        } finally {
            for (QuietStep<?> q; (q = quietSteps.poll()) != null; ) {
                q.done().completeExceptionally(new IllegalStateException("event subscription closed"));
            }
            socket.close();
            resync.close();
            onClosed.accept(this);
        }
    }

    /**
     * {@inheritDoc} Runs on the pump thread: the events queued in the socket when the request is taken up are
     * delivered first (non-blocking reads until the queue is empty), then the step runs; events the kernel
     * generates meanwhile wait in the socket. The request is taken up within one receive timeout
     * ({@value #POLL_MILLIS} ms).
     */
    @Override
    public <T> T whileQuiet(java.util.concurrent.Callable<T> step) throws Exception {
        if (Thread.currentThread() == thread) {
            return step.call();
        }
        var done = new java.util.concurrent.CompletableFuture<T>();
        quietSteps.add(new QuietStep<>(step, done));
        try {
            return done.get(10L * POLL_MILLIS + 60_000, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    private void runQuietSteps() {
        QuietStep<?> q = quietSteps.poll();
        if (q == null) {
            return;
        }
        long deadline = clock.nanos() + DRAIN_NANOS;
        while (!stopping && clock.nanos() < deadline) {
            long r = socket.recvBatch(rx, true);
            if (r == NetlinkSocket.TIMED_OUT) {
                break;
            }
            if (r == NetlinkSocket.OVERRUN) {
                delivery.endOfBatch();
                overrun();
                continue;
            }
            receive();
        }
        delivery.endOfBatch();
        for (; q != null; q = quietSteps.poll()) {
            q.run();
        }
    }

    /**
     * Delivers the datagrams just read and what else the socket holds, up to {@value #MAX_BATCH} datagrams read
     * without blocking, then ends the batch: the listener hands the batch on in one step (one event-loop task for
     * the FT-FW channel instead of one per event). An overrun ends the batch first.
     */
    private void readBatch() {
        int delivered = 0;
        while (true) {
            receive();
            delivered += rx.count();
            if (rx.count() == rx.capacity()) {
                growIfFilling();
            }
            if (delivered + rx.capacity() > MAX_BATCH || rx.count() < rx.capacity() || stopping) {
                break;
            }
            long r = socket.recvBatch(rx, true);
            if (r == NetlinkSocket.TIMED_OUT) {
                break;
            }
            if (r == NetlinkSocket.OVERRUN) {
                delivery.endOfBatch();
                overrun();
                return;
            }
        }
        delivery.endOfBatch();
        if (rx.count() < rx.capacity()) {
            checkSilentDrops();                             // the last read emptied the queue
            LockSupport.parkNanos(CATCH_UP_PAUSE_NANOS);    // let events gather (see the design note)
        }
    }

    /**
     * The kernel reports ENOBUFS once per congestion episode and ends the episode only when the queue has been
     * emptied (netlink_overrun, netlink_rcv_wake): when the drain before a resync stopped at its deadline with the
     * queue still full, the events it dropped until the queue was next empty were never reported, and the dump had
     * started before them. So after a repair, once the queue is found empty, the drop counter is compared with
     * the one read before the dump; if it grew, those losses get a repair of their own.
     */
    private void checkSilentDrops() {
        if (!verifyDrops || stopping) {
            return;
        }
        verifyDrops = false;
        if (queue.read() && queue.drops() > coveredDrops) {
            LOG.warn("the kernel dropped {} events without reporting them (the socket stayed congested after the "
                    + "last overrun); repairing with another resync", queue.drops() - coveredDrops);
            overrun();
        }
    }

    /**
     * Gives this thread its own nice value (see {@code Ctnetlink.Options.withEventThreadNice}). Without the privilege
     * the thread says so and reads at the process's priority: events are still delivered, only less surely.
     */
    private void setOwnNice(int value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Libc.newCapture(a);
            if (Libc.setOwnNice(cap, value) != 0) {
                LOG.warn("cannot set the conntrack event thread's nice value to {}: {} (needs CAP_SYS_NICE); it "
                        + "reads at the process's priority", value, Libc.errnoName(Libc.errno(cap)));
            }
        }
    }

    /** Delivers the datagrams of the last read, each stamped when it is taken up. */
    private void receive() {
        for (int i = 0, n = rx.count(); i < n; i++) {
            long mono = clock.nanos();
            long wall = clock.epochMicros();
            if (rx.truncated(i)) {
                stats.malformed.incrementAndGet();
                LOG.warn("dropped a truncated event datagram of {} bytes", rx.length(i));
                continue;
            }
            delivery.datagram(rx.slot(i), (int) rx.length(i), mono, wall);
        }
    }

    /**
     * A read filled every slot, so the queue is backed up: past a quarter of the kernel's limit, the buffer grows
     * now, before the kernel has to drop (see the design note).
     */
    private void growIfFilling() {
        if (queue.read() && 4 * queue.queued() > queue.limit()
                && growBuffer("the queue held " + queue.queued() + " of " + queue.limit() + " bytes")) {
            stats.earlyGrowths.incrementAndGet();
        }
    }

    private void overrun() {
        long n = stats.overruns.incrementAndGet();
        growBuffer("overrun");
        long discarded = drainQueue();
        if (queue.read()) {
            coveredDrops = queue.drops();
            verifyDrops = true;
        }
        LOG.warn("conntrack event socket overrun (ENOBUFS): events were lost; {} queued events superseded by a resync dump",
                discarded);
        safely(() -> listener.onOverrun(n));
        List<ConntrackEntry> table = new ArrayList<>();
        RuntimeException last = null;
        for (int attempt = 0; attempt < 2 && !stopping; attempt++) {
            try {
                table.clear();
                resync.dump(table::add);
                stats.resyncs.incrementAndGet();
                List<ConntrackEntry> snapshot = List.copyOf(table);
                safely(() -> listener.onResync(snapshot));
                return;
            } catch (RuntimeException e) {
                last = e;
                LOG.warn("resync dump failed: {}", e.getMessage());
            }
        }
        if (last != null) {
            throw last;
        }
    }

    /** Doubles the buffer up to the limit; true when it grew. */
    private boolean growBuffer(String why) {
        try {
            int grown = socket.growReceiveBuffer(bufferMaxBytes);
            if (grown > 0) {
                LOG.warn("conntrack event socket buffer grown to {} bytes ({}; the kernel grants {}; limit {})", grown,
                        why, socket.receiveBufferBytes(), bufferMaxBytes);
            }
            return grown > 0;
        } catch (ConntrackException e) {
            LOG.warn("cannot grow the conntrack event socket buffer: {}", e.getMessage());
            return false;
        }
    }

    /**
     * Empties the socket queue before the resync dump. The kernel reports ENOBUFS once per congestion episode and
     * clears its congested state only when the queue is empty (netlink_rcv_wake); events dropped while it stays
     * congested would go unreported. The queued events are older than the dump that follows, which supersedes them.
     * Bounded to {@link #DRAIN_NANOS} of the injected clock.
     */
    private long drainQueue() {
        long discarded = 0;
        long deadline = clock.nanos() + DRAIN_NANOS;
        while (!stopping) {
            long r = socket.recvBatch(rx, true);
            if (r == NetlinkSocket.TIMED_OUT) {
                break;
            }
            if (r > 0) {
                discarded += r;
            }
            if (clock.nanos() > deadline) {
                LOG.warn("event queue still not empty after draining {} datagrams; resyncing anyway", discarded);
                break;
            }
        }
        return discarded;
    }

    private void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            stats.listenerFailures.incrementAndGet();
            LOG.warn("conntrack event listener threw", e);
        }
    }

    @Override
    public void close() {
        stopping = true;
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            thread.join(10L * POLL_MILLIS + 5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
