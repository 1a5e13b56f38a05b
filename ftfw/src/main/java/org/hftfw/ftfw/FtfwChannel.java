package org.hftfw.ftfw;

import org.hftfw.common.Clock;
import java.time.Duration;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.ExpectationTable;
import org.hftfw.conntrack.FlowId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An FT-FW replication channel over UDP (unicast or multicast) or TCP ({@link SyncTransport}), wire-compatible with
 * conntrackd 1.4.x in FTFW mode: the module's entry point. As a primary, {@link #publish} replicates local conntrack
 * changes reliably (latest state per flow) and a peer's RESYNC request is answered from the resync source; as a
 * backup, the peer's states land in the {@link #externalCache()}, to be committed to a table on failover. One Netty
 * event loop runs the protocol; every public method is thread-safe.
 *
 * <p>The socket hears only the peer: it is bound without SO_REUSEADDR (a second daemon on the same address fails to
 * start instead of stealing the datagrams), to the sync interface when one is configured (SO_BINDTODEVICE), and
 * datagrams (or connections) from any other address are dropped and counted ({@link DropReason#NOT_PEER}); the
 * sockets of each transport are set up by a {@link LinkSocket}. Bulk sends read their source on a thread of their
 * own, off the event loop.
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

    private final FtfwConfig cfg;
    private final EventLoopGroup group;
    private final LinkSocket link;
    private final EventLoop loop;
    private final boolean epoll;
    private final ExternalCache cache;
    private final ExpectationCache expectations;
    private final FtfwEngine engine;
    private final ExecutorService bulkExecutor;

    private FtfwChannel(Builder b) throws InterruptedException {
        this.cfg = b.cfg;
        epoll = switch (cfg.transport()) {
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
        expectations = new ExpectationCache(Clock.system(), cfg.cacheLimit());
        // one thread, in order, and only while a bulk runs: it ends after 5 s without work (issue #12's thread goal)
        ThreadPoolExecutor bulkThread = new ThreadPoolExecutor(1, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> Thread.ofPlatform().daemon(true).name("hftfw-ftfw-bulk").unstarted(r));
        bulkThread.allowCoreThreadTimeOut(true);
        bulkExecutor = bulkThread;
        EngineInboundHandler inbound = new EngineInboundHandler();
        if (!cfg.iface().isEmpty() && !epoll) {
            var _ = group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);   // not awaited: the start failed
            bulkExecutor.shutdownNow();
            throw new IllegalStateException("binding to interface " + cfg.iface()
                    + " (SO_BINDTODEVICE) needs the epoll transport, which is unavailable");
        }
        try {
            link = LinkSocket.open(cfg, loop, epoll, inbound);
            // conntrackd starts its sequence numbers at time(NULL)
            int initialSeq = (int) (Clock.system().epochMicros() / 1_000_000);
            FtfwEngine.BulkSource src = b.bulk;
            Runnable onPeerRestart = b.onPeerRestart;
            Duration firstContactPush = b.firstContactPush;
            BulkListener bulkListener = b.bulkListener;
            FtfwEngine.Receiver receiver = b.peerStates == null ? cache : new FtfwEngine.Receiver() {
                private final PeerStateListener listener = b.peerStates;
                private final Runnable endOfBurst = this::endOfBurst;
                private boolean burst;

                @Override
                public void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras) {
                    onData(type, entry, extras, 0);
                }

                @Override
                public void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras, long stamp) {
                    onData(type, entry, extras, stamp, false);
                }

                @Override
                public void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras, long stamp,
                                   boolean bulkFlow) {
                    FlowId id = entry.flowId();
                    long refused = cache.overflows();
                    // the stamp and the bulk-flow mark: for generation-marked resyncs and the per-flow HOLDS count
                    boolean held = cache.applyAndTellHeld(type, entry, id, extras, stamp, bulkFlow);
                    if (cache.overflows() != refused) {
                        // over sync.external-cache-limit (counted there): not written either, or the kernel table
                        // would hold flows no resync purge removes, bounded by nf_conntrack_max only (review14 G12)
                        return;
                    }
                    seen(kind(type, held), entry, id);
                }

                // A bulk (a migration, a resync answer) sends every flow as UPD, also the flows this node has never
                // seen; handed on as NEW, a listener that writes a kernel table creates them at once instead of
                // trying an update the kernel refuses with ENOENT first (two netlink requests per flow).
                private FtfwMessage.DataType kind(FtfwMessage.DataType type, boolean held) {
                    return type == FtfwMessage.DataType.UPD && !held ? FtfwMessage.DataType.NEW : type;
                }

                @Override
                public FtfwEngine.BulkOutcome onBulkEnd(long fromStamp, boolean full) {
                    FtfwEngine.BulkOutcome o = cache.onBulkEnd(fromStamp, full);
                    if (!o.stale().isEmpty()) {
                        listener.onPeerForgot(o.stale());
                    }
                    return o;
                }

                @Override
                public CompletionStage<Long> applied() {
                    return listener.applied();
                }

                private void seen(FtfwMessage.DataType type, ConntrackEntry entry, FlowId id) {
                    listener.onPeerState(switch (type) {
                        case NEW -> EventType.NEW;
                        case UPD -> EventType.UPDATE;
                        case DEL -> EventType.DESTROY;
                    }, entry, id);
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
            FtfwEngine.Receiver withExpectations = new ExpectationReceiver(receiver, expectations, b.peerExpectations);
            engine = loop.submit(() -> {
                FtfwEngine e = new FtfwEngine(cfg, new NettyScheduler(loop), initialSeq, ByteBufAllocator.DEFAULT,
                        link::send, withExpectations, src, bulkExecutor);
                e.onPeerRestart(onPeerRestart);
                if (firstContactPush != null) {
                    e.pushTableOnFirstContact(firstContactPush.toNanos());
                }
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
            if (e instanceof LinkSocket.DeviceBindFailure d) {
                throw d;
            }
            if (LinkSocket.isAddressInUse(e)) {
                throw new IllegalStateException("the sync address " + LinkSocket.hostPort(cfg.bind())
                        + " is in use: another daemon (hftfw sync or conntrackd) holds it", e);
            }
            throw new IllegalStateException("cannot start FT-FW channel on " + LinkSocket.hostPort(cfg.bind())
                    + " (" + cfg.link().describe() + "): " + e, e);
        }
        LOG.info("FT-FW channel {} ({}, {}{})", link, cfg.link().describe(), epoll ? "epoll" : "nio",
                cfg.iface().isEmpty() ? "" : ", bound to " + cfg.iface());
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

    /** Replicates one local expectation change (ExpectationSync): NEW, UPDATE or DESTROY. */
    public void publishExpectation(EventType type, Expectation e) {
        Objects.requireNonNull(e, "e");
        loop.execute(() -> engine.publishExpectation(type, e));
    }

    /** The peer's replicated expectations. */
    public ExpectationCache expectationCache() {
        return expectations;
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
     * Runs this channel's code path over {@code samples} (a new walk of the flows per round, through the same kind
     * of source a migration walks), {@code rounds} paced transfers between two in-memory engines (see {@link WarmUp}),
     * on the calling thread, without sending anything: the JIT compiles it before the first migration needs it (a
     * fresh daemon's first bulk ran several times slower than later ones). Returns how many rounds were confirmed
     * in-band as marked bulks (all of them, unless the channel runs without extensions).
     */
    public int warmUp(java.util.function.Supplier<java.util.Iterator<ConntrackEntry>> samples, int rounds) {
        int confirmed = WarmUp.run(cfg, io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, samples, rounds);
        if (link instanceof DatagramLink) {
            rehearseSocket();
        }
        return confirmed;
    }

    /** Datagrams of the socket's rehearsal at start: enough for the JIT to compile Netty's send and read paths. */
    private static final int REHEARSAL_DATAGRAMS = 4_000;

    /** The sync socket's Netty code over a loopback pair on this channel's event loop ({@link LoopbackRehearsal}). */
    private void rehearseSocket() {
        long t0 = System.nanoTime();
        try {
            int back = LoopbackRehearsal.run(loop, epoll, ByteBufAllocator.DEFAULT, cfg.datagramSize(),
                    REHEARSAL_DATAGRAMS, Duration.ofSeconds(2));
            LOG.debug("socket path rehearsed: {} of {} datagrams over the loopback in {} ms", back,
                    REHEARSAL_DATAGRAMS, (System.nanoTime() - t0) / 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // a host or namespace without a usable loopback: the first migration compiles it, as before
            LOG.debug("socket path not rehearsed: {}", e.toString());
        }
    }

    /** The peer's replicated states. */
    public ExternalCache externalCache() {
        return cache;
    }

    public InetSocketAddress localAddress() {
        return link.localAddress();
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

    /**
     * The TCP transport's connections, as conntrackd's {@code -s} shows them for a TCP channel (conntrack-tools
     * src/tcp.c, tcp_snprintf_stats): {@code server}, the peer's connection to our listening socket (what we read);
     * {@code client}, ours to the peer's (what we write); {@code replaced}, how often a new connection from the peer's
     * address replaced the one we read (with a key, only one that authenticated).
     */
    public record TcpConnections(boolean server, boolean client, long replaced) {
        public TcpConnections(boolean server, boolean client) {
            this(server, client, 0);
        }

        /** {@code server=connected client=disconnected}, conntrackd's words. */
        public String describe() {
            return "server=" + word(server) + " client=" + word(client);
        }

        private static String word(boolean up) {
            return up ? "connected" : "disconnected";
        }
    }

    /** The TCP transport's connections now (read on the event loop); empty on the datagram transports. */
    public java.util.Optional<TcpConnections> tcpConnections() {
        try {
            return java.util.Optional.ofNullable(loop.submit(link::connections).get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the TCP connections", e);
        }
    }

    /** The messages waiting for the peer's ACK, oldest first, read on the event loop (conntrackd's -s rsqueue). */
    public List<ResendEntry> resendQueue() {
        try {
            return loop.submit(engine::resendQueue).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the resend queue", e);
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
        link.close();
        bulkExecutor.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Builder of a channel; {@link #start} binds the socket. */
    public static final class Builder {
        private final FtfwConfig cfg;
        private FtfwEngine.BulkSource bulk = FtfwEngine.BulkSource.NONE;
        private Runnable onPeerRestart = () -> { };
        private Duration firstContactPush;
        private BulkListener bulkListener = new BulkListener() { };
        private PeerStateListener peerStates;
        private ExpectationTable.Listener peerExpectations;

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
         * On the first datagram ever heard from the peer, bulk-sends the resync source unless a bulk is started or
         * asked for within {@code wait}: a peer that started first asked for our table when nobody listened (its
         * startup RESYNC), and takes our HELLO for a first contact, not a restart, so it would not ask again. The
         * wait lets the RESYNC of a peer that does ask (it starts after us, or saw us restart) arrive and be the one
         * bulk. Off by default.
         */
        public Builder pushTableOnFirstContact(Duration wait) {
            firstContactPush = Objects.requireNonNull(wait);
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

        /** Also hands every received expectation of the peer's to {@code l}, after the expectation cache has it. */
        public Builder peerExpectations(ExpectationTable.Listener l) {
            peerExpectations = Objects.requireNonNull(l);
            return this;
        }

        public FtfwChannel start() throws InterruptedException {
            return new FtfwChannel(this);
        }
    }
}
