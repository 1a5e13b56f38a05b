package org.hftfw.ftfw;

import org.hftfw.common.Scheduler;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;

/** {@link Scheduler} on a Netty event loop: the engine's single thread, with the JVM's monotonic clock. */
final class NettyScheduler implements Scheduler {
    private final EventLoop loop;

    NettyScheduler(EventLoop loop) {
        this.loop = loop;
    }

    @Override
    public long nanos() {
        return System.nanoTime();
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        if (delayNanos <= 0) {
            loop.execute(task);
            return () -> { };
        }
        var f = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }
}
