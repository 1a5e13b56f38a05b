package org.hftfw.ftfw;

import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/** {@link Scheduler} on a Netty event loop: the engine's single thread, with the JVM's monotonic clock. */
final class NettyScheduler implements Scheduler {
    private final EventLoop loop;

    NettyScheduler(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void schedule(Runnable task, long delayNanos) {
        if (delayNanos <= 0) {
            loop.execute(task);
        } else {
            // the Scheduler contract has no cancellation, and a task's failure is the loop's to log
            var _ = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        }
    }
}
