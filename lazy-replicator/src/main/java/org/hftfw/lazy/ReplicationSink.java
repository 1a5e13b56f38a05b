package org.hftfw.lazy;

import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventView;

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

    /**
     * {@link #send(ConntrackEvent, long)} of an event that may be the event reader's reused view, valid only during
     * this call (an immediate send on the event path, issue 14 item 4). The default materialises it; a sink that
     * copies what it keeps overrides this and allocates nothing.
     */
    default void send(EventView event, long atNanos) {
        send(event.toEvent(), atNanos);
    }
}
