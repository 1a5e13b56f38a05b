package org.hftfw.predictor;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Runs a task periodically. Tests drive time by hand; the daemon uses {@link #daemon(String)}. */
@FunctionalInterface
public interface Scheduler {

    /** Schedules {@code task} every {@code period}; the returned handle cancels it. */
    AutoCloseable every(Duration period, Runnable task);

    /** One daemon thread, fixed delay between runs. */
    static Scheduler daemon(String threadName) {
        return (period, task) -> {
            ScheduledExecutorService ex = Executors.newSingleThreadScheduledExecutor(
                    r -> Thread.ofPlatform().daemon().name(threadName).unstarted(r));
            ScheduledFuture<?> f = ex.scheduleWithFixedDelay(task, 0, period.toNanos(), TimeUnit.NANOSECONDS);
            return () -> {
                f.cancel(false);
                ex.shutdownNow();
            };
        };
    }
}
