package org.hftfw.predictor;

import java.time.Duration;
import org.hftfw.common.Scheduler;

import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.hftfw.common.Scheduler;
import org.slf4j.Logger;

/**
 * Log lines of the decision path (fault sample → alerts → migration order), formatted and written by a background
 * thread so that the thread that decides never waits for the log. A synchronous console or journal write costs
 * tens of microseconds to milliseconds, and these lines are written exactly when a decision is being made: with
 * them inline, the samples that ordered a migration had a p99 latency of 1.2-2.1 ms instead of 0.1-0.5 ms
 * ({@code DecisionLatencyBenchmark}, docs/performance.md).
 *
 * <p>Design note. One FIFO and one writer thread, so lines keep their order among themselves; the arguments must
 * be immutable (records, strings, enums), since they are formatted later. Enqueueing does no I/O, no formatting
 * and no wake-up: the writer polls every {@value #POLL_MILLIS} ms and is woken only when the queue is half full.
 * Bounded: when {@value #CAPACITY} lines are waiting, the caller writes its line itself (slower, nothing lost) and
 * the fallback is counted ({@link #inlineWrites()}). Lines still queued at JVM exit are written by a shutdown hook.
 * The level check happens at once on the caller's thread, so disabled levels cost nothing. The logger's
 * {@code %thread} shows the writer thread for these lines. The sync daemon hands it its shared timer thread instead
 * ({@link #drainOn}).
 */
public final class DeferredLog {

    /** The levels the decision path uses. */
    public enum Level { ERROR, WARN, INFO }

    static final int CAPACITY = 4096;
    static final int POLL_MILLIS = 20;

    /** One deferred line: written as {@code log.<level>(format, args)}. */
    // a logger's varargs, handed over once and never compared
    @SuppressWarnings("ArrayRecordComponent")
    record Line(Logger log, Level level, String format, Object[] args) {

        void write() {
            switch (level) {
                case ERROR -> log.error(format, args);
                case WARN -> log.warn(format, args);
                case INFO -> log.info(format, args);
            }
        }
    }

    private static final DeferredLog SHARED = new DeferredLog(Line::write, CAPACITY, true);

    private final Consumer<Line> writer;
    private final int capacity;
    private final boolean background;
    private final ConcurrentLinkedQueue<Line> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong inline = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile Thread thread;
    private volatile Scheduler drainer;

    DeferredLog(Consumer<Line> writer, int capacity, boolean background) {
        this.writer = Objects.requireNonNull(writer, "writer");
        this.capacity = capacity;
        this.background = background;
    }

    /** The process-wide instance (one writer thread, started on first use). */
    public static DeferredLog shared() {
        return SHARED;
    }

    public void error(Logger log, String format, Object... args) {
        if (log.isErrorEnabled()) {
            enqueue(new Line(log, Level.ERROR, format, args));
        }
    }

    public void warn(Logger log, String format, Object... args) {
        if (log.isWarnEnabled()) {
            enqueue(new Line(log, Level.WARN, format, args));
        }
    }

    public void info(Logger log, String format, Object... args) {
        if (log.isInfoEnabled()) {
            enqueue(new Line(log, Level.INFO, format, args));
        }
    }

    /**
     * Writes the queued lines from {@code scheduler}'s thread every {@value #POLL_MILLIS} ms instead of a writer
     * thread of this log's own (the sync daemon's shared timer thread: one thread less in its budget). Called before
     * the first line, else the writer thread already runs and this does nothing.
     */
    public synchronized void drainOn(Scheduler scheduler) {
        if (thread != null || drainer != null || !background) {
            return;
        }
        drainer = scheduler;
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(this::drain));
        scheduler.every(Duration.ofMillis(POLL_MILLIS), this::drain);
    }

    /** Writes every line queued so far before returning (e.g. before a shutdown, or a test reading the log). */
    public void flush() {
        drain();
    }

    /** Lines the callers had to write themselves because the queue was full. */
    public long inlineWrites() {
        return inline.get();
    }

    /** Lines the log backend failed to write (it threw). */
    public long writeFailures() {
        return failures.get();
    }

    private void enqueue(Line line) {
        int n = queued.incrementAndGet();
        if (n > capacity) {
            queued.decrementAndGet();
            inline.incrementAndGet();
            drain();
            writer.accept(line);
            return;
        }
        queue.add(line);
        Scheduler d = drainer;
        Thread t = thread;
        if (d != null) {
            if (n == capacity / 2) {
                d.schedule(this::drain, 0);
            }
        } else if (t == null) {
            start();
        } else if (n == capacity / 2) {
            LockSupport.unpark(t);
        }
    }

    /** Writes every queued line on the calling thread, in order. */
    synchronized void drain() {
        for (Line l; (l = queue.poll()) != null; ) {
            queued.decrementAndGet();
            try {
                writer.accept(l);
            } catch (RuntimeException e) {
                failures.incrementAndGet(); // a failing backend must not stop the writer: counted, see writeFailures()
            }
        }
    }

    private synchronized void start() {
        if (thread != null || drainer != null || !background) {
            return;
        }
        Thread t = Thread.ofPlatform().daemon(true).name("hftfw-deferred-log").unstarted(this::run);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(this::drain));
        thread = t;
        t.start();
    }

    private void run() {
        while (true) {
            drain();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS));
        }
    }
}
