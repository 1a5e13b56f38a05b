package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;

/**
 * Wire format of the hFT-FW extension messages: conntrackd's 8-byte message header with version nibble
 * {@link #VERSION} (2). They are sent only to a peer that answered our capability handshake, except the
 * handshake's own CAPS, which is sent to any peer.
 *
 * <p>Design note: why a stock conntrackd is unaffected. conntrackd walks a datagram message by message
 * ({@code channel_handler_routine}, src/sync-mode.c) and checks only {@code len} (non-zero, not past the datagram,
 * at least 8; 16 when the type is NET_T_CTL with ACK/NACK/RESYNC, which our types never are). Then
 * {@code do_channel_handler_step} drops any message whose version is not {@code CONNTRACKD_PROTOCOL_VERSION} (1)
 * before it reaches the sync mode's {@code recv} (sequence tracking, hello, ACK/NACK) and the caches: it only counts
 * {@code msg_rcv_malformed} and {@code msg_rcv_bad_version} ("Wrong protocol version" in {@code conntrackd -s}).
 * CAPS is unsequenced (its seq field is 0 and takes no number from our counter), so the peer sees no gap either.
 *
 * <pre>
 *  every message: byte 0 = 2 &lt;&lt; 4 | type, byte 1 = flags, bytes 2-3 = len, bytes 4-7 = seq (0 if unsequenced)
 *  CAPS       (1, unsequenced, flag REPLY)  8: "HFTW"  12: u16 ext version, u16 0  16: u32 offered  20: u32 required
 *                                           24: u64 sender nonce  32: u64 receiver nonce it answers (0 unknown)  = 40
 *  AUTH       (2, unsequenced, flag BOUND)  4: u32 the sender's incarnation tag (0 from builds before it, see
 *                                           {@link DatagramAuth})  8: u64 counter  16: 16-byte MAC; always the
 *                                           datagram's last 32 bytes
 *  BULK_END   (3, sequenced, flag FULL)     8: u64 bulk id  16: u64 entries sent in the bulk
 *                                           24: u32 our seq when the bulk began  28: u32 0                        = 32
 *  HOLDS      (4, sequenced)                8: u64 bulk id  16: u64 flows the backup holds that it received since
 *                                           the bulk began                                                       = 24
 *             with BULK_FLOWS               8: u64 bulk id  16: u64 flows of the bulk the backup holds
 *                                           24: u64 flows of the bulk the peer deleted since                     = 32
 *  BULK_BEGIN (5, sequenced, flag FULL)     8: u64 bulk id  16: u64 0                                            = 24
 *                                           (only with {@link Capability#BULK_BEGIN})
 * </pre>
 * A flow of the bulk is one whose data message carried {@link Nethdr#F_BULK_FLOW} (sent only with BULK_FLOWS): the
 * older HOLDS cannot tell the bulk's flows from live ones, and stays what a peer without BULK_FLOWS sends and reads.
 * Between versions (a rolling upgrade runs two): a later version adds a capability bit for each new message or
 * behaviour, and uses it only when the peer offers the bit too (the handshake agrees on the intersection, so unknown
 * bits are ignored); it may append fields to CAPS, and a CAPS longer than 40 bytes is read by its first 40 (the
 * framing skips the rest by {@code len}).
 *
 * <p>Sequenced messages take a number from the FT-FW counter and wait in the resend queue until ACKed, so they arrive
 * reliably, and a BULK_END is queued only once every state of its bulk was acknowledged: the backup reads it after
 * all of them, resends included.
 */
final class Ext {
    private Ext() {}

    static final int VERSION = 2;
    static final int MAGIC = 0x48465457; // "HFTW"
    static final int EXT_VERSION = 1;

    static final int T_CAPS = 1;
    static final int T_AUTH = 2;
    static final int T_BULK_END = 3;
    static final int T_HOLDS = 4;
    static final int T_BULK_BEGIN = 5;

    static final int F_REPLY = 0x01;
    static final int AUTH_BOUND = 0x01;
    static final int F_FULL = 0x01;

