package org.hftfw.common;

import java.time.Duration;

/**
 * For tests that own time themselves: a periodic task ({@link #every}) runs only when the test calls {@link #round()},
 * as often as it likes, whatever the period. One-shot scheduling is refused: code that needs timers is tested on a
 * {@link VirtualScheduler}.
 */
public final class ManualScheduler implements Scheduler {
    private Runnable task;
    private Duration period;

    @Override
    public long nanos() {
        return 0;
    }

    @Override
    public Cancellable schedule(Runnable t, long delayNanos) {
        throw new UnsupportedOperationException("a ManualScheduler only runs periodic tasks, when the test says");
    }

    @Override
    public Cancellable every(Duration p, Runnable t) {
        period = p;
        task = t;
        return () -> task = null;
    }

    /** Runs the periodic task once; false if none is scheduled (never was, or it was cancelled). */
    public boolean round() {
        Runnable t = task;
        if (t == null) {
            return false;
        }
        t.run();
        return true;
    }

    /** The period the task was scheduled with, or null. */
    public Duration period() {
        return period;
    }
}
