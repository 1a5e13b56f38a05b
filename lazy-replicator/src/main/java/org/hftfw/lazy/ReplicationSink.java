package org.hftfw.lazy;

import org.hftfw.conntrack.ConntrackEvent;

/**
 * Where the lazy replicator puts the state changes (and DESTROYs) it decides to replicate; the sidecar connects
 * it to the FT-FW channel. Called on the replicator's single thread, in decision order.
 */
@FunctionalInterface
public interface ReplicationSink {

    /**
     * Replicates {@code event}.
     *
     * @param event   the event to send (for a deferred send, the held event; always the flow's latest state)
     * @param atNanos the replicator's time of the decision, on the event clock (equal to the event's
     *                {@code monotonicNanos} for immediate sends, the hold deadline for deferred ones)
     */
    void send(ConntrackEvent event, long atNanos);
}
