package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import org.hftfw.common.Clock;
import org.hftfw.common.Scheduler;

/**
 * The sending half of an {@link FtfwChannel} without its socket and thread, for the pipeline benchmark: the same
 * hand-off to the event loop ({@link PublishBatch}), the real
 * {@link FtfwEngine}, encoder and {@link DatagramPacker}, and a sink that counts each datagram and frees it. The
 * event loop is {@link Loop}: tasks queue up and run when the caller runs the loop, on the caller's thread and the
 * given clock, so the whole pipeline runs on one thread. The peer never answers: the resend queue fills up and then
 * drops its oldest node per new one, as it would with a silent peer.
 */
public final class NullSinkChannel {
    private final Loop loop;
    private final FtfwEngine engine;
    private long datagrams;
    private long bytes;

    public NullSinkChannel(Clock clock) {
        loop = new Loop(clock);
        FtfwConfig cfg = FtfwConfig.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 1));
        engine = new FtfwEngine(cfg, loop, 1, PooledByteBufAllocator.DEFAULT, this::sink,
                (type, entry, extras) -> { }, sink -> { });
    }

    private void sink(ByteBuf datagram) {
        datagrams++;
        bytes += datagram.readableBytes();
        datagram.release();
    }

    /** As {@code FtfwChannel.batch}: the changes of a batch go to the event loop in one task. */
    public PublishBatch batch() {
        return new PublishBatch(loop, engine);
    }

    /** Runs the event loop until nothing is due: the engine encodes and packs what was published. */
    public void runLoop() {
        loop.runDue();
    }

    public long datagrams() {
        return datagrams;
    }

    public long bytes() {
        return bytes;
    }

    /** Data messages the engine sent. */
    public long messages() {
        return engine.stats().dataTx();
    }

    /** A single-threaded event loop on an outside clock: runs queued and due tasks when told to. */
    static final class Loop implements Scheduler, Executor {
        private record Timer(long at, long order, Runnable task) {}

        private final Clock clock;
        private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
        private final PriorityQueue<Timer> timers = new PriorityQueue<>((x, y) ->
                x.at != y.at ? Long.compare(x.at, y.at) : Long.compare(x.order, y.order));
        private long order;

        Loop(Clock clock) {
            this.clock = clock;
        }

        @Override
        public long nanos() {
            return clock.nanos();
        }

        @Override
        public void execute(Runnable task) {
            ready.add(task);
        }

        @Override
        public Cancellable schedule(Runnable task, long delayNanos) {
            if (delayNanos <= 0) {
                ready.add(task);
            } else {
                timers.add(new Timer(clock.nanos() + delayNanos, order++, task));
            }
            return () -> {
                throw new UnsupportedOperationException("the FT-FW engine does not cancel timers");
            };
        }

        void runDue() {
            long now = clock.nanos();
            for (Timer t; (t = timers.peek()) != null && t.at <= now; ) {
                ready.add(timers.poll().task);
            }
            for (Runnable r; (r = ready.poll()) != null; ) {
                r.run();
            }
        }
    }
}
