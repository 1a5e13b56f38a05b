package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackException.MalformedException;
import org.hftfw.conntrack.Counters;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.MutableEntry;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;

/**
 * Turns received event datagrams into listener calls, in kernel order: the socket-free half of an {@link EventPump}
 * (and what the pipeline benchmark drives). Event kinds follow ctnetlink_conntrack_event: IPCTNL_MSG_CT_NEW with
 * NLM_F_CREATE is NEW, without it UPDATE, IPCTNL_MSG_CT_DELETE is DESTROY; other messages are skipped. A malformed
 * message is counted and skipped, a framing error drops the rest of its datagram; a listener that throws is counted
 * and the stream goes on. Not thread-safe: one per reading thread.
 */
final class EventDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(EventDelivery.class);
    private static final int TYPE_NEW = Cta.msgType(Cta.IPCTNL_MSG_CT_NEW);
    private static final int TYPE_DELETE = Cta.msgType(Cta.IPCTNL_MSG_CT_DELETE);

    private final CtDecoder decoder;
    private final ConntrackEventListener listener;
    private final TableStats stats;
    private final Datagrams.Visitor visitor = this::message;
    /** The view each event is delivered in (the listener copies what it keeps). */
    private final ReusedEvent event = new ReusedEvent();
    private long mono;
    private long wall;

    EventDelivery(ConntrackEventListener listener, TableStats stats) {
        this.decoder = new CtDecoder(stats.unknownAttributes, TupleCache.EVENT_SLOTS);
        this.listener = listener;
        this.stats = stats;
    }

    /** Delivers the events of one datagram of {@code n} bytes, stamped with the receive times. */
    void datagram(MemorySegment rx, int n, long monoNanos, long wallMicros) {
        mono = monoNanos;
        wall = wallMicros;
        try {
            Datagrams.forEach(rx, n, visitor);
        } catch (MalformedException bad) {
            stats.malformed.incrementAndGet();
            LOG.warn("dropped the rest of a malformed event datagram: {}", bad.getMessage());
        }
    }

    /**
     * Decodes a kernel-format image of a typical event {@code rounds} times and delivers nothing. A new
     * subscription's first burst otherwise meets an interpreted decoder: the kernel queues events several times
     * faster than the decoder runs before the JIT has compiled it, and a burst of new flows then overruns the socket
     * within its first hundred milliseconds (seen with 200 000 flows from four {@code conntrack -R} loaders).
     */
    void warmUp(int rounds) {
        Tuple t = Tuple.ports(InetAddress.ofLiteral("10.0.0.1"), InetAddress.ofLiteral("10.0.0.2"), IpProto.TCP,
                40000, 443);
        ConntrackEntry sample = ConntrackEntry.builder(t).tcpState(TcpState.ESTABLISHED)
                .status(Status.CONFIRMED | Status.SEEN_REPLY | Status.ASSURED).timeout(432_000).id(1)
                .counters(new Counters(10, 1000), new Counters(8, 4000)).timestamps(1, 0).build();
        NlWriter w = new NlWriter(Arena.ofAuto().allocate(4096, 8));
        KernelImage.write(w, sample, Cta.IPCTNL_MSG_CT_NEW, Nl.NLM_F_CREATE, 0, x -> { });
        MemorySegment image = w.segment();
        int len = w.position();
        long ids = 0;
        for (int i = 0; i < rounds; i++) {
            ids += decoder.decodeView(image, 0, len).id();
        }
        if (ids != rounds) {
            throw new IllegalStateException("the warm-up image did not decode to itself");
        }
    }

    /** Tells the listener that the batch of datagrams read so far is complete. */
    void endOfBatch() {
        try {
            listener.endOfBatch();
        } catch (RuntimeException ex) {
            stats.listenerFailures.incrementAndGet();
            LOG.warn("conntrack event listener threw", ex);
        }
    }

    private boolean message(MemorySegment seg, int off, int len, int type, int flags, int seq) {
        EventType kind;
        if (type == TYPE_NEW) {
            kind = (flags & Nl.NLM_F_CREATE) != 0 ? EventType.NEW : EventType.UPDATE;
        } else if (type == TYPE_DELETE) {
            kind = EventType.DESTROY;
        } else {
            return true;
        }
        MutableEntry e;
        try {
            e = decoder.decodeView(seg, off, len);
        } catch (MalformedException bad) {
            stats.malformed.incrementAndGet();
            LOG.warn("skipped a malformed conntrack event: {}", bad.getMessage());
            return true;
        }
        stats.events.incrementAndGet();
        try {
            // nlmsg_pid: the port of the request that caused the change, 0 for the kernel's own
            listener.onEvent(event.set(kind, e, mono, wall, seg.get(NlWriter.H32, off + 12)));
        } catch (RuntimeException ex) {
            stats.listenerFailures.incrementAndGet();
            LOG.warn("conntrack event listener threw", ex);
        }
        return true;
    }
}
