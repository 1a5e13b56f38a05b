package org.hftfw.ftfw;

import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.FlowId;

/**
 * One producer's changes for the FT-FW engine, handed to the event loop in one task per batch instead of one task per
 * change. The producer {@link #add}s the changes of a batch (the events of one read of the event socket) and calls
 * {@link #flush} at its end, like a Disruptor handler's {@code endOfBatch}; a batch that reaches {@value #CAPACITY}
 * changes is handed over early, so a batch never holds more than that. The engine sees the changes in the order
 * added, and a flush is ordered with the channel's other calls from the same thread (both queue on the loop).
 *
 * <p>A batch travels in a {@link Chunk}, which is its own loop task; the loop hands a chunk it has run back to a
 * small pool, so while the loop keeps up the same chunks take turns and a batch allocates nothing.
 *
 * <p>Design note (issue 14 item 4, a bounded hand-off). The producer is the event reader, at a higher priority than
 * the loop (events.reader-nice): in a burst it read faster than the loop sent, and the states waiting for the loop
 * (in batches not yet run, then in the engine's transmit queue) held the backlog in the heap (about 20 MB of RSS at
 * 100 000 new flows, which the serial collector keeps). So the producer waits in {@link #awaitRoom} (outside any lock
 * the loop takes) while {@value #IN_FLIGHT} batches wait for the loop or more than {@value #BACKLOG_LIMIT} states
 * (one transmit run's burst) wait to be sent, and the backlog stays where conntrackd, whose one thread reads and
 * sends, leaves it: in the kernel's event socket, whose buffer grows like its NetlinkBufferSizeMaxGrowth. The loop
 * publishes the transmit backlog after each batch it runs; a producer waiting for the backlog alone asks for it
 * (a probe task) every {@value #PROBE_MICROS} µs. While the engine may not send (no agreement with the peer yet) the
 * backlog counts as empty: the queue, bounded and evicting as before, holds it. The wait is bounded ({@value #WAIT_LIMIT_MILLIS} ms): a loop that has
 * stopped running tasks must not stop the reader, which then goes on as before (counted in {@link #waitsTimedOut}).
 * {@link #add} itself never waits, so a producer that publishes more than one batch under a lock (a resync) still
 * goes through; the next {@code awaitRoom} waits until the loop has caught up. Not thread-safe: one producer at a
 * time.
 */
public final class PublishBatch {
    static final int CAPACITY = 256;
    /** Batches handed to the loop and not yet run, past which {@link #awaitRoom} waits. */
    static final int IN_FLIGHT = 4;
    /** States in the engine's transmit queue past which {@link #awaitRoom} waits: one transmit run's default burst. */
    static final int BACKLOG_LIMIT = 4096;
    static final long PROBE_MICROS = 1000;
    static final long WAIT_LIMIT_MILLIS = 1000;

    private final Executor loop;
    private final FtfwEngine engine;
    /** Chunks the loop has run, for the next batches; more than {@value #IN_FLIGHT} are left to the collector. */
    private final ArrayBlockingQueue<Chunk> spares = new ArrayBlockingQueue<>(IN_FLIGHT);
    private final AtomicInteger inFlight = new AtomicInteger();
    /** The producer waiting in {@link #awaitRoom}, for the loop to wake; null when none waits. */
    private volatile Thread waiting;
    /** The engine's transmit backlog as the loop last saw it. */
    private volatile int backlog;
    private final AtomicBoolean probing = new AtomicBoolean();
    private final Runnable probe = this::probeBacklog;
    private long waits;
    private long waitsTimedOut;
    private Chunk current;

    private final long waitLimitNanos;

    PublishBatch(Executor loop, FtfwEngine engine) {
        this(loop, engine, TimeUnit.MILLISECONDS.toNanos(WAIT_LIMIT_MILLIS));
    }

