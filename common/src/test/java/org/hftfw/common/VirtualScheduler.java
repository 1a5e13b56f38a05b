package org.hftfw.common;

import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * A single-threaded virtual clock for tests: tasks run in time order (ties in the order they were scheduled) when
 * the test advances time, never on their own. Shared with other modules through the common test-jar.
 */
public final class VirtualScheduler implements Scheduler {
    private static final class Task implements Cancellable {
        final long at;
        final long order;
        final Runnable r;
        boolean cancelled;

        Task(long at, long order, Runnable r) {
            this.at = at;
            this.order = order;
            this.r = r;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((x, y) ->
            x.at != y.at ? Long.compare(x.at, y.at) : Long.compare(x.order, y.order));
    private long now;
    private long order;

    @Override
    public long nanos() {
        return now;
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        Task t = new Task(now + Math.max(0, delayNanos), order++, task);
        tasks.add(t);
        return t;
    }

    /** Runs every task due up to {@code now + nanos}, then sets the clock there. */
    public void advance(long nanos) {
        long end = now + nanos;
        Task t;
        while ((t = tasks.peek()) != null && t.at <= end) {
            tasks.poll();
            if (!t.cancelled) {
                now = t.at;
                t.r.run();
            }
        }
        now = end;
    }

    /** Runs what is due now (tasks scheduled with no delay), without moving the clock. */
    public void runDue() {
        advance(0);
    }

    /** Advances in steps until {@code done} holds or {@code maxNanos} passed; returns the time taken or -1. */
    public long advanceUntil(BooleanSupplier done, long stepNanos, long maxNanos) {
        long start = now;
        while (now - start < maxNanos) {
            if (done.getAsBoolean()) {
                return now - start;
            }
            advance(stepNanos);
        }
        return done.getAsBoolean() ? now - start : -1;
    }
}
