package org.hftfw.ftfw;

import io.netty.bootstrap.Bootstrap;
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
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP transport, as conntrackd's (conntrack-tools src/tcp.c, src/channel_tcp.c): two connections per pair, one
 * per direction. This node listens on its local address and port and reads the one connection its peer makes;
 * it connects from its local address to the peer's address and port and writes to that connection only.
 *
 * <p>A connection that fails or closes is made again, at most once a second (conntrackd's {@code
 * TCP_CONNECT_TIMEOUT}). What is sent while it is down waits in a queue bounded by the socket buffer size, oldest
 * dropped first; what is written to a connection the peer does not read fast enough waits in Netty's outbound buffer
 * up to the same bound and is dropped past it. Either loss is a gap FT-FW's NACK recovers, as it recovers a lost
 * datagram. An accepted connection from any address but the peer's is closed at once and counted as a datagram
 * from a stranger ({@link DropReason#NOT_PEER}). Without a key, a new one from the peer's address replaces the one
 * before (its restart), as conntrackd's {@code tcp_accept} does, and the replacement is counted and logged. With a
 * key, the address proves nothing (review14 G13: any local process on the peer's host, or a spoofer, cut the live
 * connection at will): while a live connection stands, a new one is only a candidate, read like the live one but
 * promoted (and the old one closed) once a buffer of it authenticated, bound to our nonce; a newer candidate
 * replaces an older one, never the live connection. The received bytes are cut into the engine's buffers by a
 * {@link StreamFramer}. Runs on the event loop except {@link #open} and {@link #close}.
 */
final class TcpLink implements LinkSocket {
    private static final Logger LOG = LoggerFactory.getLogger(TcpLink.class);
    private static final long RECONNECT_SECONDS = 1;

    private final FtfwConfig cfg;
    private final EventLoop loop;
    private final boolean epoll;
    private final EngineInboundHandler inbound;
    private final Channel server;
    private final ArrayDeque<ByteBuf> waiting = new ArrayDeque<>();
    private int waitingBytes;
    private Channel out;
    private Channel in;
    /** With a key: a newer connection from the peer's address, not authenticated yet. */
    private Channel candidate;
    private long replaced;
    private boolean connecting;
    private long dropped;
    private volatile boolean closed;

    private TcpLink(FtfwConfig cfg, EventLoop loop, boolean epoll, EngineInboundHandler inbound, Channel server) {
        this.cfg = cfg;
        this.loop = loop;
        this.epoll = epoll;
        this.inbound = inbound;
        this.server = server;
    }

    static TcpLink open(FtfwConfig cfg, EventLoop loop, boolean epoll, EngineInboundHandler inbound)
            throws InterruptedException {
        TcpLink[] self = new TcpLink[1];
        ServerBootstrap sb = new ServerBootstrap().group(loop)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1)
                .childOption(ChannelOption.SO_RCVBUF, cfg.socketBuffer())
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        self[0].accepted(ch);
                    }
                });
        Channel server = sb.register().sync().channel();
        try {
            if (!cfg.iface().isEmpty()) {
                LinkSocket.bindToDevice(server, cfg.iface());
            }
            server.bind(cfg.bind()).sync();
        } catch (InterruptedException | RuntimeException e) {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            throw e;
        }
        TcpLink link = new TcpLink(cfg, loop, epoll, inbound, server);
        self[0] = link;
        loop.execute(link::connect);
        return link;
    }

    @Override
    public FtfwChannel.TcpConnections connections() {
        return new FtfwChannel.TcpConnections(in != null && in.isActive(), out != null && out.isActive(),
                replaced);
    }

    // ---- receiving: the peer's connection to us

    private void accepted(SocketChannel ch) {
        InetSocketAddress remote = ch.remoteAddress();
        if (closed || !remote.getAddress().equals(cfg.peer().getAddress())) {
            inbound.deliver(Unpooled.EMPTY_BUFFER, remote);      // counted as a datagram from a stranger
            var _ = ch.close();
            return;
        }
        if (cfg.auth() != null && in != null && in.isActive()) {
            if (candidate != null) {
                var _ = candidate.close();
            }
            candidate = ch;
            ch.pipeline().addLast(new Reader(remote));
            return;
        }
        if (in != null) {
            replaced++;
            LOG.info("FT-FW peer {} connected again: the connection before is closed ({} replaced since start)",
                    remote, replaced);
            var _ = in.close();
        }
        in = ch;
        ch.pipeline().addLast(new Reader(remote));
    }

    /** A candidate connection authenticated: it is the peer's, the one before is closed. */
    private void promote(Channel ch) {
        candidate = null;
        replaced++;
        LOG.info("FT-FW peer {} connected again and authenticated: the connection before is closed ({} replaced "
                + "since start)", ch.remoteAddress(), replaced);
        if (in != null) {
            var _ = in.close();
        }
        in = ch;
    }

    /** Reads one connection of the peer's: cuts its stream into buffers for the engine. */
    private final class Reader extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress remote;
        private final StreamFramer framer = new StreamFramer(cfg.auth() != null);
        private ByteBuf acc;

        Reader(InetSocketAddress remote) {
            this.remote = remote;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            try {
                if (acc == null) {
                    acc = ctx.alloc().heapBuffer(Math.max(cfg.mtu(), bytes.readableBytes()));
                }
                acc.writeBytes(bytes);
            } finally {
                bytes.release();
            }
            int n;
            while ((n = framer.next(acc)) > 0) {
                boolean authentic = inbound.deliver(acc.slice(acc.readerIndex(), n), remote);
                acc.skipBytes(n);
                if (authentic && ctx.channel().equals(candidate)) {
                    promote(ctx.channel());
                }
            }
            if (n < 0) {
                // no message boundary can be found again: the engine counts the rest malformed, the peer reconnects
                inbound.deliver(acc.slice(), remote);
                acc.skipBytes(acc.readableBytes());
                var _ = ctx.close();
            }
            acc.discardReadBytes();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (acc != null) {
                acc.release();
                acc = null;
            }
            if (ctx.channel().equals(in)) {
                in = null;
            }
            if (ctx.channel().equals(candidate)) {
                candidate = null;
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("FT-FW connection from {} failed", remote, cause);
            var _ = ctx.close();
        }
    }

    // ---- sending: our connection to the peer

    /** Connects now unless connected or an attempt is under way or scheduled. */
    private void connect() {
        if (closed || connecting || (out != null && out.isActive())) {
            return;
        }
        connecting = true;
        Bootstrap bs = new Bootstrap().group(loop)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.SO_SNDBUF, cfg.socketBuffer())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(cfg.socketBuffer() / 2, cfg.socketBuffer()))
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ((ByteBuf) msg).release();              // the peer never writes on this connection
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        LOG.debug("FT-FW connection to {} failed", cfg.peer(), cause);
                        var _ = ctx.close();
                    }
                });
        Channel ch = bs.register().channel();
        try {
            if (!cfg.iface().isEmpty()) {
                LinkSocket.bindToDevice(ch, cfg.iface());
            }
        } catch (IllegalStateException e) {
            failed(ch, e);
            return;
        }
        // from the local address, so the peer sees the address its configuration names
        ch.bind(new InetSocketAddress(cfg.bind().getAddress(), 0))
                .addListener((ChannelFutureListener) b -> {
                    if (!b.isSuccess()) {
                        failed(ch, b.cause());
                        return;
                    }
                    ch.connect(cfg.peer()).addListener((ChannelFutureListener) c -> {
                        if (!c.isSuccess()) {
                            failed(ch, c.cause());
                            return;
                        }
                        connecting = false;
                        out = ch;
                        LOG.info("FT-FW connected to {}", LinkSocket.hostPort(cfg.peer()));
                        ch.closeFuture().addListener(f -> disconnected(ch));
                        flushWaiting();
                    });
                });
    }

    private void failed(Channel ch, Throwable cause) {
        LOG.debug("FT-FW cannot connect to {}: {}", cfg.peer(), String.valueOf(cause));
        var _ = ch.close();
        connectLater();
    }

    private void disconnected(Channel ch) {
        if (ch.equals(out)) {
            out = null;
            if (!closed) {
                LOG.info("FT-FW connection to {} closed: connecting again", LinkSocket.hostPort(cfg.peer()));
                connecting = true;
                connectLater();
            }
        }
    }

    /** The next attempt in a second: conntrackd's rate of connect() calls, so a refusing peer is not hammered. */
    private void connectLater() {
        var _ = loop.schedule(() -> {
            connecting = false;
            connect();
        }, RECONNECT_SECONDS, TimeUnit.SECONDS);
    }

    private void flushWaiting() {
        ByteBuf d;
        while ((d = waiting.poll()) != null) {
            waitingBytes -= d.readableBytes();
            var _ = out.write(d, out.voidPromise());
        }
        out.flush();
    }

    @Override
    public void send(ByteBuf d) {
        if (closed) {
            d.release();
            return;
        }
        Channel ch = out;
        if (ch != null && ch.isActive()) {
            if (ch.isWritable()) {
                var _ = ch.writeAndFlush(d, ch.voidPromise());
            } else {
                drop(d);
            }
            return;
        }
        waiting.add(d);
        waitingBytes += d.readableBytes();
        while (waitingBytes > cfg.socketBuffer()) {
            ByteBuf old = waiting.poll();
            waitingBytes -= old.readableBytes();
            drop(old);
        }
        connect();
    }

    private void drop(ByteBuf d) {
        d.release();
        if (dropped++ == 0) {
            LOG.warn("FT-FW link to {} cannot take more: buffers are dropped (FT-FW resends what the peer misses)",
                    LinkSocket.hostPort(cfg.peer()));
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        closed = true;
        try {
            loop.submit(() -> {
                waiting.forEach(ByteBuf::release);
                waiting.clear();
                if (out != null) {
                    var _ = out.close();
                }
                if (in != null) {
                    var _ = in.close();
                }
            }).await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "tcp " + server.localAddress() + " <- / -> " + LinkSocket.hostPort(cfg.peer());
    }
}
