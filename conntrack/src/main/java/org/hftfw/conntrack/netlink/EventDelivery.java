package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackException.MalformedException;
import org.hftfw.conntrack.EventType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;

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
    private long mono;
    private long wall;

    EventDelivery(ConntrackEventListener listener, TableStats stats) {
        this.decoder = new CtDecoder(stats.unknownAttributes);
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
        ConntrackEntry e;
        try {
            e = decoder.decode(seg, off, len);
        } catch (MalformedException bad) {
            stats.malformed.incrementAndGet();
            LOG.warn("skipped a malformed conntrack event: {}", bad.getMessage());
            return true;
        }
        stats.events.incrementAndGet();
        try {
            listener.onEvent(new ConntrackEvent(kind, e, mono, wall));
        } catch (RuntimeException ex) {
            stats.listenerFailures.incrementAndGet();
            LOG.warn("conntrack event listener threw", ex);
        }
        return true;
    }
}
