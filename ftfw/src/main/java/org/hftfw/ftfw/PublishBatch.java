package org.hftfw.ftfw;

import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
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
 * the loop (events.reader-nice), and in a burst it could hand over batches faster than the loop ran them, each
 * waiting in the loop's task queue with its entries. So at most {@value #IN_FLIGHT} batches wait for the loop: past
 * that the producer waits in {@link #awaitRoom} (outside any lock the loop takes), and the backlog stays where
 * conntrackd's single loop leaves it, in the kernel's event socket, whose buffer grows like its
 * NetlinkBufferSizeMaxGrowth. The engine's transmit queue is not counted: it is bounded on its own (the oldest state
 * goes when full, counted), and a migration's paced bulk keeps it full by design, which would hold live events back
 * for the whole migration. The wait is bounded ({@value #WAIT_LIMIT_MILLIS} ms): a loop that has stopped running
 * tasks must not stop the reader, which then goes on as before (counted in {@link #waitsTimedOut}). {@link #add}
 * itself never waits, so a producer that publishes more than one batch under a lock (a resync) still goes through;
 * the next {@code awaitRoom} waits until the loop has caught up. Not thread-safe: one producer at a time.
 */
public final class PublishBatch {
    static final int CAPACITY = 256;
    /** Batches handed to the loop and not yet run, past which {@link #awaitRoom} waits. */
    static final int IN_FLIGHT = 4;
    static final long WAIT_LIMIT_MILLIS = 1000;

    private final Executor loop;
    private final FtfwEngine engine;
    /** Chunks the loop has run, for the next batches; more than {@value #IN_FLIGHT} are left to the collector. */
    private final ArrayBlockingQueue<Chunk> spares = new ArrayBlockingQueue<>(IN_FLIGHT);
    private final AtomicInteger inFlight = new AtomicInteger();
    /** The producer waiting in {@link #awaitRoom}, for the loop to wake; null when none waits. */
    private volatile Thread waiting;
    private final long waitLimitNanos;
    private long waits;
    private long waitsTimedOut;
    private Chunk current;

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
        if (inFlight.get() < IN_FLIGHT) {
            return;
        }
        waits++;
        long deadline = System.nanoTime() + waitLimitNanos;
        waiting = Thread.currentThread();
        try {
            while (inFlight.get() >= IN_FLIGHT) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    waitsTimedOut++;
                    return;
                }
                LockSupport.parkNanos(this, left);
            }
        } finally {
            waiting = null;
        }
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
                inFlight.decrementAndGet();
                Thread w = waiting;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            }
        }
    }
}
