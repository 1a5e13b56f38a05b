package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import java.util.function.Consumer;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.Expectation;

/**
 * Decodes FT-FW datagrams into {@link FtfwMessage}s, accepting exactly what conntrackd 1.4.7-1.4.9 accepts. This
 * class does the framing (message header, lengths, header classification); {@link AttrParser} reads the payload.
 *
 * <p>Design note. The datagram walk follows {@code channel_handler_routine} (src/sync-mode.c): messages are packed
 * back to back; the rest of a datagram is abandoned when fewer than 8 bytes remain, {@code len} is 0, larger than
 * the bytes left or smaller than its header (16 for ACK/NACK/RESYNC). Each message then goes through the version
 * check and the {@code IS_DATA}/{@code IS_ACK}/... classification of include/network.h and {@code digest_msg}
 * (src/sync-ftfw.c); anything else is MSG_BAD. FT-FW has no checksum (UDP's covers the datagram). A bad payload
 * does not hide the message: it is passed on as {@link FtfwMessage.BadPayload} so its sequence number is tracked as
 * conntrackd does. Every drop is counted per {@link DropReason}; no exception escapes. Messages of version 2 are
 * hFT-FW's own extensions ({@link Ext}); conntrackd drops them as a wrong version.
 *
 * <p>Why a plain decoder and not a Netty {@code MessageToMessageDecoder} in the pipeline: the only consumer of the
 * messages is the engine on the same event loop, and it also counts datagrams and bytes. Called directly by
 * {@link FtfwEngine#receive} (from {@link EngineInboundHandler}, which releases the datagram), each message goes
 * straight to the engine's callback: no per-datagram output list, no per-message {@code fireChannelRead} and
 * handler type check, and the virtual-time tests feed the engine the same way the socket does. The datagram is
 * read with absolute indexes and neither consumed nor released here.
 */
final class FtfwDecoder {

    private final DropCounters drops;
    private final boolean extensions;
    private final AttrParser attrs = new AttrParser();
    private final ExpCodec exps = new ExpCodec();

    FtfwDecoder(DropCounters drops) {
        this(drops, true);
    }

    /** @param extensions read hFT-FW's version-2 messages; without, they are dropped as conntrackd drops them */
    FtfwDecoder(DropCounters drops, boolean extensions) {
        this.drops = drops;
        this.extensions = extensions;
    }

    /** Decodes every message of one datagram (reader to writer index, not consumed) into {@code out}. */
    void decodeDatagram(ByteBuf buf, Consumer<? super FtfwMessage> out) {
        decodeDatagram(buf, buf.writerIndex(), out);
    }

    /** Decodes the messages from the reader index up to {@code end} (an authentication trailer starts there). */
    void decodeDatagram(ByteBuf buf, int end, Consumer<? super FtfwMessage> out) {
        int pos = buf.readerIndex();
        while (pos < end) {
            int remain = end - pos;
            if (remain < Nethdr.SIZE) {
                drops.drop(DropReason.TRUNCATED, remain + " trailing bytes");
                break;
            }
            int b0 = buf.getUnsignedByte(pos);
            int flags = buf.getUnsignedByte(pos + 1);
            int len = buf.getUnsignedShort(pos + 2);
            int type = b0 & 0x0f;
            if (len == 0 || len > remain) {
                drops.drop(DropReason.BAD_SIZE, "len " + len + " with " + remain + " bytes left");
                break;
            }
            if (Nethdr.hasRange(type, flags)) {
                if (remain < Nethdr.ACK_SIZE) {
                    drops.drop(DropReason.TRUNCATED, "range header with " + remain + " bytes left");
                    break;
                }
                if (len < Nethdr.ACK_SIZE) {
                    drops.drop(DropReason.BAD_SIZE, "range message of len " + len);
                    break;
                }
            } else if (len < Nethdr.SIZE) {
                drops.drop(DropReason.BAD_SIZE, "message of len " + len);
                break;
            }
            FtfwMessage m = decodeMessage(buf, pos, b0 >>> 4, type, flags, len, buf.getInt(pos + 4));
            if (m != null) {
                out.accept(m);
            }
            pos += len;
        }
    }

    private FtfwMessage decodeMessage(ByteBuf buf, int pos, int version, int type, int flags, int len, int seq) {
        if (version == Ext.VERSION && extensions) {
            return Ext.decode(buf, pos, type, flags, len, seq, drops);
        }
        if (version != Nethdr.VERSION) {
            drops.drop(DropReason.BAD_VERSION, "version " + version);
            return null;
        }
        if (Nethdr.isData(type, flags)) {
            if (type <= Nethdr.T_CT_DEL) {
                return decodeCt(buf, pos, type, flags, len, seq);
            }
            Expectation e = exps.read(buf, pos + Nethdr.SIZE, len - Nethdr.SIZE);
            if (e == null) {
                DropReason bad = exps.failure();
                drops.drop(bad, "expectation message seq " + Integer.toUnsignedString(seq));
                return new FtfwMessage.BadPayload(seq, flags, type, bad);
            }
            return new FtfwMessage.ExpData(seq, flags, ExpCodec.eventType(type), e);
        }
        if (type == Nethdr.T_CTL) {
            if ((flags & (Nethdr.F_ACK | Nethdr.F_NACK | Nethdr.F_RESYNC)) != 0) {
                int from = buf.getInt(pos + 8);
                int to = buf.getInt(pos + 12);
                if ((flags & Nethdr.F_RESYNC) == 0 || (flags & (Nethdr.F_ACK | Nethdr.F_NACK)) != 0) {
                    if (Nethdr.before(to, from)) {
                        drops.drop(DropReason.BAD_HEADER, "range to before from");
                        return null;
                    }
                }
                if ((flags & Nethdr.F_ACK) != 0) {
                    return new FtfwMessage.Ack(seq, flags, from, to);
                }
                if ((flags & Nethdr.F_NACK) != 0) {
                    return new FtfwMessage.Nack(seq, flags, from, to);
                }
                return new FtfwMessage.Resync(seq, flags, from, to);
            }
            if ((flags & Nethdr.F_ALIVE) != 0) {
                return new FtfwMessage.Alive(seq, flags);
            }
        }
        drops.drop(DropReason.BAD_HEADER, "type " + type + " flags 0x" + Integer.toHexString(flags));
        return null;
    }

    private FtfwMessage decodeCt(ByteBuf buf, int pos, int type, int flags, int len, int seq) {
        ConntrackEntry entry = attrs.parse(buf, pos + Nethdr.SIZE, len - Nethdr.SIZE);
        if (entry == null) {
            DropReason bad = attrs.failure();
            drops.drop(bad, "conntrack message seq " + Integer.toUnsignedString(seq));
            return new FtfwMessage.BadPayload(seq, flags, type, bad);
        }
        return new FtfwMessage.Data(seq, flags, FtfwMessage.DataType.of(type), entry, attrs.extras());
    }
}
