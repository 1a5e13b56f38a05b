package org.hftfw.ftfw;

import org.hftfw.common.Clock;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.RawUnixChannelOption;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * <p>The socket hears only the peer: it is bound without SO_REUSEADDR (a second daemon on the same address fails to
 * start instead of stealing the datagrams), to the sync interface when one is configured (SO_BINDTODEVICE), and
 * datagrams from any other address are dropped and counted ({@link DropReason#NOT_PEER}). Each read buffer holds a
 * whole datagram of the link's MTU. Bulk sends read their source on a thread of their own, off the event loop.
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

    /** Datagrams read per pass of the event loop: Netty's default for a datagram channel. */
    static final int DATAGRAMS_PER_READ = 16;

    /** SO_BINDTODEVICE (SOL_SOCKET 1, optname 25): the value is the interface name, NUL-padded to IFNAMSIZ (16). */
    private static final RawUnixChannelOption BIND_TO_DEVICE = new RawUnixChannelOption("SO_BINDTODEVICE", 1, 25, 16);

    private final FtfwConfig cfg;
    private final EventLoopGroup group;
    private final Channel channel;
    private final EventLoop loop;
    private final ExternalCache cache;
    private final FtfwEngine engine;
    private final ExecutorService bulkExecutor;

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
        cache = new ExternalCache(Clock.system(), cfg.tcpWindowTracking(), cfg.commitBatch(), cfg.cacheLimit());
        bulkExecutor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon(true)
                .name("hftfw-ftfw-bulk").unstarted(r));
        EngineInboundHandler inbound = new EngineInboundHandler();
        Bootstrap bs = new Bootstrap().group(loop)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, cfg.socketBuffer())
                .option(ChannelOption.SO_SNDBUF, cfg.socketBuffer())
                // Netty's default reads at most 2048 bytes and truncates larger datagrams. An allocator set as an
                // option reads one datagram per pass of the event loop (Netty gives a datagram channel's own
                // allocator 16): the reader then lags a peer's burst, and while it has not read the peer's
                // HELLO_BACK every ACK and NACK it sends carries HELLO, on which conntrackd empties its resend
                // queue, so the losses NACKed meanwhile are never resent
                .option(ChannelOption.RECVBUF_ALLOCATOR,
                        new FixedRecvByteBufAllocator(cfg.mtu()).maxMessagesPerRead(DATAGRAMS_PER_READ))
                .handler(inbound);
        if (!cfg.iface().isEmpty()) {
            if (!epoll) {
                var _ = group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);   // not awaited: the start failed
                bulkExecutor.shutdownNow();
                throw new IllegalStateException("binding to interface " + cfg.iface()
                        + " (SO_BINDTODEVICE) needs the epoll transport, which is unavailable");
            }
        }
        try {
            // registered, bound to the device, then bound to the address: Bootstrap would only log a failure to
            // set an option, and an unbound socket must not start as if it were bound
            channel = bs.register().sync().channel();
            if (!cfg.iface().isEmpty()) {
                bindToDevice(channel, cfg.iface());
            }
            channel.bind(cfg.bind()).sync();
            InetSocketAddress peer = cfg.peer();
            // conntrackd starts its sequence numbers at time(NULL)
            int initialSeq = (int) (Clock.system().epochMicros() / 1_000_000);
            FtfwEngine.BulkSource src = b.bulk;
            Runnable onPeerRestart = b.onPeerRestart;
            BulkListener bulkListener = b.bulkListener;
            FtfwEngine.Receiver receiver = b.peerStates == null ? cache : new FtfwEngine.Receiver() {
                private final PeerStateListener listener = b.peerStates;
                private final Runnable endOfBurst = this::endOfBurst;
                private boolean burst;

                @Override
                public void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras) {
                    cache.onData(type, entry, extras);
                    seen(type, entry);
                }

                @Override
                public void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras, long stamp) {
                    cache.onData(type, entry, extras, stamp);             // the stamp: for generation-marked resyncs
                    seen(type, entry);
                }

                @Override
                public FtfwEngine.BulkOutcome onBulkEnd(long fromStamp, boolean full) {
                    FtfwEngine.BulkOutcome o = cache.onBulkEnd(fromStamp, full);
                    if (!o.stale().isEmpty()) {
                        listener.onPeerForgot(o.stale());
                    }
                    return o;
                }

                private void seen(FtfwMessage.DataType type, ConntrackEntry entry) {
                    listener.onPeerState(switch (type) {
                        case NEW -> EventType.NEW;
                        case UPD -> EventType.UPDATE;
                        case DEL -> EventType.DESTROY;
                    }, entry);
                    if (!burst) {
                        // the event loop runs its queued tasks after the read pass: the end of the burst
                        burst = true;
                        loop.execute(endOfBurst);
                    }
                }

                private void endOfBurst() {
                    burst = false;
                    listener.endOfBurst();
                }
            };
            engine = loop.submit(() -> {
                FtfwEngine e = new FtfwEngine(cfg, new NettyScheduler(loop), initialSeq, channel.alloc(),
                        (ByteBuf d) -> {
                            // a failed send is a lost datagram, which FT-FW's ack/nack recovers as it does loss on the wire
                            var _ = channel.writeAndFlush(new DatagramPacket(d, peer));
                        }, receiver, src, bulkExecutor);
                e.onPeerRestart(onPeerRestart);
                e.bulkListener(bulkListener);
                inbound.attach(e);
                return e;
            }).get();
        } catch (InterruptedException e) {
            var _ = group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);   // not awaited: the start failed
            bulkExecutor.shutdownNow();
            throw e;
        } catch (Exception e) { // bind() rethrows the socket's IOException undeclared
            var _ = group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);   // not awaited: the start failed
            bulkExecutor.shutdownNow();
            if (e instanceof DeviceBindFailure d) {
                throw d;
            }
            if (isAddressInUse(e)) {
                throw new IllegalStateException("the sync address " + hostPort(cfg.bind())
                        + " is in use: another daemon (hftfw sync or conntrackd) holds it", e);
            }
            throw new IllegalStateException("cannot start FT-FW channel on " + hostPort(cfg.bind()) + ": " + e, e);
        }
        LOG.info("FT-FW channel {} -> {} ({}{})", channel.localAddress(), cfg.peer(), epoll ? "epoll" : "nio",
                cfg.iface().isEmpty() ? "" : ", bound to " + cfg.iface());
    }

    private static ByteBuffer ifaceName(String iface) {
        byte[] name = iface.getBytes(StandardCharsets.US_ASCII);
        if (name.length > 15) {
            throw new IllegalArgumentException("interface name longer than 15 characters: " + iface);
        }
        ByteBuffer b = ByteBuffer.allocateDirect(16);
        b.put(name).position(0);
        return b;
    }

    /** A failed SO_BINDTODEVICE, reported as it is (not as a failure to start in general). */
    private static final class DeviceBindFailure extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        DeviceBindFailure(String iface, RuntimeException cause) {
            super("cannot bind the sync socket to interface " + iface + " (SO_BINDTODEVICE): " + cause.getMessage(),
                    cause);
        }
    }

    private static void bindToDevice(Channel channel, String iface) {
        try {
            channel.config().setOption(BIND_TO_DEVICE, ifaceName(iface));
        } catch (RuntimeException e) {
            throw new DeviceBindFailure(iface, e);
        }
    }

    private static boolean isAddressInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    private static String hostPort(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
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

    /**
     * A batch for one producer's changes, handed to the event loop in one task per batch (see {@link PublishBatch});
     * the way to publish a stream of events.
     */
    public PublishBatch batch() {
        return new PublishBatch(loop, engine);
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

    static FtfwMessage.DataType map(EventType t) {
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

    /**
     * The channel's event loop, lent to the daemon's other light I/O (the metrics endpoint) so that it needs no thread
     * of its own; nothing may block on it. Ends with this channel.
     */
    public EventLoop eventLoop() {
        return loop;
    }

    /**
     * The capabilities agreed with an hFT-FW peer through the handshake: empty with a stock conntrackd peer, or
     * while the handshake is under way (at most about one alive interval after the start).
     */
    public Set<Capability> peerCapabilities() {
        return onLoop(engine::peerCapabilities);
    }

    /**
     * Opens a marked bulk for in-band completion (hFT-FW peers only): every state published from now until
     * {@link #endBulk} belongs to it. Returns its id, or 0 when the peer did not agree to
     * {@link Capability#GENERATION_RESYNC} (a stock conntrackd: use the commit hook) or another marked bulk (e.g. the
     * answer to the peer's RESYNC) is still open. With {@code full}, the bulk is the whole table and the backup
     * removes every flow the bulk did not refresh.
     */
    public long beginBulk(boolean full) {
        return onLoop(() -> engine.beginBulk(full));
    }

    /**
     * Ends marked bulk {@code id} after {@code count} entries. Its BULK_END goes out once every state published in
     * the bulk was acknowledged; the stage completes (on the event loop) with the backup's answer, or exceptionally
     * when the id is unknown, a new incarnation of the peer (its restart: a new CAPS nonce) is seen before the end
     * is confirmed, or the channel closes. A backup that restarts and then acknowledges every state of the bulk
     * again answers with what it holds then. No timeout of its own: add one with {@code orTimeout}.
     */
    public CompletionStage<BulkReceipt> endBulk(long id, long count) {
        CompletableFuture<BulkReceipt> out = new CompletableFuture<>();
        loop.execute(() -> engine.endBulk(id, count).whenComplete((r, e) -> {
            if (e != null) {
                out.completeExceptionally(e);
            } else {
                out.complete(r);
            }
        }));
        return out;
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> task) {
        try {
            return loop.submit(task).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot reach the FT-FW event loop", e);
        }
    }

    /**
     * Sends {@code entries} as UPDATEs paced by the peer's ACK window: never more in flight than the resend queue
     * holds, so none is dropped before the peer could NACK it (see {@link BulkTransfer}). The iterator is read on
     * the channel's event loop as room appears, so an iterator over a live cache sends each flow's latest state.
     */
    public BulkTransfer sendPaced(java.util.Iterator<ConntrackEntry> entries) {
        BulkTransfer t = FtfwEngine.transfer(entries);
        loop.execute(() -> engine.sendPaced(t));
        return t;
    }

    /**
     * Runs this channel's code path over {@code samples}, {@code rounds} paced transfers between two in-memory engines
     * (see {@link WarmUp}), on the calling thread, without sending anything: the JIT compiles it before the first
     * migration needs it (a fresh daemon's first bulk ran several times slower than later ones).
     */
    public void warmUp(java.util.List<ConntrackEntry> samples, int rounds) {
        WarmUp.run(cfg, io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, samples, rounds);
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
        bulkExecutor.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Builder of a channel; {@link #start} binds the socket. */
    public static final class Builder {
        private final FtfwConfig cfg;
        private FtfwEngine.BulkSource bulk = FtfwEngine.BulkSource.NONE;
        private Runnable onPeerRestart = () -> { };
        private BulkListener bulkListener = new BulkListener() { };
        private PeerStateListener peerStates;

        Builder(FtfwConfig cfg) {
            this.cfg = Objects.requireNonNull(cfg);
        }

        /** Answers RESYNC requests and {@link #sendBulk} by dumping this table. */
        public Builder resyncSource(ConntrackTable table) {
            bulk = table::dump;
            return this;
        }

        /** Answers RESYNC requests and {@link #sendBulk} from this snapshot supplier (called off the event loop). */
        public Builder resyncSource(Supplier<? extends Collection<ConntrackEntry>> entries) {
            bulk = sink -> entries.get().forEach(sink);
            return this;
        }

        /**
         * Runs (on the event loop) when the peer restarts: its HELLO arrives after we had heard from it, so whatever it
         * held is gone. Not on first contact.
         */
        public Builder onPeerRestart(Runnable action) {
            onPeerRestart = Objects.requireNonNull(action);
            return this;
        }

        /**
         * Receives the ends of the peer's marked bulks (an hFT-FW peer only), on the event loop: the flows a full
         * bulk found stale (already removed from the external cache), and each bulk's receipt.
         */
        public Builder bulkListener(BulkListener listener) {
            bulkListener = Objects.requireNonNull(listener);
            return this;
        }

        /** Also hands every received state of the peer's to {@code l}, after the external cache has it. */
        public Builder peerStates(PeerStateListener l) {
            peerStates = Objects.requireNonNull(l);
            return this;
        }

        public FtfwChannel start() throws InterruptedException {
            return new FtfwChannel(this);
        }
    }
}
