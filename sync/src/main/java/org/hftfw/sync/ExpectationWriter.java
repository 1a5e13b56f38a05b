package org.hftfw.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.common.Clock;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.ExpectationTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The always-committed backup's expectation path: the peer's expectations go into this node's kernel table as they
 * arrive (conntrackd's {@code DisableExternalCache On}, src/external_inject.c {@code external_inject_exp_new/del}).
 *
 * <p>Design note. The channel's event loop only queues ({@link #onExpectation}); a thread of its own writes. The
 * kernel takes an expectation only once its master conntrack exists with a helper, and the master's state was handed
 * to the flow writer ({@link CommittedBackup}) before the expectation arrived: each pass first waits for that writer
 * to write what it was handed ({@link CommittedBackup#drain}), then creates (an existing one replaced, as conntrackd
 * does on EEXIST) or deletes. An expectation whose master is still absent (ENOENT: a master not replicated yet, e.g.
 * held back by the lazy replicator) is kept and retried every {@link #RETRY_MILLIS} until its received timeout has
 * passed or a DEL for it arrives, instead of being lost as conntrackd loses it; then it is counted as failed. A
 * delete of an expectation that is gone already (used by its data connection, or expired) is counted as absent.
 * The thread runs only while there is work (queued or waiting expectations): it ends when both are empty and the
 * next expectation starts another, so a pair without helpers pays no thread for this path (issue #12's thread goal).
 * Bounded (review14 G2): at most {@code limit} expectations queued and as many waiting for their master
 * ({@code sync.external-cache-limit}); one past either bound is counted as failed ({@link Stats#overflows}), and one
 * received without a timeout waits at most {@link #NO_TIMEOUT_WAIT_SECONDS}, not for ever.
 */
public final class ExpectationWriter implements ExpectationTable.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExpectationWriter.class);
    static final long RETRY_MILLIS = 500;
    /** How long an expectation received without a timeout waits for its master (conntrackd's fallback timeout). */
    static final long NO_TIMEOUT_WAIT_SECONDS = 60;
    /** conntrackd's default {@code HashLimit}. */
    static final int DEFAULT_LIMIT = 262_144;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private record Change(EventType type, Expectation exp, long receivedNanos) {}

    /**
     * Counters.
     *
     * @param received expectation messages handed over
     * @param created  expectations written
     * @param deleted  expectations deleted
     * @param absent   deletes of expectations already gone
     * @param retries  creates retried because the master was not there yet
     * @param failed   creates given up (master absent until the timeout passed, no helper, other errors)
     * @param pending  expectations waiting for their master now
     * @param overflows of {@code failed}, refused because the queue or the waiting set was full
     */
    public record Stats(long received, long created, long deleted, long absent, long retries, long failed,
                        int pending, long overflows) {}

    private final ExpectationTable table;
    private final Runnable flowsWritten;
    private final Clock clock;
    private final Object lock = new Object();
    private final ArrayDeque<Change> queue = new ArrayDeque<>();          // guarded by lock
    private final Map<Expectation.Id, Change> waiting = new LinkedHashMap<>(); // the one running writer thread only
    /** The running writer thread, null while idle (guarded by lock). */
    private Thread writer;
    private boolean started;                                               // guarded by lock
    private volatile boolean closed;
    private volatile int pending;

    private final AtomicLong received = new AtomicLong();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong absent = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong overflows = new AtomicLong();
    private final int limit;

    /**
     * @param table        where the expectations are written
     * @param flowsWritten blocks until the flow writer has written every state handed to it so far
     */
    public ExpectationWriter(ExpectationTable table, Runnable flowsWritten, Clock clock) {
        this(table, flowsWritten, clock, DEFAULT_LIMIT);
    }

    /** @param limit the most expectations queued, and the most waiting for their master */
    public ExpectationWriter(ExpectationTable table, Runnable flowsWritten, Clock clock, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("expectation writer limit " + limit);
        }
        this.limit = limit;
        this.table = Objects.requireNonNull(table);
        this.flowsWritten = Objects.requireNonNull(flowsWritten);
        this.clock = Objects.requireNonNull(clock);
    }

    public void start() {
        synchronized (lock) {
            started = true;
            wakeWriter();
        }
    }

    @Override
    public void onExpectation(EventType type, Expectation e) {
        synchronized (lock) {
            received.incrementAndGet();
            if (queue.size() >= limit) {
                overflow(e);
                return;
            }
            queue.add(new Change(type, e, clock.nanos()));
            wakeWriter();
        }
    }

    /** Starts a writer thread when there is work and none runs, else wakes it (called under lock). */
    private void wakeWriter() {
        if (!started || closed) {
            return;
        }
        if (writer != null) {
            lock.notifyAll();
        } else if (!queue.isEmpty()) {
            writer = Thread.ofPlatform().daemon(true).name("hftfw-expect-writer").start(this::run);
        }
    }

    private void run() {
        while (true) {
            List<Change> work;
            synchronized (lock) {
                while (!closed && queue.isEmpty()) {
                    if (waiting.isEmpty()) {
                        writer = null;                      // idle: the next expectation starts a thread
                        return;
                    }
                    try {
                        lock.wait(RETRY_MILLIS);
                    } catch (InterruptedException e) {
                        writer = null;
                        return;
                    }
                    break;                                  // a retry pass for the waiting ones
                }
                if (closed) {
                    writer = null;
                    return;
                }
                work = new ArrayList<>(queue);
                queue.clear();
            }
            try {
                if (!work.isEmpty()) {
                    flowsWritten.run();
                }
                for (Change c : work) {
                    waiting.remove(c.exp().id());        // a newer message of the same expectation wins
                }
                List<Change> again = new ArrayList<>(waiting.values());
                waiting.clear();
                for (Change c : again) {
                    retries.incrementAndGet();
                    apply(c);
                }
                for (Change c : work) {
                    apply(c);
                }
                pending = waiting.size();
            } catch (RuntimeException e) {
                LOG.warn("expectation writer: a pass failed", e);
            }
        }
    }

    private void apply(Change c) {
        Expectation e = c.exp();
        if (c.type() == EventType.DESTROY) {
            try {
                table.delete(e);
                deleted.incrementAndGet();
            } catch (ConntrackException.NoSuchEntryException gone) {
                absent.incrementAndGet();
            } catch (ConntrackException ex) {
                failed.incrementAndGet();
                LOG.warn("could not delete the peer's expectation {}: {}", e, ex.getMessage());
            }
            return;
        }
        long age = (clock.nanos() - c.receivedNanos()) / NANOS_PER_SECOND;
        Expectation now = e.timeout() < 0 ? e : e.withTimeout(Math.max(1, e.timeout() - age));
        try {
            table.create(now, true);
            created.incrementAndGet();
        } catch (ConntrackException.NoSuchEntryException noMaster) {
            if (age < (e.timeout() < 0 ? NO_TIMEOUT_WAIT_SECONDS : e.timeout())) {
                if (waiting.size() >= limit) {
                    overflow(e);
                } else {
                    waiting.put(e.id(), c);
                }
            } else {
                failed.incrementAndGet();
                LOG.warn("gave up the peer's expectation {}: its master conntrack never arrived", e);
            }
        } catch (ConntrackException ex) {
            failed.incrementAndGet();
            LOG.warn("could not write the peer's expectation {}: {}", e, ex.getMessage());
        }
    }

    private void overflow(Expectation e) {
        failed.incrementAndGet();
        if (overflows.incrementAndGet() == 1) {
            LOG.warn("expectation writer full ({} queued or waiting, sync.external-cache-limit): the peer's "
                    + "expectation {} given up; further ones are counted only", limit, e);
        }
    }

    /** Whether a writer thread runs now. */
    boolean writing() {
        synchronized (lock) {
            return writer != null;
        }
    }

    public Stats stats() {
        return new Stats(received.get(), created.get(), deleted.get(), absent.get(), retries.get(), failed.get(),
                pending, overflows.get());
    }

    @Override
    public void close() {
        Thread running;
        synchronized (lock) {
            closed = true;
            running = writer;
            lock.notifyAll();
        }
        if (running == null) {
            return;
        }
        try {
            running.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
