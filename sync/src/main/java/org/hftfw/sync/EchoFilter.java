package org.hftfw.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.EventView;
import org.hftfw.ftfw.ExternalCache;

/**
 * Keeps an always-committed node's writes of the peer's states out of its own replication (a node that both publishes
 * and keeps the peer's states, {@code both}). Design note, after conntrackd's src/origin.c and
 * internal_cache_ct_event_*: an event whose origin is the backup writer's handle is dropped (CTD_ORIGIN_INJECT), so
 * the peer never gets its own flows back and they never count as local changes. While the node stands by, two more
 * things are the peer's business, not ours: the kernel's DESTROY of a flow the peer holds (our copy expired; the flow
 * lives on there), and those flows in a re-read table after an overrun (they must not be bulk-sent back). Events the
 * kernel raises for them otherwise (packets here, after a takeover) are local changes and pass.
 */
final class EchoFilter implements ConntrackEventListener {
    private final ConntrackEventListener next;
    private final int writerOrigin;
    private final ExternalCache peerFlows;
    private final BooleanSupplier standingBy;
    private final AtomicLong echoes = new AtomicLong();
    private final AtomicLong peerExpiries = new AtomicLong();

    EchoFilter(ConntrackEventListener next, int writerOrigin, ExternalCache peerFlows, BooleanSupplier standingBy) {
        this.next = next;
        this.writerOrigin = writerOrigin;
        this.peerFlows = peerFlows;
        this.standingBy = standingBy;
    }

    @Override
    public void onEvent(ConntrackEvent e) {
        onEvent((EventView) e);
    }

    /** The event path's view: passed on as it is (the publisher copies what it keeps). */
    @Override
    public void onEvent(EventView e) {
        if (e.origin() == writerOrigin && writerOrigin != ConntrackEvent.ORIGIN_KERNEL) {
            echoes.incrementAndGet();
            return;
        }
        if (e.type() == EventType.DESTROY && e.origin() == ConntrackEvent.ORIGIN_KERNEL && standingBy.getAsBoolean()
                && peerFlows.get(e.entry().original(), e.entry().zone()).isPresent()) {
            peerExpiries.incrementAndGet();
            return;
        }
        next.onEvent(e);
    }

    @Override
    public void endOfBatch() {
        next.endOfBatch();
    }

    @Override
    public void onOverrun(long overrunsSoFar) {
        next.onOverrun(overrunsSoFar);
    }

    @Override
    public void onResync(List<ConntrackEntry> table) {
        next.onResync(ownFlows(table));
    }

    @Override
    public void onError(ConntrackException error) {
        next.onError(error);
    }

    /** {@code table} without the peer's flows while standing by (what a bulk send of ours may carry). */
    List<ConntrackEntry> ownFlows(java.util.Collection<ConntrackEntry> table) {
        if (!standingBy.getAsBoolean()) {
            return table instanceof List<ConntrackEntry> l ? l : new ArrayList<>(table);
        }
        List<ConntrackEntry> own = new ArrayList<>(table.size());
        for (ConntrackEntry e : table) {
            if (peerFlows.get(e.original(), e.zone()).isEmpty()) {
                own.add(e);
            }
        }
        return own;
    }

    /** The origin of the writes whose events this filter drops ({@link ConntrackEvent#ORIGIN_KERNEL}: none). */
    int writerOrigin() {
        return writerOrigin;
    }

    /** Events of our own writes dropped here (those the kernel's socket filter left out never arrive). */
    long echoes() {
        return echoes.get();
    }

    /** The kernel's DESTROYs of the peer's flows while standing by, dropped. */
    long peerExpiries() {
        return peerExpiries.get();
    }
}
