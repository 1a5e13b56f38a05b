package org.hftfw.ftfw;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;

/**
 * Sees the peer's replicated states as the channel applies them (after the external cache has them), on the channel's
 * event loop: it must not block. {@link #endOfBurst} follows the last state of every read pass of the event loop (up
 * to {@link FtfwChannel#DATAGRAMS_PER_READ} datagrams), so a listener that batches hands its batch over there.
 */
public interface PeerStateListener {
    /**
     * A state of the peer's: NEW (also an update of a flow the external cache did not hold before, e.g. from the
     * peer's bulk send), UPDATE, or DESTROY (the peer's flow is gone).
     */
    void onPeerState(EventType type, ConntrackEntry entry);

    /**
     * The same with the flow's identity, which the channel has already built for the external cache: a listener that
     * keys its work by flow takes it from here instead of building another per state.
     */
    default void onPeerState(EventType type, ConntrackEntry entry, org.hftfw.conntrack.FlowId id) {
        onPeerState(type, entry);
    }

    /** The read pass is over. */
    default void endOfBurst() {}

    /**
     * Completes once every state handed over so far is where this listener puts it (e.g. written into a kernel
     * table), with the number of states it could not apply since the previous call (writes the kernel refused, e.g.
     * a full table); any thread may complete it. The backup's in-band answer to a bulk's end (HOLDS) waits for it and
     * counts those as not held, so a confirmed migration is one the listener has applied. At once, 0, by default.
     */
    default java.util.concurrent.CompletionStage<Long> applied() {
        return java.util.concurrent.CompletableFuture.completedStage(0L);
    }

    /**
     * These flows of the peer's are gone though no DEL said so (a generation-marked resync found them stale and took
     * them out of the external cache); on the channel's event loop.
     */
    default void onPeerForgot(java.util.Collection<org.hftfw.conntrack.FlowId> stale) {}
}
