package org.hftfw.ftfw;

import org.hftfw.common.Scheduler;
import org.hftfw.conntrack.FlowId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.hftfw.conntrack.ConntrackEntry;
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
 *   The source is read on the bulk executor, off the event loop, and its entries are queued in chunks of
 *   {@link #BULK_CHUNK}, so ACKs and NACKs are served between chunks.</li>
 * </ul>
 */
final class FtfwEngine {
    private static final Logger LOG = LoggerFactory.getLogger(FtfwEngine.class);

    /** Receives the peer's applied data messages. */
    interface Receiver {
        void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras);
    }

    /** Streams our whole table for a bulk send. */
    interface BulkSource {
        void forEach(Consumer<ConntrackEntry> sink);
    }

    /** Entries of a bulk send queued per event-loop task. */
    static final int BULK_CHUNK = 1024;
    private static final long LOG_INTERVAL = 10_000_000_000L;

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
    private final Map<FlowId, NodeQueue.Node> flows = new HashMap<>();

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
    private long lastTxNanos;
    private final long ackDelayNanos;
    private boolean ackDelayScheduled;
    private boolean closed;

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
    private long rsOverflow;
    private long txOverflow;
    private long superseded;
    private long expectations;
    private long helperOmitted;
    private long seqResets;
    private long bulksSent;
    private long resyncsCoalesced;

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
        this.resyncNanos = cfg.resyncInterval().toNanos();
        this.packer = new DatagramPacker(alloc, cfg.datagramSize(), sink);
        this.drops = new DropCounters(sched, 10_000_000_000L);
        this.decoder = new FtfwDecoder(drops);
        this.encoding = new FtfwEncoder.Options(cfg.omitTimeout(), cfg.tcpWindowTracking());
        this.scratch = alloc.heapBuffer(4096);
        this.aliveNanos = cfg.aliveInterval().toNanos();
        this.ackDelayNanos = cfg.ackDelay().toNanos();
        this.nextSeq = initialSeq;
        this.window = cfg.ackWindow();
        this.lastTxNanos = sched.nanos();
        sched.schedule(this::aliveTimer, aliveNanos);
    }

    // ------------------------------------------------------------------ sender side

    /** Queues the latest state of a local flow; a queued older state of the same flow is replaced. */
    void publish(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras) {
        if (closed) {
            return;
        }
        FlowId id = entry.flowId();
        QueueItem.FlowState state = new QueueItem.FlowState(id, type, entry, extras);
        NodeQueue.Node n = flows.get(id);
        if (n == null) {
            if (tx.size() >= cfg.txQueueSize()) {
                dropNode(tx.poll());
                txOverflow++;
            }
            n = new NodeQueue.Node(state);
            flows.put(id, n);
            tx.add(n);
        } else {
            superseded++;
            n.item = state;
            if (n.queue == rs) {
                rs.remove(n);
                tx.add(n);
            }
        }
        if (FtfwEncoder.helperTooLong(entry)) {
            helperOmitted++;
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
        try {
            bulkExecutor.execute(this::readBulkSource);
        } catch (RejectedExecutionException e) {
            bulkRunning = false; // closing
        }
    }

    /** On the bulk executor: reads the whole source, then hands it to the event loop. */
    private void readBulkSource() {
        List<ConntrackEntry> all = new ArrayList<>();
        try {
            bulk.forEach(all::add);
        } catch (RuntimeException e) {
            LOG.warn("bulk send: reading the table failed, sending the {} entries read", all.size(), e);
        }
        try {
            sched.schedule(() -> feedBulk(all, 0), 0);
        } catch (RejectedExecutionException e) {
            LOG.debug("bulk send dropped: the channel is closing");
        }
    }

    /** Queues one chunk of a bulk send and yields the event loop before the next. */
    private void feedBulk(List<ConntrackEntry> all, int from) {
        if (closed) {
            return;
        }
        int end = Math.min(all.size(), from + BULK_CHUNK);
        for (int i = from; i < end; i++) {
            publish(FtfwMessage.DataType.UPD, all.get(i), FlowExtras.NONE);
        }
        if (end < all.size()) {
            sched.schedule(() -> feedBulk(all, end), 0);
            return;
        }
        bulkRunning = false;
        if (bulkPending) {
            scheduleBulk();
        }
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
            sched.schedule(this::xmit, 0);
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
        if (closed) {
            return;
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
            dropNode(rs.poll());
            rsOverflow++;
        }
        rs.add(n);
    }

    /** Forgets a node taken out of the queues for good (ACKed or dropped on overflow). */
    private void dropNode(NodeQueue.Node n) {
        switch (n.item) {
            case QueueItem.FlowState f -> flows.remove(f.id());
            case QueueItem.Control _ -> { }
        }
    }

    private void aliveTimer() {
        if (closed) {
            return;
        }
        long now = sched.nanos();
        long idle = now - lastTxNanos;
        if (idle >= aliveNanos) {
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
        if (closed) {
            return;
        }
        if (!peerAddress.equals(sender.getAddress())) {
            drops.drop(DropReason.NOT_PEER, sender);
            return;
        }
        datagramsRx++;
        bytesRx += datagram.readableBytes();
        lastPeerDatagramNanos = sched.nanos();
        heardFromPeer = true;
        decoder.decodeDatagram(datagram, onMessage);
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
        if (restart) {
            if (t != Track.UNSET) {
                seqReset("the peer restarted (HELLO)", seq);
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
        seqSet = true;
        // only data arms the early ACK: ACKs are themselves acknowledged (on the window or the alive timer, as
        // conntrackd does), and an early ACK of an ACK would make the two ends ping-pong forever
        if (m instanceof FtfwMessage.Data && ackFromSet && !ackDelayScheduled && ackDelayNanos > 0) {
            ackDelayScheduled = true;
            sched.schedule(this::delayedAck, ackDelayNanos);
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
                receiver.onData(d.type(), d.entry(), d.extras());
            }
            case FtfwMessage.Expectation e -> expectations++;
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

    private void ackRange(int from, int to) {
        removeRange(from, to, this::dropNode);
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
            if (n.item instanceof QueueItem.FlowState && n.sentWithHello) {
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
                case QueueItem.FlowState _ -> {
                    tx.add(n);
                    resent++;
                    any = true;
                }
                case QueueItem.Control _ -> { }
            }
            n = next;
        }
        if (any) {
            requestXmit();
        }
    }

    void close() {
        closed = true;
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

    FtfwStats stats() {
        return new FtfwStats(msgsTx, packer.bytes(), packer.datagrams(), msgsRx, bytesRx, datagramsRx, dataTx, dataRx,
                lost, beforeDrops, resent, nacksRx, nacksTx, acksTx, resyncsRx, peerRestarts, rs.size(), tx.size(),
                rsOverflow, txOverflow, superseded, expectations, helperOmitted, seqResets, bulksSent,
                resyncsCoalesced, acksRx, heardFromPeer ? sched.nanos() - lastPeerDatagramNanos : -1,
                drops.snapshot());
    }
}
