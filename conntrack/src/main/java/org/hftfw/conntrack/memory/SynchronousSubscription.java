package org.hftfw.conntrack.memory;

import java.util.concurrent.Callable;
import java.util.concurrent.locks.ReentrantLock;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers every event to the listener at once, on the mutating thread, while the table lock is held: events
 * arrive in mutation order and before the mutating call returns. A listener that throws is logged and counted
 * as an error; the mutation itself stands. {@link #whileQuiet} holds the table lock: no mutation, hence no event,
 * while its step runs, and every earlier event has been delivered already.
 */
final class SynchronousSubscription implements TableSubscription {
    private static final Logger LOG = LoggerFactory.getLogger(SynchronousSubscription.class);

    private final ConntrackEventListener listener;
    private final TableCounters counters;
    private final ReentrantLock tableLock;
    private final Runnable onClose;
    private volatile boolean closed;

    SynchronousSubscription(ConntrackEventListener listener, TableCounters counters, ReentrantLock tableLock,
                            Runnable onClose) {
        this.listener = listener;
        this.counters = counters;
        this.tableLock = tableLock;
        this.onClose = onClose;
    }

    @Override
    public <T> T whileQuiet(Callable<T> step) throws Exception {
        tableLock.lock();
        try {
            return step.call();
        } finally {
            tableLock.unlock();
        }
    }

    @Override
    public void offer(ConntrackEvent event) {
        if (closed) {
            return;
        }
        try {
            listener.onEvent(event);
            listener.endOfBatch();                                  // each event is delivered on its own
            counters.events.increment();
        } catch (RuntimeException e) {
            counters.errors.increment();
            LOG.warn("conntrack event listener failed on {} event", event.type(), e);
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            onClose.run();
        }
    }
}
