package org.hftfw.ftfw;

import java.util.Collection;
import org.hftfw.conntrack.FlowId;

/**
 * The backup's side of the peer's marked bulk sends (hFT-FW peers only, {@link Capability#GENERATION_RESYNC}).
 * Called on the channel's event loop, after the external cache was updated; keep it short or hand the work on.
 */
public interface BulkListener {

    /**
     * A full-table bulk of the peer (its answer to a RESYNC, e.g. after it restarted) ended, and these flows, which
     * it no longer has, were removed from the external cache. An always-committed backup deletes them from its
     * kernel table. Not called when nothing was stale.
     */
    default void onStaleAfterResync(Collection<FlowId> stale) { }

    /** A bulk of the peer ended (full or not); {@code receipt} is what we answered (HOLDS). */
    default void onBulkEnd(BulkReceipt receipt) { }

    /**
     * A full bulk of the peer (its whole table: the answer to our RESYNC, or its push when it saw us start) ended,
     * after {@link #onBulkEnd}: the external cache holds the peer's table as of the bulk's end, and a
     * {@link PeerStateListener} has been handed every state of it.
     */
    default void onPeerTable() { }
}
