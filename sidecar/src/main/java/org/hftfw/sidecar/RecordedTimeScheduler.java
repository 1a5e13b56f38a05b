package org.hftfw.sidecar;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.hftfw.common.Scheduler;

/**
 * A scheduler on the replay's clock: a task runs when the replay has advanced the log's time past its due time, on
 * the replay thread, in due order (ties in the order they were scheduled). Before the first event nothing is due
 * yet: a task scheduled then runs at the first event (the log's clock starts there).
 */
final class RecordedTimeScheduler implements Scheduler {
    // cancelled is a flag cell shared with the Cancellable; Tasks are ordered by the comparator, never compared
    @SuppressWarnings("ArrayRecordComponent")
    private record Task(long at, long order, Runnable body, boolean[] cancelled) {}

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((x, y) ->
            x.at != y.at ? Long.compare(x.at, y.at) : Long.compare(x.order, y.order));
    private boolean started;
    private long now;
    private long order;

    @Override
    public synchronized long nanos() {
        return now;
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayNanos) {
        boolean[] cancelled = {false};
        tasks.add(new Task(started ? now + Math.max(0, delayNanos) : Long.MIN_VALUE, order++, task, cancelled));
        return () -> {
            synchronized (this) {
                cancelled[0] = true;
            }
        };
    }

    /** The log's time is now {@code nanos}: runs every task due by then. */
    void advanceTo(long nanos) {
        List<Task> run = new ArrayList<>();
        synchronized (this) {
            started = true;
            now = Math.max(now, nanos);
            while (!tasks.isEmpty() && tasks.peek().at <= now) {
                Task t = tasks.poll();
                if (!t.cancelled[0]) {
                    run.add(t);
                }
            }
        }
        for (Task t : run) {
            t.body.run();                                   // a periodic task schedules its next run for later
        }
    }
}
