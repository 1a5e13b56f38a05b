package org.hftfw.ftfw;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;

/**
 * One FT-FW message as received or sent (conntrackd include/network.h). Every message has a sequence number and a
 * flags byte; the hello bits ({@code NET_F_HELLO}, {@code NET_F_HELLO_BACK}) may appear on any of them.
 */
sealed interface FtfwMessage {

    int seq();

    int flags();

    default boolean hello() {
        return (flags() & Nethdr.F_HELLO) != 0;
    }

    default boolean helloBack() {
        return (flags() & Nethdr.F_HELLO_BACK) != 0;
    }

    /** Kind of a conntrack data message (types 0, 1, 2). */
    enum DataType {
        NEW(Nethdr.T_CT_NEW), UPD(Nethdr.T_CT_UPD), DEL(Nethdr.T_CT_DEL);

        final int wire;

        DataType(int wire) {
            this.wire = wire;
        }

        static DataType of(int type) {
            return switch (type) {
                case Nethdr.T_CT_NEW -> NEW;
                case Nethdr.T_CT_UPD -> UPD;
                case Nethdr.T_CT_DEL -> DEL;
                default -> throw new IllegalArgumentException("not a conntrack data type: " + type);
            };
        }
    }

    /** NET_T_STATE_CT_NEW/UPD/DEL carrying one conntrack entry. */
    record Data(int seq, int flags, DataType type, ConntrackEntry entry, FlowExtras extras) implements FtfwMessage {}

    /** NET_T_STATE_EXP_NEW/UPD/DEL carrying one expectation ({@link ExpCodec}). */
    record ExpData(int seq, int flags, EventType type, Expectation exp) implements FtfwMessage {}

    /**
     * A data or expectation message whose header was good but whose payload was rejected. Like conntrackd, its
     * sequence number is still tracked (and so ACKed): the sender will never resend it.
     */
    record BadPayload(int seq, int flags, int type, DropReason reason) implements FtfwMessage {}

    /** CTL|ACK: the peer received {@code [from, to]}. */
    record Ack(int seq, int flags, int from, int to) implements FtfwMessage {}

    /** CTL|NACK: the peer asks for {@code [from, to]} again. */
    record Nack(int seq, int flags, int from, int to) implements FtfwMessage {}

    /** CTL|RESYNC: the peer asks for a bulk send of the whole table ({@code conntrackd -n}). */
    record Resync(int seq, int flags, int from, int to) implements FtfwMessage {}

    /** CTL|ALIVE: keep-alive after a second of silence (8 bytes, never stored for resend). */
    record Alive(int seq, int flags) implements FtfwMessage {}

    /**
     * hFT-FW CAPS (unsequenced, {@link Ext}): the sender's capabilities and its nonce; {@code reply} when it answers
     * ours. Its {@link #seq()} is 0 and never tracked.
     *
     * @param boundTo the receiver nonce the sender knew (0: none yet)
     */
    record Caps(boolean reply, int version, int offered, int required, long nonce, long boundTo) implements FtfwMessage {
        @Override
        public int seq() {
            return 0;
        }

        @Override
        public int flags() {
            return 0;
        }
    }

    /**
     * hFT-FW BULK_END: bulk {@code id} is over, {@code count} entries were sent in it and acknowledged; it began when
     * the sender's sequence counter stood at {@code startSeq}. {@code full()} when it was the whole table.
     */
    record BulkEnd(int seq, int flags, long id, long count, int startSeq) implements FtfwMessage {
        boolean full() {
            return (flags & Ext.F_FULL) != 0;
        }
    }

    /**
     * hFT-FW BULK_BEGIN: the sender's marked bulk {@code id} began ({@link Capability#BULK_BEGIN}); a full bulk's END
     * removes flows only for a bulk whose BEGIN arrived.
     */
    record BulkBegin(int seq, int flags, long id) implements FtfwMessage {
        boolean full() {
            return (flags & Ext.F_FULL) != 0;
        }
    }

    /**
     * hFT-FW HOLDS: the answer to BULK_END {@code id}: how many of that bulk's flows the backup holds, and
     * ({@code deleted}) how many of them it saw deleted; -1 in an older peer's HOLDS, which is not per flow.
     */
    record Holds(int seq, int flags, long id, long held, long deleted) implements FtfwMessage {
        boolean perFlow() {
            return deleted >= 0;
        }
    }
}
