package org.hftfw.common;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs tasks later, on one thread, on a {@link Clock}: the FT-FW engine's timers on its Netty event loop, the
 * predictor's sampling rounds and the lazy replicator's sweeps on a daemon thread, everything on virtual time in
 * tests. A task never runs inline in {@link #schedule}, so a caller holding a lock cannot re-enter itself.
 */
public interface Scheduler extends Clock {

    /** A scheduled task, or a periodic one; cancelling twice, or after it ran, does nothing. */
    @FunctionalInterface
    interface Cancellable {
        void cancel();
    }

    /** Runs {@code task} on the scheduler's thread after {@code delayNanos} (≤ 0: as soon as possible). */
    Cancellable schedule(Runnable task, long delayNanos);

    /**
     * Runs {@code task} as soon as possible and then again {@code period} after each run ended (fixed delay, so a
     * slow run never piles up behind itself), until the returned handle is cancelled.
     */
    default Cancellable every(Duration period, Runnable task) {
        long nanos = period.toNanos();
        if (nanos <= 0) {
            throw new IllegalArgumentException("period must be > 0, got " + period);
        }
        return new Periodic(this, nanos, task).start();
    }

    /** A scheduler with one daemon thread of its own, on the system clock; {@link Daemon#close()} ends the thread. */
    static Daemon daemon(String threadName) {
        return new Daemon(threadName);
    }

    /** {@link #daemon(String)}. */
    final class Daemon implements Scheduler, AutoCloseable {
        private final ScheduledExecutorService executor;

        private Daemon(String threadName) {
            executor = Executors.newSingleThreadScheduledExecutor(
                    r -> Thread.ofPlatform().daemon().name(threadName).unstarted(r));
        }

        @Override
        public long nanos() {
            return System.nanoTime();
        }

        @Override
        public Cancellable schedule(Runnable task, long delayNanos) {
            ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }

        @Override
        public void close() {
            executor.shutdownNow();
        }
    }

    /** The self-rescheduling task behind {@link #every}. */
    final class Periodic {
        private final Scheduler scheduler;
        private final long periodNanos;
        private final Runnable task;
        private volatile boolean cancelled;
        private volatile Cancellable next;

        private Periodic(Scheduler scheduler, long periodNanos, Runnable task) {
            this.scheduler = scheduler;
            this.periodNanos = periodNanos;
            this.task = task;
        }

        private Cancellable start() {
            next = scheduler.schedule(this::run, 0);
            return () -> {
                cancelled = true;
                next.cancel();
            };
        }

        private void run() {
            if (cancelled) {
                return;
            }
            try {
                task.run();
            } finally {
                if (!cancelled) {
                    next = scheduler.schedule(this::run, periodNanos);
                }
            }
        }
    }
}
