package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The second half of the start-up warm-up ({@link WarmUp} runs the engine's code between two in-memory engines): the
 * sync socket's code in Netty — a datagram written and flushed from the event loop, read in batches by the channel
 * and handed to its inbound handler — over a throwaway pair of {@link DatagramLink}s on the loopback address, on the
 * channel's own event loop. With the warm-up in memory only, a daemon's first migration still compiled Netty's
 * outbound path on the primary (ChannelOutboundBuffer, DatagramPacket, the epoll channel's write) and its read path
 * on the backup once it had begun (session 10, {@code -XX:+LogCompilation} of both daemons in {@code hftfw migrate
 * bench --through-daemons}); the first migration took 60-100 ms more than the next. Nothing reaches the peer or the
 * sync socket. Where the loopback cannot carry them (down in a network namespace), fewer come back and nothing else
 * changes.
 */
final class LoopbackRehearsal {
    private LoopbackRehearsal() {}

    /** Datagrams sent per task on the event loop: the loop reads between tasks, so the receive buffer never fills. */
    private static final int PER_TASK = 16;

    /**
     * Sends {@code datagrams} datagrams of {@code payloadBytes} from one loopback socket to another on {@code loop},
     * waits at most {@code wait} for them, closes both and returns how many arrived. Not on {@code loop} itself.
     */
    static int run(EventLoop loop, boolean epoll, ByteBufAllocator alloc, int payloadBytes, int datagrams,
                   Duration wait) throws InterruptedException {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        Counter counter = new Counter(datagrams);
        DatagramLink to = DatagramLink.open(FtfwConfig.of(any, any), loop, epoll, counter);
        try {
            DatagramLink from = DatagramLink.open(FtfwConfig.of(any, to.localAddress()), loop, epoll, new Counter(0));
            try {
                loop.execute(() -> send(loop, from, alloc, payloadBytes, datagrams));
                var _ = counter.all.await(wait.toNanos(), TimeUnit.NANOSECONDS);
            } finally {
                from.close();
            }
        } finally {
            to.close();
        }
        return counter.received.get();
    }

    /** Sends the next {@link #PER_TASK} of {@code left} and queues the rest as a new task (on the event loop). */
    private static void send(EventLoop loop, DatagramLink from, ByteBufAllocator alloc, int payloadBytes, int left) {
        int n = Math.min(PER_TASK, left);
        for (int i = 0; i < n; i++) {
            ByteBuf d = alloc.directBuffer(payloadBytes);
            d.writerIndex(payloadBytes);
            from.send(d);
        }
        if (left > n) {
            loop.execute(() -> send(loop, from, alloc, payloadBytes, left - n));
        }
    }

    /** Counts (and releases) what arrives; {@link #all} opens once {@code expected} did. */
    @ChannelHandler.Sharable
    private static final class Counter extends SimpleChannelInboundHandler<DatagramPacket> {
        final AtomicInteger received = new AtomicInteger();
        final CountDownLatch all = new CountDownLatch(1);
        private final int expected;

        Counter(int expected) {
            super(DatagramPacket.class);
            this.expected = expected;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            if (received.incrementAndGet() == expected) {
                all.countDown();
            }
        }
    }
}
