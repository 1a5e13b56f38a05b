package org.hftfw.conntrack.memory;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription behind a bounded queue, the in-memory stand-in for a netlink event socket with a small
 * receive buffer.
 *
 * <p>Design note. The kernel queues conntrack events on the listener's socket; when the socket buffer is full
 * it drops the event and the next {@code recvmsg} fails with ENOBUFS. conntrackd then re-reads the whole table
 * and reconciles its cache ({@code conntrackd/src/run.c}, {@code event_cb}: "We have hit ENOBUFS ... We have to
 * resync ourselves with the kernel table"). This class does the same with a queue of {@code capacity} events:
 * an event that does not fit is dropped and counted, and so is every event after it until the consumer catches
 * up. When the consumer has taken every queued event it gets {@link ConntrackEventListener#onOverrun} and then
 * {@link ConntrackEventListener#onResync} with a snapshot taken under the table lock at the moment the overrun
 * state is cleared, so the snapshot covers exactly the dropped events and every event delivered after it is
 * newer than the snapshot.
 *
 * <p>Delivery is either pumped by the caller ({@link #deliverPending()}, deterministic for tests) or done by a
 * delivery thread started with {@link #startDeliveryThread}.
 */
final class BoundedQueueSubscription implements TableSubscription, InMemoryConntrackTable.QueuedSubscription {
    private static final Logger LOG = LoggerFactory.getLogger(BoundedQueueSubscription.class);

    private final ConntrackEventListener listener;
    private final int capacity;
    private final TableCounters counters;
    private final ReentrantLock tableLock;
    private final Supplier<List<ConntrackEntry>> tableSnapshot;
    private final Runnable onClose;

    private final ReentrantLock queueLock = new ReentrantLock();
    private final Condition workAvailable = queueLock.newCondition();
    private final ArrayDeque<ConntrackEvent> queue = new ArrayDeque<>();
    private boolean overrunPending;
    private long dropped;

    private final ReentrantLock deliveryLock = new ReentrantLock();
    private long overruns;
    private volatile boolean closed;
    private Thread deliveryThread;

    BoundedQueueSubscription(ConntrackEventListener listener, int capacity, TableCounters counters,
                             ReentrantLock tableLock, Supplier<List<ConntrackEntry>> tableSnapshot, Runnable onClose) {
        if (capacity < 1) {
            throw new IllegalArgumentException("queue capacity must be at least 1: " + capacity);
        }
        this.listener = listener;
        this.capacity = capacity;
        this.counters = counters;
        this.tableLock = tableLock;
        this.tableSnapshot = tableSnapshot;
        this.onClose = onClose;
    }

    @Override
    public void offer(ConntrackEvent event) {
        queueLock.lock();
        try {
            if (closed) {
                return;
            }
            if (overrunPending || queue.size() >= capacity) {
                overrunPending = true;
                dropped++;
            } else {
                queue.addLast(event);
            }
            workAvailable.signal();
        } finally {
            queueLock.unlock();
        }
    }

    @Override
    public int deliverPending() {
        deliveryLock.lock();
        try {
            int delivered = 0;
            int batchEndedAt = 0;
            while (!closed) {
                ConntrackEvent next = poll();
                if (next != null) {
                    deliver(next);
                    delivered++;
                    continue;
                }
                if (delivered != batchEndedAt) {
                    batchEndedAt = delivered;
                    endOfBatch();                                   // the queue is empty: the batch is complete
                }
                List<ConntrackEntry> snapshot;
                tableLock.lock();
                try {
                    queueLock.lock();
                    try {
                        if (!queue.isEmpty()) {
                            continue;
                        }
                        if (!overrunPending) {
                            return delivered;
                        }
                        overrunPending = false;
                    } finally {
                        queueLock.unlock();
                    }
                    snapshot = tableSnapshot.get();
                } finally {
                    tableLock.unlock();
                }
                resync(snapshot);
            }
            if (delivered != batchEndedAt) {
                endOfBatch();                                       // closed in the middle of a batch
            }
            return delivered;
        } finally {
            deliveryLock.unlock();
        }
    }

    private ConntrackEvent poll() {
        queueLock.lock();
        try {
            return queue.pollFirst();
        } finally {
            queueLock.unlock();
        }
    }

    private void deliver(ConntrackEvent event) {
        try {
            listener.onEvent(event);
            counters.events.increment();
        } catch (RuntimeException e) {
            counters.errors.increment();
            LOG.warn("conntrack event listener failed on {} event", event.type(), e);
        }
    }

    private void endOfBatch() {
        try {
            listener.endOfBatch();
        } catch (RuntimeException e) {
            counters.errors.increment();
            LOG.warn("conntrack event listener failed at the end of a batch", e);
        }
    }

    private void resync(List<ConntrackEntry> snapshot) {
        overruns++;
        counters.overruns.increment();
        try {
            listener.onOverrun(overruns);
            counters.resyncs.increment();
            listener.onResync(snapshot);
        } catch (RuntimeException e) {
            counters.errors.increment();
            LOG.warn("conntrack event listener failed during resync", e);
        }
    }

    @Override
    public long droppedEvents() {
        queueLock.lock();
        try {
            return dropped;
        } finally {
            queueLock.unlock();
        }
    }

    @Override
    public long overruns() {
        deliveryLock.lock();
        try {
            return overruns;
        } finally {
            deliveryLock.unlock();
        }
    }

    @Override
    public int queued() {
        queueLock.lock();
        try {
            return queue.size();
        } finally {
            queueLock.unlock();
        }
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /** Starts a thread that delivers events as they are queued, until the subscription is closed. */
    void startDeliveryThread(ThreadFactory threads) {
        Thread t = threads.newThread(this::deliveryLoop);
        deliveryThread = t;
        t.start();
    }

    private void deliveryLoop() {
        while (!closed) {
            queueLock.lock();
            try {
                while (queue.isEmpty() && !overrunPending && !closed) {
                    workAvailable.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                queueLock.unlock();
            }
            deliverPending();
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        queueLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            queue.clear();
            workAvailable.signalAll();
        } finally {
            queueLock.unlock();
        }
        onClose.run();
        Thread t = deliveryThread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
