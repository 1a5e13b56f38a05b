package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;

/**
 * Decodes FT-FW datagrams into {@link FtfwMessage}s, accepting exactly what conntrackd 1.4.7-1.4.9 accepts.
 *
 * <p>Design note. The datagram walk follows {@code channel_handler_routine} (src/sync-mode.c): messages are packed
 * back to back; the rest of a datagram is abandoned when fewer than 8 bytes remain, {@code len} is 0, larger than
 * the bytes left or smaller than its header (16 for ACK/NACK/RESYNC). Each message then goes through the version
 * check and the {@code IS_DATA}/{@code IS_ACK}/... classification of include/network.h and {@code digest_msg}
 * (src/sync-ftfw.c); anything else is MSG_BAD. Payloads follow {@code msg2ct}/{@code msg2exp} (src/parse.c): loop
 * while more than 4 bytes remain; reject when nta_len overruns the message, is below 4, the id is unknown, or the
 * length differs from the fixed size (exceeds the maximum for variable attributes). Beyond conntrackd, a payload
 * that cannot identify a flow (no address, protocol, ports or ICMP id) or contradicts itself is rejected too.
 * A bad payload does not hide the message: it is passed on as {@link FtfwMessage.BadPayload} so its sequence number
 * is tracked as conntrackd does. Every drop is counted per {@link DropReason}; no exception escapes.
 *
 * <p>NAT: like conntrackd's {@code NFCT_SOPT_SETUP_REPLY}, the reply tuple is the inverse of the original one with
 * SNAT/DNAT addresses and SPAT/DPAT ports applied (ports only for port protocols), and the matching
 * {@code *_NAT}/{@code *_NAT_DONE} status bits set as the kernel sets them when such an entry is committed. ICMP_ID, SPAT_PORT and DPAT_PORT
 * are read little-endian (x86 conntrackd applies {@code htons} to a value already in network order).
 */
final class FtfwDecoder extends MessageToMessageDecoder<DatagramPacket> {

    private final DropCounters drops;
    private final CtAttrs attrs = new CtAttrs();

    FtfwDecoder(DropCounters drops) {
        super(DatagramPacket.class);
        this.drops = drops;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) {
        decodeDatagram(packet.content(), out::add);
    }

