package org.hftfw.ftfw;

import org.hftfw.common.Clock;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An FT-FW replication channel over UDP, wire-compatible with conntrackd 1.4.x in FTFW mode: the module's entry
 * point. As a primary, {@link #publish} replicates local conntrack changes reliably (latest state per flow) and a
 * peer's RESYNC request is answered from the resync source; as a backup, the peer's states land in the
 * {@link #externalCache()}, to be committed to a table on failover. One Netty event loop runs the protocol;
 * every public method is thread-safe.
 *
 * <pre>{@code
 * try (FtfwChannel ch = FtfwChannel.builder(FtfwConfig.of(bind, peer)).resyncSource(table).start()) {
 *     ch.publish(EventType.NEW, entry);
 *     ...
 *     ch.externalCache().commit(table);
 * }
 * }</pre>
 */
public final class FtfwChannel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FtfwChannel.class);

    private final FtfwConfig cfg;
    private final EventLoopGroup group;
    private final Channel channel;
    private final EventLoop loop;
    private final ExternalCache cache;
    private final FtfwEngine engine;

    private FtfwChannel(Builder b) throws InterruptedException {
        this.cfg = b.cfg;
        boolean epoll = switch (cfg.transport()) {
            case NIO -> false;
            case EPOLL -> true;
            case AUTO -> Epoll.isAvailable();
        };
        if (epoll && !Epoll.isAvailable()) {
            throw new IllegalStateException("epoll transport unavailable", Epoll.unavailabilityCause());
        }
        group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        loop = group.next();
        cache = new ExternalCache(Clock.system(), cfg.tcpWindowTracking(), cfg.commitBatch());
        EngineInboundHandler inbound = new EngineInboundHandler();
        Bootstrap bs = new Bootstrap().group(loop)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_RCVBUF, cfg.socketBuffer())
                .option(ChannelOption.SO_SNDBUF, cfg.socketBuffer())
                .handler(inbound);
        try {
            channel = bs.bind(cfg.bind()).sync().channel();
            InetSocketAddress peer = cfg.peer();
            // conntrackd starts its sequence numbers at time(NULL)
            int initialSeq = (int) (Clock.system().epochMicros() / 1_000_000);
            FtfwEngine.BulkSource src = b.bulk;
            engine = loop.submit(() -> {
                FtfwEngine e = new FtfwEngine(cfg, new NettyScheduler(loop), initialSeq, channel.alloc(),
                        (ByteBuf d) -> {
                            // a failed send is a lost datagram, which FT-FW's ack/nack recovers as it does loss on the wire
                            var _ = channel.writeAndFlush(new DatagramPacket(d, peer));
                        }, cache, src);
                inbound.attach(e);
                return e;
            }).get();
        } catch (ExecutionException | RuntimeException e) {
            // not awaited: the exception below is what the caller needs, the loop has nothing to finish
            var _ = group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("cannot start FT-FW channel on " + cfg.bind(), e);
        }
        LOG.info("FT-FW channel {} -> {} ({})", channel.localAddress(), cfg.peer(), epoll ? "epoll" : "nio");
    }

    public static Builder builder(FtfwConfig cfg) {
        return new Builder(cfg);
    }

    /** Replicates one local change (NEW, UPDATE, DESTROY) of the conntrack table. */
    public void publish(EventType type, ConntrackEntry entry) {
        Objects.requireNonNull(entry, "entry");
        FtfwMessage.DataType t = map(type);
        loop.execute(() -> engine.publish(t, entry, FlowExtras.NONE));
    }

    /** Replicates a batch of events in one event-loop task. */
    public void publishAll(Collection<ConntrackEvent> events) {
        Object[] copy = events.toArray();
        loop.execute(() -> {
            for (Object o : copy) {
                ConntrackEvent e = (ConntrackEvent) o;
                engine.publish(map(e.type()), e.entry(), FlowExtras.NONE);
            }
        });
    }

    private static FtfwMessage.DataType map(EventType t) {
        return switch (t) {
            case NEW -> FtfwMessage.DataType.NEW;
            case UPDATE -> FtfwMessage.DataType.UPD;
            case DESTROY -> FtfwMessage.DataType.DEL;
        };
    }

    /** Asks the peer to bulk-send its table ({@code conntrackd -n}). */
    public void requestResync() {
        loop.execute(engine::requestResync);
    }

    /** Bulk-sends our table from the resync source ({@code conntrackd -B}). */
    public void sendBulk() {
        loop.execute(engine::sendBulk);
    }

    /** The peer's replicated states. */
    public ExternalCache externalCache() {
        return cache;
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** A consistent snapshot of the counters, taken on the event loop. */
    public FtfwStats stats() {
        try {
            return loop.submit(engine::stats).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read FT-FW stats", e);
        }
    }

    /** Number of flows whose latest state is not yet acknowledged by the peer. */
    public int pendingFlows() {
        try {
            return loop.submit(engine::pendingFlows).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read FT-FW state", e);
        }
    }

    @Override
    public void close() {
        try {
            loop.submit(engine::close).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("FT-FW engine did not close cleanly", e);
        }
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Builder of a channel; {@link #start} binds the socket. */
    public static final class Builder {
        private final FtfwConfig cfg;
        private FtfwEngine.BulkSource bulk = sink -> { };

        Builder(FtfwConfig cfg) {
            this.cfg = Objects.requireNonNull(cfg);
        }

        /** Answers RESYNC requests and {@link #sendBulk} by dumping this table. */
        public Builder resyncSource(ConntrackTable table) {
            bulk = table::dump;
            return this;
        }

        /** Answers RESYNC requests and {@link #sendBulk} from this snapshot supplier (called on the event loop). */
        public Builder resyncSource(Supplier<? extends Collection<ConntrackEntry>> entries) {
            bulk = sink -> entries.get().forEach(sink);
            return this;
        }

        public FtfwChannel start() throws InterruptedException {
            return new FtfwChannel(this);
        }
    }
}