    /** A batch whose {@link #awaitRoom} waits at most {@code waitLimitNanos} (tests). */
    PublishBatch(Executor loop, FtfwEngine engine, long waitLimitNanos) {
        this.loop = loop;
        this.engine = engine;
        this.waitLimitNanos = waitLimitNanos;
    }

    /** Adds one local change (NEW, UPDATE, DESTROY) to the batch. */
    public void add(EventType type, ConntrackEntry entry) {
        add(type, entry, entry.flowId());
    }

    /** Adds one local change of the flow {@code id} ({@code entry.flowId()}, when the caller has it already). */
    public void add(EventType type, ConntrackEntry entry, FlowId id) {
        Chunk c = current;
        if (c == null) {
            c = spares.poll();
            current = c = c != null ? c : new Chunk();
        }
        c.types[c.size] = FtfwChannel.map(type);
        c.entries[c.size] = entry;
        c.ids[c.size] = id;
        if (++c.size == CAPACITY) {
            flush();
        }
    }

    /** Hands the batch to the event loop; nothing happens for an empty batch. Never waits. */
    public void flush() {
        Chunk c = current;
        if (c != null) {
            current = null;
            inFlight.incrementAndGet();
            try {
                loop.execute(c);
            } catch (RuntimeException e) {
                inFlight.decrementAndGet();                 // a loop that refuses tasks never runs it
                throw e;
            }
        }
    }

    /**
     * Waits while {@value #IN_FLIGHT} or more batches wait for the loop, at most {@value #WAIT_LIMIT_MILLIS} ms (see
     * the design note); returns at once while the loop keeps up. To be called by the producer between batches,
     * holding no lock the loop's tasks take.
     */
    public void awaitRoom() {
        if (hasRoom()) {
            return;
        }
        waits++;
        long deadline = System.nanoTime() + waitLimitNanos;
        waiting = Thread.currentThread();
        try {
            while (!hasRoom()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    waitsTimedOut++;
                    return;
                }
                if (inFlight.get() == 0 && probing.compareAndSet(false, true) && !ask(probe)) {
                    return;                                 // a loop that refuses tasks is closing: nothing to wait for
                }
                LockSupport.parkNanos(this, Math.min(left, TimeUnit.MICROSECONDS.toNanos(PROBE_MICROS)));
            }
        } finally {
            waiting = null;
        }
    }

    /** Hands {@code task} to the loop (no batch will report the backlog); false when the loop refuses it. */
    private boolean ask(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            probing.set(false);
            return false;
        }
    }

    private boolean hasRoom() {
        return inFlight.get() < IN_FLIGHT && backlog <= BACKLOG_LIMIT;
    }

    /** On the loop: publishes the engine's transmit backlog to a waiting producer. */
    private void probeBacklog() {
        backlog = engine.transmitBacklog();
        probing.set(false);
    }

    /** Times {@link #awaitRoom} waited for the loop (read by the producer's thread). */
    public long waits() {
        return waits;
    }

    /** Waits that ended at the limit with the loop still behind (read by the producer's thread). */
    public long waitsTimedOut() {
        return waitsTimedOut;
    }

    /** A batch in transit: publishes its changes on the loop, then clears itself and goes back to the pool. */
    private final class Chunk implements Runnable {
        final FtfwMessage.DataType[] types = new FtfwMessage.DataType[CAPACITY];
        final ConntrackEntry[] entries = new ConntrackEntry[CAPACITY];
        final FlowId[] ids = new FlowId[CAPACITY];
        int size;

        @Override
        public void run() {
            try {
                for (int i = 0; i < size; i++) {
                    engine.publish(types[i], entries[i], ids[i], FlowExtras.NONE);
                }
            } finally {
                Arrays.fill(entries, 0, size, null);
                Arrays.fill(ids, 0, size, null);
                size = 0;
                spares.offer(this);
                backlog = engine.transmitBacklog();
                inFlight.decrementAndGet();
                Thread w = waiting;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            }
        }
    }
}
