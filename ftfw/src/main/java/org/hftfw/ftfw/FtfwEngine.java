package org.hftfw.ftfw;

import org.hftfw.common.Scheduler;
import org.hftfw.conntrack.FlowId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.MutableEntry;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FT-FW reliable replication protocol, free of sockets: datagrams in through {@link #receive}, datagrams out
 * through a {@link DatagramPacker.Sink}, time and timers through a {@link Scheduler}. Single-threaded.
 *
 * <p>Design note (thesis "FT-FW replication protocol"; conntrackd src/sync-ftfw.c, src/network.c, src/queue.c).
 * <ul>
 * <li><b>Sender.</b> One sequence counter, seeded with the wall clock in seconds like {@code time(NULL)}, numbers
 *   every message sent: data, ACK, NACK, RESYNC, ALIVE, and each retransmission (always a fresh seq). Each flow has
 *   at most one node, either in the transmit queue or in the resend queue, holding only the latest state: a newer
 *   update of a flow still waiting for its ACK replaces that state and moves the node back to the transmit queue
 *   (the thesis' point: never deliver a superseded state before the current one). Data and ACK/NACK/RESYNC nodes
 *   wait in the resend queue until ACKed; an ACK {@code [from,to]} frees them, a NACK moves them back to the
 *   transmit queue; ALIVE is never stored. Both queues are bounded: when full, the oldest node is dropped and
 *   counted. Messages are packed into datagrams of at most MTU-28 bytes.</li>
 * <li><b>Receiver.</b> {@code exp = last + 1}. In sync: accept, and ACK {@code [ackFrom, seq]} every window
 *   (default 300) messages. After a gap: accept (no hold-back), ACK what was received before the gap, NACK
 *   {@code [exp, seq-1]}, open a new window. Before: drop silently. A message with a bad payload still counts
 *   (conntrackd parses after tracking), a bad header does not.</li>
 * <li><b>Alive.</b> After {@code aliveInterval} of transmit silence: send the pending ACK if a window is open,
 *   otherwise an 8-byte ALIVE, so the peer detects loss of our last messages quickly.</li>
 * <li><b>Hello.</b> Every message carries HELLO until the peer answers with HELLO_BACK; a received HELLO is answered
 *   once with HELLO_BACK. The first HELLO of a series (or one whose seq went backwards) marks a restarted peer: it
 *   resets the receive window and bypasses the sequence check. conntrackd then flushes its whole resend queue, which
 *   also discards what the restarted peer is about to NACK; instead, the peer's first ACK/NACK tells where its
 *   knowledge starts, and our unacknowledged flows before that point are resent (control messages dropped).
 *   Two more refinements over conntrackd, which treats every HELLO as a restart: later HELLO
 *   messages of the same series go through the normal gap check, so losses during the handshake are NACKed; and
 *   data we sent with HELLO that is still unacknowledged two alive intervals after our HELLO was answered is sent
 *   once more, since the receiver could not NACK it. Both only add messages a conntrackd peer accepts. The
 *   receiving side of the same gap: conntrackd empties its resend queue on every message of ours that carries
 *   HELLO, before it reads the NACK in it, so a NACK sent while we still say HELLO is never answered (our HELLO
 *   lasts until we have read the peer's HELLO_BACK, which can ride behind losses). When our HELLO is answered
 *   and such a NACK went out, the peer is asked once for its whole table (RESYNC).</li>
 * <li><b>Peer only.</b> A datagram whose source address is not the peer's is dropped and counted before it touches
 *   any state (one address comparison; the port is not checked, conntrackd sends from an ephemeral one). A message
 *   from the peer whose seq is implausibly far from the expected one is dropped unless it says HELLO
 *   ({@link SeqGuard}). Every reset of the receive sequence state (a peer's restart, a re-anchoring) is logged,
 *   at most once per {@code LOG_INTERVAL}.</li>
 * <li><b>Resync.</b> A RESYNC request (and {@link #sendBulk}) is answered by bulk-sending the whole table from the
 *   bulk source, at most once per {@code resyncInterval}; requests in between are coalesced into the next answer.
 *   The source is read on the bulk executor, off the event loop, and its entries are queued as a paced transfer;
 *   a flow published since the bulk began is left out of it (its event carried a newer state than the snapshot's,
 *   and an older one sent after it would undo a DEL). On first contact with the peer, a node told to
 *   ({@link #pushTableOnFirstContact}) sends its table unless a bulk starts within the wait: a peer that started
 *   first asked when nobody listened.</li>
 * <li><b>hFT-FW peers</b> ({@link Handshake}, {@link Ext}). One capability handshake, which a stock conntrackd drops
 *   as a wrong protocol version, decides what else is used. <i>Authentication</i> ({@link DatagramAuth}): every
 *   datagram is sealed with an HMAC trailer, and a datagram from the peer's address that is not authentic is
 *   dropped and counted before it is decoded. <i>Generation-marked bulks</i>: a bulk remembers our sequence
 *   counter when it began; once every state it published was acknowledged, a BULK_END with that number follows in
 *   the sequence. The receiver stamps each applied state with the peer's sequence number made 64-bit and monotonic
 *   (a new incarnation of the peer, known by its CAPS nonce, or an implausible jump starts 2^32 above the last;
 *   a late datagram with HELLO that only looks like a restart does not), so at a full bulk's end whatever was not refreshed
 *   since it began is what the peer no longer has, and is removed; the answer (HOLDS) says how many flows since
 *   the bulk began the backup holds ({@link #endBulk}). One marked bulk at a time: a bulk started while one is open
 *   goes unmarked, and so does one started before the previous one's END was queued (its last states still wait
 *   for their ACKs). <i>Per flow of the bulk</i> ({@link Capability#BULK_FLOWS}): a flow queued by a paced transfer
 *   while its marked bulk is open is a flow of the bulk, and its state goes out with {@link Nethdr#F_BULK_FLOW}
 *   until acknowledged; the backup counts the bulk's flows it holds and those deleted since the bulk sent them, so
 *   live flows created or deleted meanwhile count for nothing (they made a missing flow look held: issue 10,
 *   review10 gap 3). Since bulks do not overlap, every marked state of a bulk lies between its start and its END
 *   in the sequence, and the backup never counts a flow for the wrong bulk. The answer waits for the receiver to have applied what arrived before the END
 *   ({@link Receiver#applied}: an always-committed backup's kernel writes) and does not count what it could not
 *   apply; the sender counts the DESTROYs it sent meanwhile ({@link BulkReceipt}).</li>
 * <li><b>Paced bulk.</b> conntrackd queues a whole bulk at once (src/sync-ftfw.c), so a table larger than the resend
 *   queue pushes its oldest unacknowledged messages out before the peer can NACK them: lost for good, while the
 *   sender's window moves on (issue 10 measured 824 465 of 1 000 000 arriving). A {@link BulkTransfer} is queued
 *   only while the transmit and resend queues together hold less than {@link #pacingLimit} (three quarters of
 *   the resend queue, the rest being headroom for live changes and control messages, and no more than the peer's
 *   socket buffer can take if its reader stalls, {@link #RCVBUF_BYTES_PER_MESSAGE}): each ACK that frees room lets
 *   the next entries in, at most {@link #BULK_CHUNK} per event-loop task, so ACKs and NACKs are served between
 *   chunks. Each queued flow is tagged with its transfer until the peer acknowledges it (a newer live state of
 *   the flow keeps the tag: acknowledging that one delivers the flow too) or a full queue drops it, so the
 *   transfer knows exactly how many of its flows arrived. One transfer is fed at a time, in order.</li>
 * </ul>
 */
final class FtfwEngine {
    private static final Logger LOG = LoggerFactory.getLogger(FtfwEngine.class);

    /** Receives the peer's applied data messages. */
    interface Receiver {
        void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras);

        /**
         * The same, with the message's receive stamp: the peer's sequence number, made 64-bit and monotonic across
         * its restarts.
         */
        default void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras, long stamp) {
            onData(type, entry, extras);
        }

        /**
         * The same, saying whether the peer sent the state as a flow of its open marked bulk
         * ({@link Capability#BULK_FLOWS}): what the per-flow HOLDS answer counts.
         */
        default void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras, long stamp,
                            boolean bulkFlow) {
            onData(type, entry, extras, stamp);
        }

        /**
         * A bulk of the peer ended; what was applied with a stamp of at least {@code fromStamp} came after it began.
         * A full bulk removes what is older. Returns how many flows the receiver holds from {@code fromStamp} on,
         * and what it removed.
         */
        default BulkOutcome onBulkEnd(long fromStamp, boolean full) {
            return new BulkOutcome(-1, List.of(), -1, 0);
        }

        /**
         * The peer's expectation message (NET_T_STATE_EXP_*): conntrackd applies it whether or not its own
         * ExpectationSync is on (src/sync-mode.c).
         */
        default void onExpectation(EventType type, Expectation e) {}

        /**
         * Completes once every state received so far is applied, with the states that could not be since the last
         * call (the HOLDS answer waits for it and does not count them); at once, 0, here.
         */
        default CompletionStage<Long> applied() {
            return CompletableFuture.completedStage(0L);
        }
    }

    /**
     * What a receiver did at the end of a peer's bulk: flows held since it began, flows removed as stale; and per flow
     * of the bulk (the states sent with {@link Nethdr#F_BULK_FLOW}; -1 when the receiver does not count them): the
     * bulk's flows it holds, and the bulk's flows the peer deleted since the bulk sent them.
     */
    record BulkOutcome(long held, List<FlowId> stale, long bulkFlowsHeld, long bulkFlowsDeleted) {}

    /** Streams our whole table for a bulk send. */
    interface BulkSource {
        /** No table behind the channel: a bulk sends nothing, and is never taken for the whole table. */
        BulkSource NONE = new BulkSource() {
            @Override
            public void forEach(Consumer<ConntrackEntry> sink) { }

            @Override
            public boolean isTable() {
                return false;
            }
        };

        void forEach(Consumer<ConntrackEntry> sink);

        /** Whether a bulk from this source is the whole table (so the peer may drop what it did not refresh). */
        default boolean isTable() {
            return true;
        }
    }

    /** Entries of a bulk send queued per event-loop task. */
    static final int BULK_CHUNK = 1024;
    /**
     * Receive-buffer bytes budgeted per message in flight of a paced bulk. A 1 500-byte datagram carries about 20
     * states and takes 2.3–2.8 KB of the receiver's buffer (the kernel counts the skb's true size), 115–140 B each, and
     * the kernel gives a socket twice the {@code socket-buffer} asked for (up to {@code net.core.rmem_max}): at 128 B
     * the window fills about half of it if the peer's reader stands still. Without this bound the window was three
     * quarters of the resend queue (98 304 messages, some 12 MB of datagrams) against a 4 MiB {@code socket-buffer}:
     * a 1 000 000-flow migration through the daemons lost and resent 324 496 messages at 0 % loss, the backup
     * standing in garbage-collection pauses (some 7 s of them around that 21 s migration); 0 with it. The window does not limit the rate
     * otherwise (the peer acknowledges every {@code ack-window} messages), and a 25 000-flow migration fits in one
     * (at 256 B, 16 384 messages, its send waited for ACKs on a loaded machine: 182–185 ms against 44–92 ms).
     */
    static final int RCVBUF_BYTES_PER_MESSAGE = 128;
    /** Spare state copies kept at most (about 0.5 MB): as many as a burst of acknowledgements frees, bounded. */
    private static final int SPARE_COPIES = 4096;
    private static final long LOG_INTERVAL = 10_000_000_000L;
    private static final int PEER_BULKS_KEPT = 16;

    private enum Hello { INIT, SAY, DONE }

    private enum Track { UNSET, IN_SYNC, AFTER, BEFORE }

    private final FtfwConfig cfg;
    private final Scheduler sched;
    private final Receiver receiver;
    private final BulkSource bulk;
    private final Executor bulkExecutor;
    private final InetAddress peerAddress;
    private final SeqGuard guard;
    private final LogLimiter seqResetLog;
    private final long resyncNanos;
    private final DatagramPacker packer;
    private final FtfwDecoder decoder;
    private final DropCounters drops;
    private final Consumer<FtfwMessage> onMessage = this::onMessage;
    private final FtfwEncoder.Options encoding;
    private final ByteBuf scratch;
    private final long aliveNanos;

    private final NodeQueue tx = new NodeQueue();
    private final NodeQueue rs = new NodeQueue();
    /** The queued node of each flow with a state not yet acknowledged (made anew once empty: {@link FlowIndex}). */
    private final FlowIndex flows = new FlowIndex();
    private final Map<Expectation.Id, NodeQueue.Node> exps = new HashMap<>();

    private int nextSeq;
    private Hello hello = Hello.INIT;
    private boolean sayHelloBack;

    private boolean seqSet;
    private int lastSeq;
    private int window;
    private int ackFrom;
    private boolean ackFromSet;

    private boolean peerSaysHello;
    /** A NACK went out with HELLO: the peer emptied its resend queue before reading it (see Hello above). */
    private boolean nackedWithHello;
    private boolean peerRestarted;
    /** Our next sequence number when the peer's (re)start HELLO arrived: what we sent from then on it can know. */
    private int seqAtPeerHello;
    private boolean xmitScheduled;
    /** The transmit run as one task object: scheduling it once per batch allocates nothing (issue 14 item 4). */
    private final Runnable xmitTask = this::xmit;
    /**
     * The state copies of acknowledged flows' queue items, for the next flows queued from the event path's views
     * (issue 14 item 4: a flow whose last state was acknowledged gets a new node on its next change, not a new copy).
     */
    private final ArrayDeque<MutableEntry> spareCopies = new ArrayDeque<>();
    /** The copy {@link #queueState} gave in exchange for one it took ({@link #publishCopy}); null between calls. */
    private MutableEntry exchanged;
    private long lastTxNanos;
    private final long ackDelayNanos;
    private boolean ackDelayScheduled;
    private boolean closed;

    /** Paced transfers still to be fed, the current one first. */
    private final ArrayDeque<BulkTransfer> transfers = new ArrayDeque<>();
    /** Fed transfers whose flows are not all acknowledged or lost yet. */
    private final List<BulkTransfer> fedTransfers = new ArrayList<>();
    private final int pacingLimit;
    private boolean feedScheduled;
    private boolean bulkPending;
    private boolean bulkRunning;
    private boolean bulkEver;
    private long bulkStartNanos;

    private long msgsTx;
    private long msgsRx;
    private long bytesRx;
    private long datagramsRx;
    private long dataTx;
    private long dataRx;
    private long lost;
    private long beforeDrops;
    private long resent;
    private long nacksRx;
    private long nacksTx;
    private long acksTx;
    private long resyncsRx;
    private long peerRestarts;
    private long acksRx;
    private long lastPeerDatagramNanos;
    private boolean heardFromPeer;
    private Runnable onPeerRestart = () -> { };
    private long firstContactPushNanos = -1;
    /**
     * Flows published since the running table bulk began (null when none runs): its snapshot, read off the loop
     * meanwhile, may hold an older state of them, which must not follow the event's newer one.
     */
    private Set<FlowId> publishedDuringBulk;
    private BulkTransfer tableBulk;
    private BulkListener bulkListener = new BulkListener() { };

    /** Null without {@code sync.auth.key-file}. */
    private final DatagramAuth auth;
    private final DatagramPacker.Sink rawSink;
    /** Null with {@code sync.extensions = false}: a plain conntrackd-compatible node. */
    private final Handshake hs;
    /** Whether the datagram being decoded was authenticated. */
    private boolean datagramAuthentic;
    private long lastStamp;
    private long curStamp;
    /** The peer's CAPS nonce when {@link #lastStamp} was taken: a new one is a new incarnation of the peer. */
    private long stampNonce;
    /** Random at start ({@link #randomNonce}): a blind forger cannot guess a HOLDS' id (review14 F9). */
    private long nextBulkId;
    private MarkedBulk openBulk;
    private final Map<Long, MarkedBulk> bulks = new HashMap<>();
    /** Whether the running table bulk is marked (an unmarked one's flows are no flows of another open bulk). */
    private boolean tableBulkMarked;
    /**
     * The peer's marked bulks whose BULK_BEGIN arrived from its current incarnation, by id, with the stamp of the
     * BEGIN; at most {@link #PEER_BULKS_KEPT} (only one is open at a time on the peer's side).
     */
    private final Map<Long, Long> peerBulksBegun = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
            return size() > PEER_BULKS_KEPT;
        }
    };
    private long bulkEndsRx;
    private long staleRemoved;
    private long rsOverflow;
    private long txOverflow;
    private long superseded;
    private long expectations;
    private long expectationsTx;
    private long helperOmitted;
    private long seqResets;
    private long bulksSent;
    private long resyncsCoalesced;
    /** Datagrams from the peer larger than our own MTU allows (a mismatch of the two nodes' MTU). */
    private long oversized;
    private final LogLimiter oversizeLog;
    /** Datagrams larger than this come from a peer with a larger MTU; "infinite" on TCP (its buffers are not datagrams). */
    private final int largestOwnDatagram;

    /** An engine whose bulk source is read on the calling thread (tests on virtual time). */
    FtfwEngine(FtfwConfig cfg, Scheduler sched, int initialSeq, ByteBufAllocator alloc,
               DatagramPacker.Sink sink, Receiver receiver, BulkSource bulk) {
        this(cfg, sched, initialSeq, alloc, sink, receiver, bulk, Runnable::run);
    }

    /** @param bulkExecutor where the bulk source is read: a thread other than the event loop */
    FtfwEngine(FtfwConfig cfg, Scheduler sched, int initialSeq, ByteBufAllocator alloc,
               DatagramPacker.Sink sink, Receiver receiver, BulkSource bulk, Executor bulkExecutor) {
        this.cfg = cfg;
        this.sched = sched;
        this.receiver = receiver;
        this.bulk = bulk;
        this.bulkExecutor = bulkExecutor;
        this.peerAddress = cfg.peer().getAddress();
        this.guard = new SeqGuard(cfg.maxSeqJump());
        this.seqResetLog = new LogLimiter(sched, LOG_INTERVAL);
        this.oversizeLog = new LogLimiter(sched, LOG_INTERVAL);
        this.largestOwnDatagram = cfg.link() instanceof SyncTransport.Tcp ? Integer.MAX_VALUE : cfg.datagramSize();
        this.resyncNanos = cfg.resyncInterval().toNanos();
        this.auth = cfg.auth() == null ? null : new DatagramAuth(cfg.auth(), sched.epochMicros());
        int trailer = auth == null ? 0 : Ext.AUTH_SIZE;
        this.rawSink = sink;
        this.packer = new DatagramPacker(alloc, cfg.datagramSize() - trailer, trailer, this::sealAndSend);
        this.drops = new DropCounters(sched, 10_000_000_000L);
        this.decoder = new FtfwDecoder(drops, cfg.extensions());
        this.encoding = new FtfwEncoder.Options(cfg.omitTimeout(), cfg.tcpWindowTracking());
        this.scratch = alloc.heapBuffer(4096);
        this.aliveNanos = cfg.aliveInterval().toNanos();
        this.ackDelayNanos = cfg.ackDelay().toNanos();
        this.nextSeq = initialSeq;
        this.pacingLimit = Math.max(1, Math.min(cfg.resendQueueSize() - cfg.resendQueueSize() / 4,
                cfg.socketBuffer() / RCVBUF_BYTES_PER_MESSAGE));
        this.window = cfg.ackWindow();
        this.lastTxNanos = sched.nanos();
        this.nextBulkId = randomNonce() >>> 1;
        if (cfg.extensions()) {
            Set<Capability> offered = auth == null
                    ? Set.of(Capability.GENERATION_RESYNC, Capability.BULK_COMPLETION, Capability.BULK_FLOWS,
                            Capability.BULK_BEGIN)
                    : Set.of(Capability.AUTH, Capability.GENERATION_RESYNC, Capability.BULK_COMPLETION,
                            Capability.BULK_FLOWS, Capability.BULK_BEGIN);
            hs = new Handshake(sched, alloc, sink::send, auth, cfg.auth() != null && cfg.auth().require(), offered,
                    randomNonce(), aliveNanos / Handshake.TRIES, this::onHandshakeChange);
            hs.start();
        } else {
            hs = null;
        }
        sched.schedule(this::aliveTimer, aliveNanos);
    }

    private static long randomNonce() {
        SecureRandom r = new SecureRandom();
        long n;
        do {
            n = r.nextLong();
        } while (n == 0);
        return n;
    }

    /** Every FT-FW datagram goes out here: sealed when the pair authenticates. */
    private void sealAndSend(ByteBuf d) {
        if (hs != null && hs.authActive()) {
            auth.seal(d, hs.peerNonce());
        }
        rawSink.send(d);
    }

    private void onHandshakeChange() {
        requestXmit();
        for (MarkedBulk b : List.copyOf(bulks.values())) {
            maybeBegin(b);
            maybeEnd(b);
        }
    }

    // ------------------------------------------------------------------ sender side

    /** Queues the latest state of a local flow; a queued older state of the same flow is replaced. */
    void publish(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras) {
        publish(type, entry, entry.flowId(), extras);
    }

    /**
     * {@link #publish(FtfwMessage.DataType, ConntrackEntry, FlowExtras)} with the flow's id already at hand; a reused
     * view ({@link EntryView}) is copied into the flow's queue item, so it may change after the call.
     */
    void publish(FtfwMessage.DataType type, EntryView entry, FlowId id, FlowExtras extras) {
        if (closed) {
            return;
        }
        queueState(type, entry, id, extras, null);
        if (publishedDuringBulk != null) {
            publishedDuringBulk.add(id);
        }
        requestXmit();
    }

    /**
     * {@link #publish(FtfwMessage.DataType, EntryView, FlowId, FlowExtras)} of a copy of the state that the caller
     * hands over ({@link PublishBatch}'s, made from the event path's view): the flow's queue item takes it instead of
     * copying it again, and the caller gets another copy in exchange to reuse, the item's previous one or a spare
     * (null: none at hand), which nothing else refers to. When the engine is closed the caller keeps {@code own}.
     */
    MutableEntry publishCopy(FtfwMessage.DataType type, MutableEntry own, FlowId id, FlowExtras extras) {
        if (closed) {
            return own;
        }
        queueState(type, own, id, extras, own);
        MutableEntry back = exchanged;
        exchanged = null;
        if (publishedDuringBulk != null) {
            publishedDuringBulk.add(id);
        }
        requestXmit();
        return back;
    }

    /**
     * A newer state of a queued flow or expectation replaces the older one in place: one message per item in the
     * queues; one already sent and waiting for its ACK goes back to the transmit queue (the peer needs the newer).
     */
    private void supersede(NodeQueue.Node n, QueueItem state) {
        superseded++;
        n.item = state;
        if (n.queue == rs) {
            rs.remove(n);
            tx.add(n);
        }
    }

    /**
     * Queues the latest state of the flow {@code id} (see {@link #publish}) and returns its node; with {@code own}
     * (the same object as {@code entry}) the item takes it as its copy and the copy given in exchange is left in
     * {@link #exchanged} ({@link #publishCopy}).
     */
    private NodeQueue.Node queueState(FtfwMessage.DataType type, EntryView entry, FlowId id,
                                      FlowExtras extras, MutableEntry own) {
        int hash = FlowIndex.hash(id);
        NodeQueue.Node n = flows.get(id, hash);
        if (n == null) {
            if (tx.size() >= cfg.txQueueSize()) {
                evict(tx.poll());
                txOverflow++;
            }
            if (own != null) {
                n = new NodeQueue.Node(new QueueItem.FlowState(id, hash, type, own, extras));
                exchanged = spareCopies.poll();
            } else {
                n = new NodeQueue.Node(new QueueItem.FlowState(id, hash, type, entry, extras,
                        entry instanceof ConntrackEntry ? null : spareCopies.poll()));
            }
            flows.put(id, hash, n);
            tx.add(n);
        } else {
            QueueItem.FlowState f = (QueueItem.FlowState) n.item;
            if (own != null) {
                exchanged = f.adopt(id, type, own, extras);
            } else {
                f.supersede(id, type, entry, extras);                       // in place: no item per event
            }
            supersede(n, f);
        }
        if (openBulk != null && n.marked != openBulk) {
            if (n.marked != null) {
                settle(n, false);
            }
            n.marked = openBulk;
            n.bulkFlow = false;
            openBulk.outstanding++;
        }
        if (type == FtfwMessage.DataType.DEL && !bulks.isEmpty()) {
            for (MarkedBulk b : bulks.values()) {
                if (!b.endQueued) {
                    b.deletes++;                    // the backup rightly no longer holds this flow
                }
            }
        }
        if (FtfwEncoder.helperTooLong(entry)) {
            helperOmitted++;
        }
        return n;
    }

    /**
     * Queues the latest state of a local expectation (ExpectationSync, conntrackd's {@code exp} cache path): one node
     * per expectation like a flow's, a newer state replaces a queued one. One whose names conntrackd could not read
     * (a helper over 11 characters) is counted and not sent.
     */
    void publishExpectation(EventType type, Expectation e) {
        if (closed) {
            return;
        }
        if (!ExpCodec.sendable(e)) {
            helperOmitted++;
            return;
        }
        QueueItem.ExpState state = new QueueItem.ExpState(e.id(), type, e);
        NodeQueue.Node n = exps.get(state.id());
        if (n == null) {
            if (tx.size() >= cfg.txQueueSize()) {
                evict(tx.poll());
                txOverflow++;
            }
            n = new NodeQueue.Node(state);
            exps.put(state.id(), n);
            tx.add(n);
        } else {
            supersede(n, state);
        }
        requestXmit();
    }

    /** Asks the peer for a bulk send of its table ({@code conntrackd -n}). */
    void requestResync() {
        queueCtl(Nethdr.F_RESYNC, 0, 0);
    }

    /** What to do when a peer we had heard from restarts (see {@link FtfwChannel.Builder#onPeerRestart}). */
    void onPeerRestart(Runnable action) {
        onPeerRestart = action;
    }

    /**
     * On first contact with the peer, sends our table after {@code waitNanos} unless a bulk was started or asked for
     * meanwhile (see {@link FtfwChannel.Builder#pushTableOnFirstContact}).
     */
    void pushTableOnFirstContact(long waitNanos) {
        firstContactPushNanos = waitNanos;
    }

    /**
     * The first-contact push: a peer that started before us asked for our table when nobody was there, and sees our
     * first HELLO as a first contact too, so it does not ask again. A peer that starts after us, or that saw us
     * restart, asks within the wait; its RESYNC then starts the bulk and this does nothing.
     */
    private void firstContact() {
        long started = bulksSent;
        sched.schedule(() -> {
            if (!closed && bulksSent == started && !bulkPending) {
                LOG.info("first contact with the peer and no request for our table: bulk-sending it");
                sendBulk();
            }
        }, firstContactPushNanos);
    }

    /**
     * Sends our whole table ({@code conntrackd -B}), at once or, within {@code resyncInterval} of the last bulk
     * send, once that interval has passed; a request while one is pending joins it.
     */
    void sendBulk() {
        if (closed) {
            return;
        }
        if (bulkPending) {
            resyncsCoalesced++;
            return;
        }
        bulkPending = true;
        if (!bulkRunning) {
            scheduleBulk();
        }
    }

    private void scheduleBulk() {
        long wait = bulkEver ? bulkStartNanos + resyncNanos - sched.nanos() : 0;
        sched.schedule(this::startBulk, Math.max(0, wait));
    }

    private void startBulk() {
        if (closed) {
            return;
        }
        bulkPending = false;
        bulkRunning = true;
        bulkEver = true;
        bulkStartNanos = sched.nanos();
        bulksSent++;
        publishedDuringBulk = new HashSet<>();
        // marked provisionally while the handshake is under way: a stock peer is never kept waiting for it, and its
        // END is only sent if the peer turns out to agree
        // (only a bulk from a real table is the whole table: an empty source must not make the peer drop its flows)
        long marked = bulk.isTable() && canOpen()
                && (peerAgreed(Capability.GENERATION_RESYNC) || (hs != null && hs.pending())) ? open(true) : 0;
        try {
            bulkExecutor.execute(() -> readBulkSource(marked));
        } catch (RejectedExecutionException e) {
            bulkRunning = false; // closing
        }
    }

    /** On the bulk executor: reads the whole source, then hands it to the event loop as a paced transfer. */
    private void readBulkSource(long marked) {
        List<ConntrackEntry> all = new ArrayList<>();
        try {
            bulk.forEach(all::add);
        } catch (RuntimeException e) {
            LOG.warn("bulk send: reading the table failed, sending the {} entries read", all.size(), e);
        }
        try {
            sched.schedule(() -> {
                tableBulk = new BulkTransfer(all.iterator(), () -> bulkFed(marked, all.size()));
                tableBulkMarked = marked != 0;
                sendPaced(tableBulk);
            }, 0);
        } catch (RejectedExecutionException e) {
            LOG.debug("bulk send dropped: the channel is closing");
        }
    }

    /** Every entry of the table's bulk is queued: a marked bulk ends (its END follows the last acknowledgement). */
    private void bulkFed(long marked, int count) {
        if (marked != 0) {
            var _ = endBulk(marked, count).whenComplete((r, e) -> {
                if (r != null) {
                    LOG.info("bulk {} confirmed by the peer: {} sent, {} held", r.id(), r.sent(), r.held());
                }
            });
        }
        bulkRunning = false;
        publishedDuringBulk = null;
        tableBulk = null;
        if (bulkPending) {
            scheduleBulk();
        }
    }

    /** The capabilities agreed with an hFT-FW peer; empty with a stock conntrackd (or before the handshake). */
    Set<Capability> peerCapabilities() {
        return hs == null ? Set.of() : hs.agreed();
    }

    private boolean peerAgreed(Capability c) {
        return hs != null && hs.agreed(c);
    }

    /**
     * Opens a marked bulk: every state published from now until {@link #endBulk} belongs to it. Returns its id, or
     * 0 when it cannot be marked: the peer did not agree to {@link Capability#GENERATION_RESYNC} (a stock
     * conntrackd), or another marked bulk is still open. {@code full}: the bulk is the whole table, and the peer
     * removes what it did not refresh.
     */
    long beginBulk(boolean full) {
        if (closed || !canOpen() || !peerAgreed(Capability.GENERATION_RESYNC)) {
            return 0;
        }
        return open(full);
    }

    private long open(boolean full) {
        long id = ++nextBulkId;
        if (id == 0) {
            id = ++nextBulkId;                      // 0 means "not marked"
        }
        MarkedBulk b = new MarkedBulk(id, full, nextSeq);
        bulks.put(b.id, b);
        openBulk = b;
        maybeBegin(b);
        return b.id;
    }

    /**
     * Queues a full bulk's BEGIN once the peer agreed to it (a provisional bulk's waits for the handshake); only a
     * full bulk removes flows at its END, so only it needs one.
     */
    private void maybeBegin(MarkedBulk b) {
        if (b.full && !b.beginQueued && !b.endQueued && peerAgreed(Capability.BULK_BEGIN)) {
            b.beginQueued = true;
            queueExt(Ext.T_BULK_BEGIN, Ext.F_FULL, b.id, 0, 0, -1);
        }
    }

    /**
     * Closes bulk {@code id} after {@code count} entries: its BULK_END goes out once every state published in it
     * was acknowledged, and the stage completes with the peer's HOLDS answer; it fails when the bulk is unknown (0,
     * or already ended), a new incarnation of the peer is seen meanwhile, or the channel closes. It has no timeout
     * of its own.
     */
    CompletionStage<BulkReceipt> endBulk(long id, long count) {
        MarkedBulk b = bulks.get(id);
        if (b == null || b.ended) {
            return CompletableFuture.failedFuture(new IllegalStateException("no open marked bulk " + id
                    + (peerAgreed(Capability.BULK_COMPLETION) ? "" : " (the peer does not confirm bulks in-band)")));
        }
        b.ended = true;
        b.count = count;
        if (openBulk == b) {
            openBulk = null;
        }
        maybeEnd(b);
        return b.receipt;
    }

    private void maybeEnd(MarkedBulk b) {
        if (!b.readyToEnd() || hs == null || hs.pending()) {
            return;                                 // a provisional bulk's END waits for the handshake
        }
        if (!peerAgreed(Capability.GENERATION_RESYNC)) {
            bulks.remove(b.id);                     // provisional, and the peer is not hFT-FW: nothing to send
            b.receipt.completeExceptionally(new IllegalStateException("the peer does not confirm bulks in-band"));
        } else {
            maybeBegin(b);
            b.endQueued = true;
            queueExt(Ext.T_BULK_END, b.full ? Ext.F_FULL : 0, b.id, b.count, b.startSeq, -1);
        }
    }

    /**
     * Whether a marked bulk may open: none is open, and every earlier one's END is queued (so the states of the new
     * one's flows follow that END in the sequence, and no flow belongs to two bulks: see the design note).
     */
    private boolean canOpen() {
        if (openBulk != null) {
            return false;
        }
        for (MarkedBulk b : bulks.values()) {
            if (!b.endQueued) {
                return false;
            }
        }
        return true;
    }

    /** A node's state left the queues: acknowledged, or dropped from a full queue (then the peer may miss it). */
    private void settle(NodeQueue.Node n, boolean dropped) {
        MarkedBulk b = n.marked;
        n.marked = null;
        b.outstanding--;
        if (dropped) {
            b.dropped++;
        }
        maybeEnd(b);
    }

    private void queueExt(int type, int flags, long id, long count, int startSeq, long deleted) {
        tx.add(new NodeQueue.Node(new QueueItem.Extension(type, flags, id, count, startSeq, deleted)));
        requestXmit();
    }

    private void failBulks(String why) {
        openBulk = null;
        for (MarkedBulk b : bulks.values()) {
            b.receipt.completeExceptionally(new IllegalStateException("bulk " + b.id + " not confirmed: " + why));
        }
        bulks.clear();
    }

    /**
     * Starts a paced bulk transfer (see the design note): its entries are queued as UPDATEs as the peer's ACKs make
     * room, after the transfers already running.
     */
    void sendPaced(BulkTransfer t) {
        if (closed) {
            t.abandon();
            return;
        }
        transfers.add(t);
        scheduleFeed();
    }

    /** A paced transfer for {@code entries}, read on this engine's thread (see {@link #sendPaced}). */
    static BulkTransfer transfer(Iterator<ConntrackEntry> entries) {
        return new BulkTransfer(entries, () -> { });
    }

    private void scheduleFeed() {
        if (!feedScheduled && !closed && !transfers.isEmpty()) {
            feedScheduled = true;
            sched.schedule(this::feed, 0);
        }
    }

    /** Queues entries of the current transfer while there is room, at most {@link #BULK_CHUNK} per run. */
    private void feed() {
        feedScheduled = false;
        if (closed) {
            return;
        }
        int budget = BULK_CHUNK;
        BulkTransfer t;
        while (budget > 0 && (t = transfers.peek()) != null && room() > 0) {
            ConntrackEntry e = t.next();
            if (e != null && t == tableBulk && publishedDuringBulk.contains(e.flowId())) {
                continue;                                    // its event, sent since the bulk began, is newer
            }
            if (e == null) {
                transfers.poll();
                t.publish();
                if (!t.progress().complete()) {
                    fedTransfers.add(t);
                }
                continue;
            }
            NodeQueue.Node n = queueState(FtfwMessage.DataType.UPD, e, e.flowId(), FlowExtras.NONE, null);
            if (n.bulk != null && n.bulk != t) {
                n.bulk.lost(e);                              // a newer transfer counts this flow from now on
                n.bulk.publish();
            }
            n.bulk = t;
            if (openBulk != null && n.marked == openBulk && (t != tableBulk || tableBulkMarked)) {
                n.bulkFlow = true;                           // kept when an unmarked bulk sends the flow again
            }
            t.queued();
            budget--;
        }
        if ((t = transfers.peek()) != null) {
            t.publish();
        }
        requestXmit();
        if (budget == 0) {
            scheduleFeed();                                  // more room: yield to the loop, then go on
        }
    }

    /** How many more messages a paced transfer may queue now. */
    private int room() {
        return pacingLimit - rs.size() - tx.size();
    }

    private void queueCtl(int flags, int from, int to) {
        if (flags == Nethdr.F_ACK) {
            acksTx++;
        } else if (flags == Nethdr.F_NACK) {
            nacksTx++;
        }
        tx.add(new NodeQueue.Node(new QueueItem.Control(flags, from, to)));
        requestXmit();
    }

    private void requestXmit() {
        if (!xmitScheduled && !closed) {
            xmitScheduled = true;
            sched.schedule(xmitTask, 0);
        }
    }

    private int helloFlags() {
        int f = 0;
        if (hello == Hello.INIT) {
            hello = Hello.SAY;
        }
        if (hello == Hello.SAY) {
            f |= Nethdr.F_HELLO;
        }
        if (sayHelloBack) {
            f |= Nethdr.F_HELLO_BACK;
            sayHelloBack = false;
        }
        return f;
    }

    /** One transmit run: up to {@code maxBurst} messages from the transmit queue, then a flush. */
    void xmit() {
        xmitScheduled = false;
        if (closed || (hs != null && !hs.canTransmit())) {
            return;                                 // a key and no agreement yet: held until the handshake resolves
        }
        int budget = cfg.maxBurst();
        long sentBefore = msgsTx;
        NodeQueue.Node n;
        while (budget-- > 0 && (n = tx.poll()) != null) {
            scratch.clear();
            int seq = nextSeq++;
            n.seq = seq;
            switch (n.item) {
                case QueueItem.FlowState f -> {
                    int flags = helloFlags();
                    n.sentWithHello = (flags & Nethdr.F_HELLO) != 0;
                    if (n.bulkFlow && peerAgreed(Capability.BULK_FLOWS)) {
                        flags |= Nethdr.F_BULK_FLOW;
                    }
                    FtfwEncoder.writeData(scratch, f.type(), flags, seq, f.entry(), f.extras(), encoding);
                    dataTx++;
                    storeForResend(n);
                }
                case QueueItem.Control c when c.hasRange() -> {
                    int flags = helloFlags();
                    if (c.flags() == Nethdr.F_NACK && (flags & Nethdr.F_HELLO) != 0) {
                        nackedWithHello = true;
                    }
                    FtfwEncoder.writeRange(scratch, c.flags() | flags, seq, c.from(), c.to());
                    storeForResend(n);
                }
                case QueueItem.ExpState x -> {
                    int flags = helloFlags();
                    n.sentWithHello = (flags & Nethdr.F_HELLO) != 0;
                    ExpCodec.write(scratch, x.type(), flags, seq, x.exp(), encoding.omitTimeout());
                    expectationsTx++;
                    storeForResend(n);
                }
                case QueueItem.Extension e -> {
                    // a sequenced extension message says HELLO like any other while we do: the peer takes the first
                    // HELLO of a series for our restart, so a BEGIN, END or HOLDS without it between two that have it
                    // (a bulk answering the peer's startup RESYNC before its HELLO_BACK reached us) made it see a
                    // restart and ask for the whole table again (only peers that agreed the extension read them)
                    int flags = e.flags() | helloFlags();
                    Ext.writeSequenced(scratch, e.type(), flags, seq, e.id(), e.count(), e.startSeq(), e.deleted());
                    storeForResend(n);
                }
                case QueueItem.Control _ -> FtfwEncoder.writeAlive(scratch, helloFlags(), seq); // ALIVE: never stored
            }
            msgsTx++;
            packer.add(scratch);
        }
        packer.flush();
        if (msgsTx != sentBefore) {
            // only a real transmission restarts the alive timer: an empty run (e.g. one woken to piggyback a
            // HELLO_BACK that had nothing to ride on) must not, or a peer that sends an ALIVE every second keeps
            // this side from ever sending its ACK and HELLO_BACK
            lastTxNanos = sched.nanos();
        }
        if (!tx.isEmpty()) {
            requestXmit();
        }
    }

    private void storeForResend(NodeQueue.Node n) {
        if (rs.size() >= cfg.resendQueueSize()) {
            evict(rs.poll());
            rsOverflow++;
        }
        rs.add(n);
    }

    /** Forgets a node the peer acknowledged; its transfer counts the flow as delivered, its copy is reused. */
    private void acknowledged(NodeQueue.Node n) {
        forget(n, false);
        if (n.bulk != null) {
            n.bulk.acknowledged();
            n.bulk = null;
        }
        if (n.item instanceof QueueItem.FlowState f) {
            MutableEntry copy = f.takeCopy();
            if (copy != null && spareCopies.size() < SPARE_COPIES) {
                spareCopies.push(copy);
            }
        }
    }

    /** Forgets a node dropped from a full queue; its transfer counts the flow as lost. */
    private void evict(NodeQueue.Node n) {
        forget(n, true);
        if (n.bulk != null && n.item instanceof QueueItem.FlowState f) {
            n.bulk.lost(f.entry().toEntry());
            n.bulk.publish();
            n.bulk = null;
        }
    }

    /** Forgets a node taken out of the queues for good: ACKed, or dropped on overflow (its marked bulk is told). */
    private void forget(NodeQueue.Node n, boolean overflow) {
        switch (n.item) {
            case QueueItem.FlowState f -> {
                flows.remove(f.id(), f.hash());
                if (n.marked != null) {
                    settle(n, overflow);
                }
            }
            case QueueItem.ExpState x -> exps.remove(x.id());
            case QueueItem.Control _, QueueItem.Extension _ -> { }
        }
    }

    private void aliveTimer() {
        if (closed) {
            return;
        }
        long now = sched.nanos();
        long idle = now - lastTxNanos;
        if (idle >= aliveNanos && hs != null && !hs.canTransmit()) {
            sched.schedule(this::aliveTimer, aliveNanos);   // nothing may go out yet: no ALIVE piles up
        } else if (idle >= aliveNanos) {
            if (ackFromSet && seqSet) {
                queueCtl(Nethdr.F_ACK, ackFrom, lastSeq);
                ackFromSet = false;
            } else {
                tx.add(new NodeQueue.Node(QueueItem.Control.ALIVE));
            }
            xmit();
            sched.schedule(this::aliveTimer, aliveNanos);
        } else {
            sched.schedule(this::aliveTimer, aliveNanos - idle);
        }
    }

    // ------------------------------------------------------------------ receiver side

    /** Processes one datagram (not released) received from {@code sender}; only the peer's are read. */
    void receive(ByteBuf datagram, InetSocketAddress sender) {
        datagramAuthentic = false;
        if (closed) {
            return;
        }
        if (!peerAddress.equals(sender.getAddress())) {
            drops.drop(DropReason.NOT_PEER, sender);
            return;
        }
        int end = datagram.writerIndex();
        datagramAuthentic = false;
        if (auth != null) {
            switch (auth.open(datagram, hs == null ? 0 : hs.nonce())) {
                case AUTHENTIC -> {
                    end = auth.payloadEnd();
                    if (!auth.bound() && !loneCaps(datagram, end)) {
                        drops.drop(DropReason.AUTH_BAD_MAC, "unbound MAC on more than a CAPS");
                        return;
                    }
                    datagramAuthentic = true;
                }
                case NO_TRAILER -> {
                    if (hs != null && hs.authActive()) {
                        drops.drop(DropReason.AUTH_MISSING, sender);
                        hs.onUnauthenticated();
                        return;
                    }
                }
                case BAD_MAC -> {
                    drops.drop(DropReason.AUTH_BAD_MAC, sender);
                    if (hs != null) {
                        hs.onAuthFailure();
                    }
                    return;
                }
                case REPLAY -> {
                    drops.drop(DropReason.AUTH_REPLAY, "counter " + auth.lastRefused());
                    return;
                }
            }
        }
        datagramsRx++;
        bytesRx += datagram.readableBytes();
        if (datagram.readableBytes() > largestOwnDatagram) {
            peerMtuLarger();
        }
        lastPeerDatagramNanos = sched.nanos();
        heardFromPeer = true;
        decoder.decodeDatagram(datagram, end, onMessage);
    }

    /** Whether the last buffer {@link #receive} read was authentic and bound to our nonce (not a replay). */
    boolean lastBoundAuthentic() {
        return datagramAuthentic && auth.bound();
    }

    /**
     * A datagram larger than ours can be: the peer's MTU is larger. It is read whole (the receive buffer takes any
     * datagram), but the peer's larger datagrams may be fragmented or dropped on the way: say so, at most every 10 s.
     */
    private void peerMtuLarger() {
        oversized++;
        if (oversizeLog.due()) {
            LOG.warn("the peer sends datagrams larger than this node's sync.mtu {} allows ({} so far): its MTU is "
                    + "larger; set the same sync.mtu (conntrackd: the interface's MTU) on both nodes", cfg.mtu(),
                    oversized);
        }
    }

    private static boolean loneCaps(ByteBuf d, int end) {
        int at = d.readerIndex();
        return end - at == Ext.CAPS_SIZE && d.getUnsignedByte(at) == (Ext.VERSION << 4 | Ext.T_CAPS);
    }

    private Track track(int seq) {
        if (!seqSet) {
            return Track.UNSET;
        }
        int exp = lastSeq + 1;
        if (seq == exp) {
            return Track.IN_SYNC;
        }
        return Nethdr.after(seq, exp) ? Track.AFTER : Track.BEFORE;
    }

    void onMessage(FtfwMessage m) {
        if (m instanceof FtfwMessage.Caps c) {
            long before = hs.peerNonce();
            hs.onCaps(c, datagramAuthentic);        // unsequenced; the decoder passes CAPS only with extensions on
            if (before != 0 && hs.peerNonce() != before) {
                beginAgain();
            }
            return;
        }
        int seq = m.seq();
        boolean implausible = seqSet && !guard.plausible(seq, lastSeq + 1);
        boolean reanchor = false;
        if (implausible && !m.hello()) {
            if (!guard.reanchorOn(seq, datagramsRx)) {
                drops.drop(DropReason.IMPLAUSIBLE_SEQ, Integer.toUnsignedString(seq));
                return;
            }
            reanchor = true;
        } else if (seqSet) {
            guard.accepted();
        }
        msgsRx++;
        boolean firstContact = !seqSet && firstContactPushNanos >= 0;
        if (m.helloBack() && hello == Hello.SAY) {
            hello = Hello.DONE;
            sched.schedule(this::resendSentWithHello, 2 * aliveNanos);
            if (nackedWithHello) {
                nackedWithHello = false;
                LOG.info("losses NACKed during the HELLO handshake cannot be resent (the peer empties its resend "
                        + "queue on HELLO): asking the peer for its table");
                requestResync();
            }
        }
        Track t = track(seq);
        boolean restart = false;
        if (m.hello()) {
            sayHelloBack = true;
            requestXmit();
            restart = !peerSaysHello || t == Track.BEFORE || t == Track.UNSET || implausible;
            peerSaysHello = true;
        } else {
            peerSaysHello = false;
        }
        if (reanchor) {
            t = reanchor(seq);
        }
        long nonce = hs == null ? 0 : hs.peerNonce();
        // the peer's nonce first learned with no restart signal is the incarnation we were already stamping (its
        // CAPS was lost until now, e.g. mid-bulk on a lossy link): a jump here would leave that bulk's earlier
        // states before its start and its HOLDS would undercount
        boolean learnedNonce = stampNonce == 0 && seqSet && !restart && !reanchor && !implausible;
        boolean newIncarnation = nonce != stampNonce && !learnedNonce;
        boolean continuous = seqSet && !reanchor && !implausible && !newIncarnation && (!restart || nonce != 0);
        curStamp = continuous ? lastStamp + (seq - lastSeq) : lastStamp + (1L << 32);
        if (!continuous) {
            peerBulksBegun.clear();                 // a BEGIN counts only for the incarnation that sent it
        }
        if (restart) {
            if (t != Track.UNSET) {
                seqReset("the peer restarted (HELLO)", seq);
                if (!continuous) {
                    failBulks("the peer restarted");
                }
                if (hs != null) {
                    hs.onPeerRestart();
                }
                beginAgain();
                onPeerRestart.run();
            }
            if (ackFromSet && Nethdr.before(seq, ackFrom)) {
                window = cfg.ackWindow() - 1;
                ackFrom = seq;
            }
            peerRestarted = true;
            seqAtPeerHello = nextSeq;
            peerRestarts++;
            digest(m);
            windowStep(seq);
        } else {
            switch (t) {
                case BEFORE -> {
                    beforeDrops++;
                    return;
                }
                case AFTER -> {
                    int exp = lastSeq + 1;
                    digest(m);
                    if (!reanchor) {
                        lost += Integer.toUnsignedLong(seq - exp);
                    }
                    if (ackFromSet) {
                        queueCtl(Nethdr.F_ACK, ackFrom, exp - 1);
                        ackFromSet = false;
                    }
                    queueCtl(Nethdr.F_NACK, exp, seq - 1);
                    window = cfg.ackWindow() - 1;
                    ackFrom = seq;
                    ackFromSet = true;
                }
                case UNSET, IN_SYNC -> {
                    digest(m);
                    windowStep(seq);
                }
            }
        }
        lastSeq = seq;
        lastStamp = curStamp;
        stampNonce = nonce;
        seqSet = true;
        if (firstContact) {
            firstContact();
        }
        // only data arms the early ACK: ACKs are themselves acknowledged (on the window or the alive timer, as
        // conntrackd does), and an early ACK of an ACK would make the two ends ping-pong forever
        if (m instanceof FtfwMessage.Data && ackFromSet && !ackDelayScheduled && ackDelayNanos > 0) {
            ackDelayScheduled = true;
            sched.schedule(this::delayedAck, ackDelayNanos);
        }
    }

    /** A new incarnation of the peer never saw our open bulks' BEGIN: without it, their END would be refused. */
    private void beginAgain() {
        for (MarkedBulk b : bulks.values()) {
            b.beginQueued = false;
            maybeBegin(b);
        }
    }

    /**
     * Re-anchors the receive state on a series of agreeing implausible messages ({@link SeqGuard}): what was
     * received before is acknowledged, and the new expected number is put {@code maxJump} behind {@code seq}, so the
     * message is taken as a gap and the NACK that follows asks for everything the peer may still hold before it
     * (the messages of the series that were dropped among them).
     */
    private Track reanchor(int seq) {
        if (ackFromSet) {
            queueCtl(Nethdr.F_ACK, ackFrom, lastSeq);
            ackFromSet = false;
        }
        seqReset(SeqGuard.REANCHOR_DATAGRAMS + " datagrams agreed on a sequence far from the expected "
                + Integer.toUnsignedString(lastSeq + 1), seq);
        lastSeq = seq - guard.maxJump() - 1;
        return Track.AFTER;
    }

    private void seqReset(String why, int seq) {
        seqResets++;
        if (seqResetLog.due()) {
            long more = seqResetLog.suppressed();
            LOG.warn("FT-FW receive sequence reset to {}: {}{}", Integer.toUnsignedString(seq), why,
                    more > 0 ? " (" + more + " more resets since the last report)" : "");
        }
    }

    /** The early ACK of {@link FtfwConfig#ackDelay()}: acknowledges what arrived since the last ACK. */
    private void delayedAck() {
        ackDelayScheduled = false;
        if (closed || !ackFromSet || !seqSet) {
            return;
        }
        queueCtl(Nethdr.F_ACK, ackFrom, lastSeq);
        ackFromSet = false;
        window = cfg.ackWindow();
    }

    private void windowStep(int seq) {
        if (!ackFromSet) {
            ackFromSet = true;
            ackFrom = seq;
        }
        if (--window <= 0) {
            queueCtl(Nethdr.F_ACK, ackFrom, seq);
            window = cfg.ackWindow();
            ackFromSet = false;
        }
    }

    private void digest(FtfwMessage m) {
        switch (m) {
            case FtfwMessage.Data d -> {
                dataRx++;
                receiver.onData(d.type(), d.entry(), d.extras(), curStamp,
                        (d.flags() & Nethdr.F_BULK_FLOW) != 0);
            }
            case FtfwMessage.Caps _ -> { }          // handled before sequence tracking
            case FtfwMessage.BulkBegin g -> {
                if (extensionAgreed(g, Capability.BULK_BEGIN)) {
                    peerBulksBegun.put(g.id(), curStamp);
                }
            }
            // answered also while the handshake is still pending (every CAPS of the peer lost on a lossy link while it
            // read ours and opened its bulk): the END is sequenced and would not come again, and the migration would
            // wait for a HOLDS for nothing. It removes flows only after a BEGIN, which needs the agreed handshake; a
            // peer known to be a stock conntrackd gets no extension message
            case FtfwMessage.BulkEnd e -> {
                if ((hs != null && hs.state() == Handshake.State.PENDING)
                        || extensionAgreed(e, Capability.GENERATION_RESYNC)) {
                    onPeerBulkEnd(e);
                }
            }
            case FtfwMessage.Holds h -> {
                MarkedBulk b = extensionAgreed(h, Capability.GENERATION_RESYNC) ? bulks.remove(h.id()) : null;
                if (b != null) {
                    // an older peer's HOLDS counts every flow written since the bulk began: our DESTROYs meanwhile
                    // are added, and the result is a lower bound (see BulkReceipt)
                    b.receipt.complete(new BulkReceipt(b.id, b.count, h.held(), b.dropped,
                            h.perFlow() ? h.deleted() : b.deletes, h.perFlow()));
                }
            }
            case FtfwMessage.ExpData x -> {
                expectations++;
                receiver.onExpectation(x.type(), x.exp());
            }
            case FtfwMessage.BadPayload b -> { }
            case FtfwMessage.Ack a -> {
                acksRx++;
                if (peerRestarted) {
                    recoverAfterPeerRestart(a.from());
                }
                ackRange(a.from(), a.to());
            }
            case FtfwMessage.Nack n -> {
                if (peerRestarted) {
                    recoverAfterPeerRestart(n.from());
                }
                nacksRx++;
                nackRange(n.from(), n.to());
            }
            case FtfwMessage.Resync r -> {
                resyncsRx++;
                if (!bulkPending) {
                    LOG.info("resync requested by the peer, bulk-sending our table");
                }
                sendBulk();
            }
            case FtfwMessage.Alive a -> { }
        }
    }

    /**
     * Whether the handshake agreed {@code c} with the peer's current incarnation; otherwise the extension message
     * is counted and ignored (a stock peer never sends one: from its address it is forged, review14 G14).
     */
    private boolean extensionAgreed(FtfwMessage m, Capability c) {
        if (peerAgreed(c)) {
            return true;
        }
        drops.drop(DropReason.EXT_REFUSED, m);
        return false;
    }

    /**
     * The peer's bulk ended: stale flows go (a full bulk), and the answer says how many we hold. A full bulk's END
     * removes flows only when its BEGIN arrived from the same incarnation of the peer and the bulk started no later
     * than that BEGIN: one forged datagram can no longer empty the table (review14 G14), and what is removed is
     * bounded to a bulk this node received. An END for a full bulk never begun is counted and ignored (no HOLDS).
     */
    private void onPeerBulkEnd(FtfwMessage.BulkEnd e) {
        long from = curStamp + (e.startSeq() - e.seq());
        Long begun = peerBulksBegun.remove(e.id());
        boolean full = e.full();
        if (full && (begun == null || from > begun)) {
            if (peerAgreed(Capability.BULK_BEGIN)) {
                drops.drop(DropReason.EXT_REFUSED, "full bulk end " + e.id() + " without its begin");
                return;
            }
            full = false;                           // an earlier hFT-FW sends no BEGIN: answered, nothing removed
        }
        bulkEndsRx++;
        BulkOutcome o = receiver.onBulkEnd(from, full);
        boolean perFlow = peerAgreed(Capability.BULK_FLOWS) && o.bulkFlowsHeld() >= 0;
        long held = perFlow ? o.bulkFlowsHeld() : o.held();
        long deleted = perFlow ? o.bulkFlowsDeleted() : -1;
        if (!o.stale().isEmpty()) {
            staleRemoved += o.stale().size();
            LOG.info("the peer's full bulk {} ended: {} flows it no longer has were removed ({} held)", e.id(),
                    o.stale().size(), o.held());
            bulkListener.onStaleAfterResync(o.stale());
        }
        bulkListener.onBulkEnd(new BulkReceipt(e.id(), e.count(), held, 0, Math.max(0, deleted), perFlow));
        if (full) {
            bulkListener.onPeerTable();
        }
        // an always-committed backup answers once its kernel writer has written what arrived before the END, less
        // the writes the kernel refused: the peer's migration is then confirmed in the kernel table, not only in the
        // external cache (a refusal since the previous END is counted against this bulk: a kernel table that refuses
        // writes is missing flows either way)
        CompletableFuture<Long> applied = receiver.applied().toCompletableFuture();
        if (applied.isDone() && !applied.isCompletedExceptionally()) {
            queueExt(Ext.T_HOLDS, 0, e.id(), heldAfter(held, applied.join()), 0, deleted);
        } else {
            var _ = applied.whenComplete((refused, failure) -> sched.schedule(() -> {
                if (!closed) {
                    queueExt(Ext.T_HOLDS, 0, e.id(), heldAfter(held, failure != null ? held : refused), 0, deleted);
                }
            }, 0));
        }
    }

    private static long heldAfter(long held, long refused) {
        return held < 0 ? held : Math.max(0, held - refused);
    }

    private void ackRange(int from, int to) {
        removeRange(from, to, this::acknowledged);
        BulkTransfer t = transfers.peek();
        if (t != null) {
            t.publish();
            scheduleFeed();
        }
        for (BulkTransfer done : fedTransfers) {
            done.publish();
        }
        fedTransfers.removeIf(d -> d.progress().complete() || d.cancelled());
    }

    private void nackRange(int from, int to) {
        long before = resent;
        removeRange(from, to, n -> {
            tx.add(n);
            resent++;
        });
        if (resent != before) {
            requestXmit();
        }
    }

    /** Takes the resend-queue nodes sent in [from, to] (wraparound-safe) out of the queue and hands them over. */
    private void removeRange(int from, int to, Consumer<NodeQueue.Node> then) {
        NodeQueue.Node n = rs.head();
        while (n != null) {
            NodeQueue.Node next = n.next;
            if (Nethdr.after(n.seq, to)) {
                break;
            }
            if (!Nethdr.before(n.seq, from)) {
                rs.remove(n);
                then.accept(n);
            }
            n = next;
        }
    }

    /**
     * Two alive intervals after the peer confirmed our HELLO, data sent with HELLO that is still not acknowledged
     * is sent again: a receiver does not check the sequence of a restarting sender, so it could not NACK it.
     */
    private void resendSentWithHello() {
        if (closed) {
            return;
        }
        NodeQueue.Node n = rs.head();
        boolean any = false;
        while (n != null) {
            NodeQueue.Node next = n.next;
            if ((n.item instanceof QueueItem.FlowState || n.item instanceof QueueItem.ExpState) && n.sentWithHello) {
                rs.remove(n);
                tx.add(n);
                resent++;
                any = true;
            }
            n = next;
        }
        if (any) {
            requestXmit();
        }
    }

    /**
     * First ACK/NACK of a restarted peer: it starts at the first of our messages the peer received after its
     * restart. Flows sent before that, and before its HELLO reached us, are resent; control messages of that
     * time are dropped (they acknowledged a sequence the peer has forgotten). Messages we sent after its HELLO
     * arrived are left alone: a lost one among them is recovered by the normal NACK path — dropping it here lost
     * an ACK for good when the peer's first ACKs were lost, and the flows it covered stayed unacknowledged.
     */
    private void recoverAfterPeerRestart(int from) {
        peerRestarted = false;
        NodeQueue.Node n = rs.head();
        boolean any = false;
        while (n != null && Nethdr.before(n.seq, from) && Nethdr.before(n.seq, seqAtPeerHello)) {
            NodeQueue.Node next = n.next;
            rs.remove(n);
            switch (n.item) {
                case QueueItem.FlowState _, QueueItem.ExpState _ -> {
                    tx.add(n);
                    resent++;
                    any = true;
                }
                case QueueItem.Control _, QueueItem.Extension _ -> { }
            }
            n = next;
        }
        if (any) {
            requestXmit();
        }
    }

    /** Where the peer's marked bulks go (the backup side); called on the event loop. */
    void bulkListener(BulkListener l) {
        bulkListener = l;
    }

    void close() {
        closed = true;
        failBulks("the channel closed");
        if (hs != null) {
            hs.close();
        }
        transfers.forEach(BulkTransfer::abandon);
        fedTransfers.forEach(BulkTransfer::abandon);
        transfers.clear();
        fedTransfers.clear();
        scratch.release();
    }

    int nextSeq() {
        return nextSeq;
    }

    boolean helloDone() {
        return hello == Hello.DONE;
    }

    int pendingFlows() {
        return flows.size();
    }

    /** The resend queue's messages, oldest first (conntrackd's {@code -s rsqueue}). */
    List<ResendEntry> resendQueue() {
        List<ResendEntry> out = new ArrayList<>(rs.size());
        for (NodeQueue.Node n = rs.head(); n != null; n = n.next) {
            out.add(switch (n.item) {
                case QueueItem.FlowState _, QueueItem.ExpState _ -> new ResendEntry.CacheObject(n.seq);
                case QueueItem.Control c -> new ResendEntry.Control(n.seq, c.flags());
                case QueueItem.Extension e -> new ResendEntry.Control(n.seq, e.flags());
            });
        }
        return out;
    }

    FtfwStats stats() {
        return new FtfwStats(msgsTx, packer.bytes(), packer.datagrams(), msgsRx, bytesRx, datagramsRx, dataTx, dataRx,
                lost, beforeDrops, resent, nacksRx, nacksTx, acksTx, resyncsRx, peerRestarts, rs.size(), tx.size(),
                rsOverflow, txOverflow, superseded, expectationsTx, expectations, helperOmitted, seqResets, bulksSent,
                resyncsCoalesced, acksRx, heardFromPeer ? sched.nanos() - lastPeerDatagramNanos : -1,
                drops.snapshot(), peerStats());
    }

    private FtfwStats.Peer peerStats() {
        if (hs == null) {
            return new FtfwStats.Peer("off", Set.of(), false, 0, 0, bulkEndsRx, staleRemoved);
        }
        String kind = switch (hs.state()) {
            case PENDING -> "pending";
            case HFTFW -> "hftfw";
            case STOCK -> "stock";
        };
        return new FtfwStats.Peer(kind, hs.agreed(), hs.authActive() && auth != null, hs.capsTx(), hs.capsRx(),
                bulkEndsRx, staleRemoved);
    }
}
