package org.hftfw.sidecar;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hftfw.predictor.Scheduler;

/**
 * A scheduler on the replay's clock: a task runs once when scheduled (as the daemon's scheduler does), then each
 * time the replay has advanced the log's time by its period. Tasks run on the replay thread, in the order they
 * were scheduled.
 */
final class RecordedTimeScheduler implements Scheduler {
    private static final class Task {
        final long period;
        final Runnable body;
        long next = Long.MIN_VALUE;

        Task(long period, Runnable body) {
            this.period = period;
            this.body = body;
        }
    }

    private final List<Task> tasks = new CopyOnWriteArrayList<>();

    @Override
    public AutoCloseable every(Duration period, Runnable task) {
        Task t = new Task(period.toNanos(), task);
        tasks.add(t);
        task.run();
        return () -> tasks.remove(t);
    }

    /** The log's time is now {@code nanos}: runs every task whose period has passed. */
    void advanceTo(long nanos) {
        for (Task t : tasks) {
            if (t.next == Long.MIN_VALUE) {
                t.next = nanos + t.period;                  // the log's clock starts at its first event
            } else if (nanos >= t.next) {
                t.next = nanos + t.period;
                t.body.run();
            }
        }
    }
}