    static final int CAPS_SIZE = 40;
    static final int AUTH_SIZE = 32;
    static final int MAC_SIZE = 16;
    static final int END_SIZE = 32;
    static final int HOLDS_SIZE = 24;
    static final int HOLDS_FLOWS_SIZE = 32;
    static final int BEGIN_SIZE = 24;

    private static void header(ByteBuf out, int type, int flags, int len, int seq) {
        out.writeByte(VERSION << 4 | type);
        out.writeByte(flags);
        out.writeShort(len);
        out.writeInt(seq);
    }

    static void writeCaps(ByteBuf out, boolean reply, int offered, int required, long nonce, long peerNonce) {
        header(out, T_CAPS, reply ? F_REPLY : 0, CAPS_SIZE, 0);
        out.writeInt(MAGIC);
        out.writeShort(EXT_VERSION);
        out.writeShort(0);
        out.writeInt(offered);
        out.writeInt(required);
        out.writeLong(nonce);
        out.writeLong(peerNonce);
    }

    /**
     * A sequenced message: BULK_END ({@code startSeq} used), HOLDS ({@code deleted} &ge; 0: the per-flow one of
     * {@link Capability#BULK_FLOWS}) or BULK_BEGIN ({@code count} 0).
     */
    static void writeSequenced(ByteBuf out, int type, int flags, int seq, long id, long count, int startSeq,
                               long deleted) {
        boolean perFlow = type == T_HOLDS && deleted >= 0;
        header(out, type, flags, type == T_BULK_END ? END_SIZE : perFlow ? HOLDS_FLOWS_SIZE
                : type == T_HOLDS ? HOLDS_SIZE : BEGIN_SIZE, seq);
        out.writeLong(id);
        out.writeLong(count);
        if (type == T_BULK_END) {
            out.writeInt(startSeq);
            out.writeInt(0);
        } else if (perFlow) {
            out.writeLong(deleted);
        }
    }

    /**
     * Reads one extension message whose header passed the framing checks; null (with {@code drops} counted) when
     * its type or length is not one of ours.
     */
    static FtfwMessage decode(ByteBuf buf, int pos, int type, int flags, int len, int seq, DropCounters drops) {
        switch (type) {
            case T_CAPS -> {
                if (len >= CAPS_SIZE && buf.getInt(pos + 8) == MAGIC) {
                    return new FtfwMessage.Caps((flags & F_REPLY) != 0, buf.getUnsignedShort(pos + 12),
                            buf.getInt(pos + 16), buf.getInt(pos + 20), buf.getLong(pos + 24), buf.getLong(pos + 32));
                }
            }
            case T_BULK_END -> {
                if (len == END_SIZE) {
                    return new FtfwMessage.BulkEnd(seq, flags, buf.getLong(pos + 8), buf.getLong(pos + 16),
                            buf.getInt(pos + 24));
                }
            }
            case T_HOLDS -> {
                if (len == HOLDS_SIZE) {
                    return new FtfwMessage.Holds(seq, flags, buf.getLong(pos + 8), buf.getLong(pos + 16), -1);
                }
                if (len == HOLDS_FLOWS_SIZE) {
                    long deleted = buf.getLong(pos + 24);
                    if (deleted >= 0) {
                        return new FtfwMessage.Holds(seq, flags, buf.getLong(pos + 8), buf.getLong(pos + 16), deleted);
                    }
                }
            }
            case T_BULK_BEGIN -> {
                if (len == BEGIN_SIZE) {
                    return new FtfwMessage.BulkBegin(seq, flags, buf.getLong(pos + 8));
                }
            }
            default -> { }
        }
        // includes the trailer of an authenticated datagram read by a node without the key: the peer's CAPS (the
        // only datagram it seals for a node that never agreed to AUTH) is still read, the trailer is counted
        drops.drop(DropReason.BAD_HEADER, "extension type " + type + " len " + len);
        return null;
    }
}
