package org.hftfw.ftfw;

import java.util.PriorityQueue;

/** A single-threaded virtual clock: tasks run in time order when the test advances time. */
final class VirtualScheduler implements Scheduler {
    private record Task(long at, long order, Runnable r) {}

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((x, y) ->
            x.at != y.at ? Long.compare(x.at, y.at) : Long.compare(x.order, y.order));
    private long now;
    private long order;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void schedule(Runnable task, long delayNanos) {
        tasks.add(new Task(now + Math.max(0, delayNanos), order++, task));
    }

    /** Runs every task due up to {@code now + nanos}, then sets the clock there. */
    void advance(long nanos) {
        long end = now + nanos;
        Task t;
        while ((t = tasks.peek()) != null && t.at <= end) {
            tasks.poll();
            now = t.at;
            t.r.run();
        }
        now = end;
    }

    /** Advances in steps until {@code done} holds or {@code maxNanos} passed; returns the time taken or -1. */
    long advanceUntil(java.util.function.BooleanSupplier done, long stepNanos, long maxNanos) {
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
