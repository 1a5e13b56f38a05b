package org.hftfw.ftfw;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.MutableEntry;

/**
 * What waits in the transmit or the resend queue: the two element kinds of conntrackd's queues ({@code Q_ELEM_OBJ}
 * and {@code Q_ELEM_CTL}, src/queue.h; consumed by {@code tx_queue_xmit} in src/sync-ftfw.c). The item is the
 * payload of a {@link NodeQueue.Node}; the node carries the queue links and the sequence number the item was last
 * sent with.
 */
sealed interface QueueItem {

    /**
     * The latest state of one local flow, encoded only when sent. A newer state of the same flow replaces the one in
     * the flow's node, so a superseded state is never sent. Kept in the resend queue until ACKed. Mutable, unlike the
     * other kinds: a flow keeps its node and this item for its lifetime in the queues, and a newer state is written
     * into it ({@link #supersede}) instead of allocating an item per event (issue 14 item 4). Only the node refers to
     * it, and only the engine's loop thread touches either. An immutable {@link ConntrackEntry} is kept by reference;
     * a reused view (the event path's, which builds no entry per event) is copied into the item's own
     * {@link MutableEntry}, made once per item and rewritten in place.
     */
    final class FlowState implements QueueItem {
        /** The latest key object of the flow (equal to the first: see {@link #supersede}). */
        private FlowId id;
        /** {@link FlowIndex#hash} of {@link #id}: the engine's index finds the node without reading the key. */
        private final int hash;
        private FtfwMessage.DataType type;
        private EntryView entry;
        private MutableEntry copy;
        private FlowExtras extras;

        /**
         * @param hash  {@link FlowIndex#hash} of {@code id}
         * @param spare a copy to reuse for a view (one of an acknowledged flow's, {@link #takeCopy}), or null
         */
        FlowState(FlowId id, int hash, FtfwMessage.DataType type, EntryView entry, FlowExtras extras,
                  MutableEntry spare) {
            this.id = id;
            this.hash = hash;
            this.copy = spare;
            supersede(id, type, entry, extras);
        }

        /**
         * Gives up the item's copy for another flow's item (this flow was acknowledged: nothing reads its state
         * again); null when it has none.
         */
        MutableEntry takeCopy() {
            MutableEntry c = copy;
            copy = null;
            if (entry == c) {
                entry = null;
            }
            return c;
        }

        /**
         * A new flow's item that takes {@code own} as its copy of the state ({@link #adopt}).
         *
         * @param hash {@link FlowIndex#hash} of {@code id}
         */
        FlowState(FlowId id, int hash, FtfwMessage.DataType type, MutableEntry own, FlowExtras extras) {
            this.id = id;
            this.hash = hash;
            adopt(id, type, own, extras);
        }

        /**
         * Replaces the state with {@code own}, a copy of the newer state that the caller hands over and no longer
         * touches (the event path's batch: issue 14 item 4, one copy of each event's view on its way to the link, not
         * two), and returns the item's previous copy (null when it had none), which is the caller's now: nothing else
         * refers to it (a sent state was encoded when it went out). Otherwise as {@link #supersede}.
         */
        @SuppressWarnings("ReferenceEquality")             // identity on purpose: which key object is kept
        MutableEntry adopt(FlowId sameId, FtfwMessage.DataType newType, MutableEntry own, FlowExtras newExtras) {
            if (id != sameId) {
                this.id = sameId;
            }
            this.type = newType;
            MutableEntry previous = copy;
            this.copy = own;
            this.entry = own;
            this.extras = newExtras;
            return previous;
        }

        /**
         * Replaces the state with a newer one of the same flow, whose key {@code sameId} equals {@link #id}: the item
         * keeps the newer key object, which is the one the event path hands over for the flow's next changes (the
         * decoder keeps one per cached tuple, and makes a new one when the tuple was evicted meanwhile), so that the
         * engine's index matches it by identity ({@link FlowIndex}) and the older key can be collected.
         */
        @SuppressWarnings("ReferenceEquality")             // identity on purpose: which key object is kept
        void supersede(FlowId sameId, FtfwMessage.DataType newType, EntryView newEntry, FlowExtras newExtras) {
            if (id != sameId) {
                this.id = sameId;
            }
            this.type = newType;
            if (newEntry instanceof ConntrackEntry immutable) {
                this.entry = immutable;
            } else {
                if (copy == null) {
                    copy = new MutableEntry();
                }
                this.entry = copy.copyFrom(newEntry);
            }
            this.extras = newExtras;
        }

        FlowId id() {
            return id;
        }

        int hash() {
            return hash;
        }

        FtfwMessage.DataType type() {
            return type;
        }

        EntryView entry() {
            return entry;
        }

        FlowExtras extras() {
            return extras;
        }
    }

    /**
     * The latest state of one local expectation (ExpectationSync), encoded only when sent; like a flow's, a newer
     * state replaces the item in the expectation's node, and it is kept in the resend queue until ACKed.
     */
    record ExpState(Expectation.Id id, EventType type, Expectation exp) implements QueueItem {}

    /**
     * A control message: ACK, NACK or RESYNC with its {@code [from, to]} range, kept in the resend queue until
     * ACKed, or ALIVE ({@link #ALIVE}), sent once and never stored.
     */
    record Control(int flags, int from, int to) implements QueueItem {
        static final Control ALIVE = new Control(Nethdr.F_ALIVE, 0, 0);

        /** {@code IS_ACK || IS_NACK || IS_RESYNC}: sent with the 16-byte header and stored for resend. */
        boolean hasRange() {
            return Nethdr.hasRange(Nethdr.T_CTL, flags);
        }
    }

    /**
     * A sequenced hFT-FW extension message (BULK_END, HOLDS; {@link Ext}), sent only to a peer that agreed to it;
     * kept in the resend queue until ACKed, like a control message with a range. {@code deleted}: a per-flow HOLDS'
     * count of the bulk's flows deleted (-1: the older 24-byte HOLDS).
     */
    record Extension(int type, int flags, long id, long count, int startSeq, long deleted) implements QueueItem {}
}
