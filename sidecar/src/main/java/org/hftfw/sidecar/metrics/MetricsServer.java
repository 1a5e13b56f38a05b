package org.hftfw.sidecar.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.hftfw.sync.MetricsRegistry;

/**
 * Serves {@code GET /metrics} (Prometheus text format) on the configured address, by default loopback only:
 * the metrics of a firewall are not for the world.
 *
 * <p>Design note. A scrape is one short request answered with {@code Connection: close}, which Prometheus handles
 * as well as keep-alive. So the server is a small HTTP/1.1 responder on a Netty event loop the daemon already runs
 * (the FT-FW channel's) rather than the JDK's server, which costs three platform threads of its own plus the
 * virtual-thread scheduler's (six threads in all, against the daemon's budget of 16). Nothing blocks on the loop:
 * headers are collected as they arrive (at most {@link #MAX_REQUEST_BYTES}), the registry is rendered in memory on
 * the render executor, the answer is written back on the loop and the connection closed. A client that never
 * finishes its headers is closed after {@link #MAX_REQUEST_SECONDS} without holding anyone else up, and at most
 * {@link #MAX_CONNECTIONS} connections are open at once: a new one beyond that closes the oldest that has not sent its
 * request yet, so one local process holding every slot with idle connections cannot keep a scrape out (issue 14
 * review G8: closing the newcomer instead let it refuse nearly every scrape); only when every slot is being answered
 * is the newcomer closed.
 */
public final class MetricsServer implements AutoCloseable {
    static final int MAX_REQUEST_SECONDS = 5;
    static final int MAX_CONNECTIONS = 64;
    static final int MAX_REQUEST_BYTES = 8192;

    private final Channel server;

    private MetricsServer(Channel server) {
        this.server = server;
    }

    /**
     * Listens on {@code bind} on {@code loop} (the daemon passes the FT-FW channel's loop, epoll or NIO: no thread of
     * its own); each scrape is rendered on {@code render} (the daemon's timer thread), because the registry's gauges
     * ask the FT-FW loop for its counters and wait for the answer, which they cannot do on that loop itself.
     */
    public static MetricsServer start(InetSocketAddress bind, MetricsRegistry registry, EventLoop loop,
                                      Executor render) throws IOException {
        boolean epoll = loop instanceof IoEventLoop io && io.isCompatible(EpollIoHandle.class);
        ConnectionLimit limit = new ConnectionLimit();
        ServerBootstrap bootstrap = new ServerBootstrap().group(loop)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 16)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (!limit.admit(ch)) {
                            var _ = ch.close();
                            return;
                        }
                        var _ = ch.eventLoop().schedule(() -> {
                            var _ = ch.close();
                        }, MAX_REQUEST_SECONDS, TimeUnit.SECONDS);
                        ch.pipeline().addLast(new Exchange(registry, render, () -> limit.answering(ch)));
                    }
                });
        try {
            return new MetricsServer(bootstrap.bind(bind).sync().channel());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding the metrics address " + bind, e);
        } catch (RuntimeException e) {
            throw new IOException("cannot listen for metrics on " + bind + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Stops listening; the loop belongs to the caller. */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    /**
     * Open connections in the order they were accepted, and which of them are being answered; used on the one event
     * loop thread only (no synchronisation needed).
     */
    private static final class ConnectionLimit {
        private final java.util.LinkedHashSet<Channel> open = new java.util.LinkedHashSet<>();
        private final java.util.Set<Channel> answering = new java.util.HashSet<>();

        /** Takes {@code ch}, closing the oldest idle connection to make room; false: every slot is answering. */
        boolean admit(Channel ch) {
            if (open.size() >= MAX_CONNECTIONS) {
                Channel oldestIdle = null;
                for (Channel c : open) {
                    if (!answering.contains(c)) {
                        oldestIdle = c;
                        break;
                    }
                }
                if (oldestIdle == null) {
                    return false;
                }
                forget(oldestIdle);
                var _ = oldestIdle.close();
            }
            open.add(ch);
            ch.closeFuture().addListener(f -> forget(ch));
            return true;
        }

        /** {@code ch} sent its request: it is no longer idle. */
        void answering(Channel ch) {
            if (open.contains(ch)) {
                answering.add(ch);
            }
        }

        private void forget(Channel ch) {
            open.remove(ch);
            answering.remove(ch);
        }
    }

    /** One request on one connection: headers in, one response out, closed. */
    private static final class Exchange extends ChannelInboundHandlerAdapter {
        private final MetricsRegistry registry;
        private final Executor render;
        private final Runnable requestComplete;
        private final StringBuilder head = new StringBuilder();
        private boolean answered;

        Exchange(MetricsRegistry registry, Executor render, Runnable requestComplete) {
            this.registry = registry;
            this.render = render;
            this.requestComplete = requestComplete;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (answered) {
                    return;                                  // anything after the request is not read
                }
                // ISO-8859-1 maps every byte to one char, so the length is the byte count
                head.append(in.toString(StandardCharsets.ISO_8859_1));
                int end = head.indexOf("\r\n\r\n");
                if ((end < 0 ? head.length() : end) > MAX_REQUEST_BYTES) {
                    respond(ctx, 431, "Request Header Fields Too Large", "", "text/plain");
                } else if (end >= 0) {
                    requestComplete.run();
                    answer(ctx, head.substring(0, head.indexOf("\r\n")));
                }
            } finally {
                in.release();
            }
        }

        private void answer(ChannelHandlerContext ctx, String requestLine) {
            String[] parts = requestLine.split(" ", -1);
            if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
                respond(ctx, 400, "Bad Request", "", "text/plain");
                return;
            }
            boolean head = "HEAD".equals(parts[0]);
            if (!"GET".equals(parts[0]) && !head) {
                respond(ctx, 405, "Method Not Allowed", "", "text/plain");
                return;
            }
            int query = parts[1].indexOf('?');
            String path = query < 0 ? parts[1] : parts[1].substring(0, query);
            if (!"/metrics".equals(path)) {
                respond(ctx, 404, "Not Found", "only /metrics is served\n", "text/plain");
                return;
            }
            answered = true;
            try {
                render.execute(() -> {
                    byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                    // back on the connection's loop, where the rest of the exchange runs
                    ctx.executor().execute(() -> respond(ctx, 200, "OK", body, !head,
                            "text/plain; version=0.0.4; charset=utf-8"));
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                respond(ctx, 503, "Service Unavailable", "shutting down\n", "text/plain");
            }
        }

        private void respond(ChannelHandlerContext ctx, int status, String reason, String body, String type) {
            respond(ctx, status, reason, body.getBytes(StandardCharsets.UTF_8), true, type);
        }

        /** Writes the response (the body left out for HEAD) and closes the connection. */
        private void respond(ChannelHandlerContext ctx, int status, String reason, byte[] body, boolean withBody,
                String type) {
            answered = true;
            StringBuilder r = new StringBuilder(128)
                    .append("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n")
                    .append("Content-Type: ").append(type).append("\r\n")
                    .append("Content-Length: ").append(body.length).append("\r\n");
            if (status == 405) {
                r.append("Allow: GET, HEAD\r\n");
            }
            r.append("Connection: close\r\n\r\n");
            ByteBuf out = Unpooled.copiedBuffer(r, StandardCharsets.ISO_8859_1);
            if (withBody) {
                out = Unpooled.wrappedBuffer(out, Unpooled.wrappedBuffer(body));
            }
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            var _ = ctx.close();                             // a reset by the client; nothing to answer
        }
    }
}