    /** Decodes every message of one datagram (reader to writer index, not consumed); returns how many were emitted. */
    int decodeDatagram(ByteBuf buf, Consumer<? super FtfwMessage> out) {
        int pos = buf.readerIndex();
        int end = buf.writerIndex();
        int emitted = 0;
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
                emitted++;
            }
            pos += len;
        }
        return emitted;
    }

    private FtfwMessage decodeMessage(ByteBuf buf, int pos, int version, int type, int flags, int len, int seq) {
        if (version != Nethdr.VERSION) {
            drops.drop(DropReason.BAD_VERSION, "version " + version);
            return null;
        }
        if (Nethdr.isData(type, flags)) {
            if (type <= Nethdr.T_CT_DEL) {
                return decodeCt(buf, pos, type, flags, len, seq);
            }
            DropReason bad = validateExp(buf, pos + Nethdr.SIZE, len - Nethdr.SIZE);
            if (bad != null) {
                drops.drop(bad, "expectation message");
                return new FtfwMessage.BadPayload(seq, flags, type, bad);
            }
            return new FtfwMessage.Expectation(seq, flags, type);
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
        attrs.reset();
        DropReason bad = parseCt(buf, pos + Nethdr.SIZE, len - Nethdr.SIZE);
        ConntrackEntry entry = null;
        if (bad == null) {
            try {
                entry = attrs.toEntry();
                if (entry == null) {
                    bad = attrs.failure;
                }
            } catch (IllegalArgumentException | UnknownHostException e) {
                bad = DropReason.INCONSISTENT;
            }
        }
        if (bad != null) {
            drops.drop(bad, "conntrack message seq " + Integer.toUnsignedString(seq));
            return new FtfwMessage.BadPayload(seq, flags, type, bad);
        }
        return new FtfwMessage.Data(seq, flags, FtfwMessage.DataType.of(type), entry, attrs.extras());
    }

    /** The {@code msg2ct} loop: validates each TLV and stores it in {@link #attrs}. */
    private DropReason parseCt(ByteBuf buf, int pos, int len) {
        while (len > Attr.HEADER) {
            int ntaLen = buf.getUnsignedShort(pos);
            int id = buf.getUnsignedShort(pos + 2);
            if (ntaLen > len) {
                return DropReason.ATTR_OVERRUN;
            }
            if (ntaLen < Attr.HEADER) {
                return DropReason.ATTR_TOO_SHORT;
            }
            if (id >= Attr.COUNT) {
                return DropReason.ATTR_UNKNOWN;
            }
            Attr a = Attr.of(id);
            if (a.fixed() ? ntaLen != Attr.HEADER + a.size : ntaLen > a.maxNtaLen) {
                return DropReason.ATTR_BAD_LENGTH;
            }
            attrs.set(a, buf, pos + Attr.HEADER, ntaLen - Attr.HEADER);
            int step = Nethdr.align4(ntaLen);
            pos += step;
            len -= step;
        }
        return null;
    }

    /** The {@code msg2exp} checks. */
    private static DropReason validateExp(ByteBuf buf, int pos, int len) {
        while (len > Attr.HEADER) {
            int ntaLen = buf.getUnsignedShort(pos);
            int id = buf.getUnsignedShort(pos + 2);
            if (ntaLen > len) {
                return DropReason.ATTR_OVERRUN;
            }
            if (id >= Attr.EXP_SIZES.length) {
                return DropReason.ATTR_UNKNOWN;
            }
            if (ntaLen < Attr.HEADER) {
                return DropReason.ATTR_TOO_SHORT;
            }
            int size = Attr.EXP_SIZES[id];
            if (size >= 0 ? ntaLen != Attr.HEADER + size : ntaLen > Attr.EXP_MAX_NTA_LEN[id]) {
                return DropReason.ATTR_BAD_LENGTH;
            }
            int step = Nethdr.align4(ntaLen);
            pos += step;
            len -= step;
        }
        return null;
    }

    /** Scratch storage of one message's attributes, reused between messages (last occurrence wins). */
    static final class CtAttrs {
        private long present;
        private final byte[] src = new byte[16];
        private final byte[] dst = new byte[16];
        private final byte[] masterSrc = new byte[16];
        private final byte[] masterDst = new byte[16];
        private final byte[] snat = new byte[16];
        private final byte[] dnat = new byte[16];
        private int l3;
        private int masterL3;
        private int l4proto;
        private int sport;
        private int dport;
        private int tcpState;
        private long status;
        private long timeout;
        private long mark;
        private int masterL4;
        private int masterSport;
        private int masterDport;
        private int spat;
        private int dpat;
        private final long[] natSeq = new long[6];
        private int sctpState;
        private long vtagOrig;
        private long vtagRepl;
        private int dccpState;
        private int dccpRole;
        private int icmpType;
        private int icmpCode;
        private int icmpId;
        private int wscaleOrig;
        private int wscaleRepl;
        private String helper;
        private boolean helperUnterminated;
        private int[] labels;
        private final long[] synproxy = new long[3];
        private int zone;
        DropReason failure;

        void reset() {
            present = 0;
            l3 = 0;
            masterL3 = 0;
            helper = null;
            helperUnterminated = false;
            labels = null;
            failure = null;
        }

        private boolean has(Attr a) {
            return (present & (1L << a.id())) != 0;
        }

        void set(Attr a, ByteBuf b, int p, int n) {
            present |= 1L << a.id();
            switch (a) {
                case IPV4 -> { copy(b, p, src, 4); copy(b, p + 4, dst, 4); l3 = 4; }
                case IPV6 -> { copy(b, p, src, 16); copy(b, p + 16, dst, 16); l3 = 6; }
                case L4PROTO -> l4proto = b.getUnsignedByte(p);
                case PORT -> { sport = b.getUnsignedShort(p); dport = b.getUnsignedShort(p + 2); }
                case TCP_STATE -> tcpState = b.getUnsignedByte(p);
                case STATUS -> status = b.getUnsignedInt(p);
                case TIMEOUT -> timeout = b.getUnsignedInt(p);
                case MARK -> mark = b.getUnsignedInt(p);
                case MASTER_IPV4 -> { copy(b, p, masterSrc, 4); copy(b, p + 4, masterDst, 4); masterL3 = 4; }
                case MASTER_IPV6 -> { copy(b, p, masterSrc, 16); copy(b, p + 16, masterDst, 16); masterL3 = 6; }
                case MASTER_L4PROTO -> masterL4 = b.getUnsignedByte(p);
                case MASTER_PORT -> { masterSport = b.getUnsignedShort(p); masterDport = b.getUnsignedShort(p + 2); }
                case SNAT_IPV4, SNAT_IPV6 -> copy(b, p, snat, n);
                case DNAT_IPV4, DNAT_IPV6 -> copy(b, p, dnat, n);
                case SPAT_PORT -> spat = b.getUnsignedShortLE(p);
                case DPAT_PORT -> dpat = b.getUnsignedShortLE(p);
                case NAT_SEQ_ADJ -> {
                    for (int i = 0; i < 6; i++) {
                        natSeq[i] = b.getUnsignedInt(p + 4 * i);
                    }
                }
                case SCTP_STATE -> sctpState = b.getUnsignedByte(p);
                case SCTP_VTAG_ORIG -> vtagOrig = b.getUnsignedInt(p);
                case SCTP_VTAG_REPL -> vtagRepl = b.getUnsignedInt(p);
                case DCCP_STATE -> dccpState = b.getUnsignedByte(p);
                case DCCP_ROLE -> dccpRole = b.getUnsignedByte(p);
                case ICMP_TYPE -> icmpType = b.getUnsignedByte(p);
                case ICMP_CODE -> icmpCode = b.getUnsignedByte(p);
                case ICMP_ID -> icmpId = b.getUnsignedShortLE(p);
                case TCP_WSCALE_ORIG -> wscaleOrig = b.getUnsignedByte(p);
                case TCP_WSCALE_REPL -> wscaleRepl = b.getUnsignedByte(p);
                case HELPER_NAME -> {
                    int k = 0;
                    while (k < n && b.getByte(p + k) != 0) {
                        k++;
                    }
                    helper = k == 0 ? null : b.toString(p, k, StandardCharsets.ISO_8859_1);
                    helperUnterminated = k == n;
                }
                case LABELS -> {
                    // conntrackd's ct_parse_clabel ignores an empty or misaligned label set
                    if (n >= 4 && (n & 3) == 0) {
                        labels = new int[n / 4];
                        for (int i = 0; i < labels.length; i++) {
                            labels[i] = b.getInt(p + 4 * i);
                        }
                    } else {
                        labels = null;
                        present &= ~(1L << a.id());
                    }
                }
                case SYNPROXY -> {
                    for (int i = 0; i < 3; i++) {
                        synproxy[i] = b.getUnsignedInt(p + 4 * i);
                    }
                }
                case ZONE -> zone = b.getUnsignedShort(p);
            }
        }

        private static void copy(ByteBuf b, int p, byte[] to, int n) {
            b.getBytes(p, to, 0, n);
        }

        private static InetAddress addr(byte[] raw, int l3) throws UnknownHostException {
            byte[] a = new byte[l3 == 4 ? 4 : 16];
            System.arraycopy(raw, 0, a, 0, a.length);
            return InetAddress.getByAddress(a);
        }

        /** The entry, or null with {@link #failure} set. */
        ConntrackEntry toEntry() throws UnknownHostException {
            if (l3 == 0 || !has(Attr.L4PROTO)) {
                failure = DropReason.MISSING_IDENTITY;
                return null;
            }
            boolean ports = l4proto == IpProto.TCP || l4proto == IpProto.UDP || l4proto == IpProto.SCTP
                    || l4proto == IpProto.DCCP;
            if (ports && !has(Attr.PORT)) {
                failure = DropReason.MISSING_IDENTITY;
                return null;
            }
            boolean icmp = IpProto.isIcmp(l4proto);
            if (icmp && !(has(Attr.ICMP_TYPE) && has(Attr.ICMP_CODE) && has(Attr.ICMP_ID))) {
                failure = DropReason.MISSING_IDENTITY;
                return null;
            }
            boolean v4 = l3 == 4;
            if ((v4 && (has(Attr.SNAT_IPV6) || has(Attr.DNAT_IPV6)))
                    || (!v4 && (has(Attr.SNAT_IPV4) || has(Attr.DNAT_IPV4)))) {
                failure = DropReason.INCONSISTENT;
                return null;
            }
            if ((masterL3 != 0 && !has(Attr.MASTER_L4PROTO)) || helperUnterminated) {
                failure = DropReason.INCONSISTENT;
                return null;
            }
            InetAddress s = addr(src, l3);
            InetAddress d = addr(dst, l3);
            Tuple orig = icmp ? Tuple.icmp(s, d, l4proto, icmpType, icmpCode, icmpId)
                    : has(Attr.PORT) && IpProto.hasPorts(l4proto) ? Tuple.ports(s, d, l4proto, sport, dport)
                    : Tuple.ports(s, d, l4proto, 0, 0);
            Tuple inv = orig.inverted();
            InetAddress replySrc = inv.src();
            InetAddress replyDst = inv.dst();
            if (has(v4 ? Attr.SNAT_IPV4 : Attr.SNAT_IPV6)) {
                replyDst = addr(snat, l3);
            }
            if (has(v4 ? Attr.DNAT_IPV4 : Attr.DNAT_IPV6)) {
                replySrc = addr(dnat, l3);
            }
            int replySport = inv.sport();
            int replyDport = inv.dport();
            boolean srcNat = has(v4 ? Attr.SNAT_IPV4 : Attr.SNAT_IPV6);
            boolean dstNat = has(v4 ? Attr.DNAT_IPV4 : Attr.DNAT_IPV6);
            if (IpProto.hasPorts(l4proto)) {
                if (has(Attr.SPAT_PORT)) {
                    replyDport = spat;
                    srcNat = true;
                }
                if (has(Attr.DPAT_PORT)) {
                    replySport = dpat;
                    dstNat = true;
                }
            }
            long st = has(Attr.STATUS) ? status : 0;
            // committing NAT attributes makes the kernel set these bits; a sender only sends NAT with them set
            if (srcNat) {
                st |= Status.SRC_NAT | Status.SRC_NAT_DONE;
            }
            if (dstNat) {
                st |= Status.DST_NAT | Status.DST_NAT_DONE;
            }
            Tuple reply = new Tuple(replySrc, replyDst, l4proto, replySport, replyDport,
                    inv.icmpType(), inv.icmpCode(), inv.icmpId());
            int protoState = switch (l4proto) {
                case IpProto.TCP -> has(Attr.TCP_STATE) ? tcpState : -1;
                case IpProto.SCTP -> has(Attr.SCTP_STATE) ? sctpState : -1;
                case IpProto.DCCP -> has(Attr.DCCP_STATE) ? dccpState : -1;
                default -> -1;
            };
            ConntrackEntry.Builder eb = ConntrackEntry.builder(orig).reply(reply).protoState(protoState)
                    .status(st)
                    .timeout(has(Attr.TIMEOUT) ? timeout : -1)
                    .mark(has(Attr.MARK) ? mark : 0)
                    .zone(has(Attr.ZONE) ? zone : 0)
                    .helper(helper);
            if (l4proto == IpProto.TCP && has(Attr.TCP_STATE)
                    && (has(Attr.TCP_WSCALE_ORIG) || has(Attr.TCP_WSCALE_REPL))) {
                eb.tcp(new ConntrackEntry.TcpInfo(wscaleOrig, wscaleRepl, 0, 0));
            }
            return eb.build();
        }

        FlowExtras extras() {
            Tuple master = null;
            if (masterL3 != 0) {
                try {
                    master = Tuple.ports(addr(masterSrc, masterL3), addr(masterDst, masterL3), masterL4,
                            has(Attr.MASTER_PORT) ? masterSport : 0, has(Attr.MASTER_PORT) ? masterDport : 0);
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
            FlowExtras.NatSeqAdj nsa = has(Attr.NAT_SEQ_ADJ) ? new FlowExtras.NatSeqAdj(natSeq[0], natSeq[1],
                    natSeq[2], natSeq[3], natSeq[4], natSeq[5]) : null;
            FlowExtras.Synproxy sp = has(Attr.SYNPROXY)
                    ? new FlowExtras.Synproxy(synproxy[0], synproxy[1], synproxy[2]) : null;
            boolean sctp = l4proto == IpProto.SCTP;
            long vo = sctp && has(Attr.SCTP_VTAG_ORIG) ? vtagOrig : 0;
            long vr = sctp && has(Attr.SCTP_VTAG_REPL) ? vtagRepl : 0;
            int role = l4proto == IpProto.DCCP && has(Attr.DCCP_ROLE) ? dccpRole : 0;
            FlowExtras.Labels lab = labels == null ? null : new FlowExtras.Labels(labels);
            if (master == null && nsa == null && sp == null && vo == 0 && vr == 0 && role == 0 && lab == null) {
                return FlowExtras.NONE;
            }
            return new FlowExtras(master, nsa, vo, vr, role, lab, sp);
        }
    }
}
