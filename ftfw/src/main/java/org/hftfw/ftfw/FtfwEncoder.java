package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;

/**
 * Writes FT-FW messages exactly as conntrackd builds them, so that our encoding of an entry is byte-identical.
 *
 * <p>Design note. {@link #writeData} follows {@code ct2msg} (src/build.c): IPV4|IPV6, STATUS, L4PROTO, then per
 * protocol (TCP: PORT, TCP_STATE, and WSCALE_ORIG/REPL with TCP window tracking; UDP: PORT; SCTP: PORT, state and
 * both vtags; DCCP: PORT, state, role; ICMP/ICMPv6: type, code, id; nothing for other protocols), TIMEOUT (unless
 * the sender commits with a fixed timeout), MARK, the master group, SNAT/DNAT addresses, SPAT/DPAT ports,
 * NAT_SEQ_ADJ, HELPER_NAME, LABELS, SYNPROXY and ZONE (when not 0). NAT attributes are emitted as
 * libnetfilter_conntrack's {@code NFCT_GOPT_IS_SNAT/DNAT/SPAT/DPAT} decide: the matching {@code *_NAT_DONE} status
 * bit is set and the reply tuple differs from the inverted original (ports only for port protocols, as in
 * libnetfilter_conntrack after its l4proto_has_ports fix). MARK is always written because the kernel always
 * reports it. One deliberate deviation: UDP-Lite flows carry PORT too (conntrackd has no UDP-Lite builder and
 * loses their ports; its parser accepts PORT for any protocol). ICMP_ID, SPAT_PORT and DPAT_PORT are written little-endian (the x86 double {@code htons}).
 */
final class FtfwEncoder {
    /** Longest helper name conntrackd accepts (nta_len at most 16 including the NUL). */
    static final int HELPER_MAX_CHARS = Attr.HELPER_NAME.maxNtaLen - Attr.HEADER - 1;

    private FtfwEncoder() {}

    /** Encoding switches that mirror the sender's conntrackd configuration. */
    record Options(boolean omitTimeout, boolean tcpWindowTracking) {
        static final Options DEFAULT = new Options(false, false);
    }

    /** Appends one conntrack data message; returns its length. */
    static int writeData(ByteBuf out, FtfwMessage.DataType type, int flags, int seq, EntryView e,
                         FlowExtras x, Options opt) {
        int start = out.writerIndex();
        out.writeByte(Nethdr.VERSION << 4 | type.wire);
        out.writeByte(flags);
        out.writeShort(0);
        out.writeInt(seq);
        Tuple o = e.original();
        boolean v4 = o.isIpv4();
        int l4 = o.l4proto();
        header(out, v4 ? Attr.IPV4 : Attr.IPV6);
        address(out, o.src());
        address(out, o.dst());
        u32(out, Attr.STATUS, e.status());
        u8(out, Attr.L4PROTO, l4);
        int ps = e.protoState();
        switch (l4) {
            case IpProto.TCP -> {
                ports(out, Attr.PORT, o.sport(), o.dport());
                if (ps >= 0) {
                    u8(out, Attr.TCP_STATE, ps);
                    if (opt.tcpWindowTracking()) {
                        u8(out, Attr.TCP_WSCALE_ORIG, e.hasTcp() ? e.tcpWscaleOriginal() : 0);
                        u8(out, Attr.TCP_WSCALE_REPL, e.hasTcp() ? e.tcpWscaleReply() : 0);
                    }
                }
            }
            case IpProto.SCTP -> {
                ports(out, Attr.PORT, o.sport(), o.dport());
                if (ps >= 0) {
                    u8(out, Attr.SCTP_STATE, ps);
                    u32(out, Attr.SCTP_VTAG_ORIG, x.sctpVtagOrig());
                    u32(out, Attr.SCTP_VTAG_REPL, x.sctpVtagReply());
                }
            }
            case IpProto.DCCP -> {
                ports(out, Attr.PORT, o.sport(), o.dport());
                if (ps >= 0) {
                    u8(out, Attr.DCCP_STATE, ps);
                    u8(out, Attr.DCCP_ROLE, x.dccpRole());
                }
            }
            case IpProto.ICMP, IpProto.ICMPV6 -> {
                u8(out, Attr.ICMP_TYPE, o.icmpType());
                u8(out, Attr.ICMP_CODE, o.icmpCode());
                u16le(out, Attr.ICMP_ID, o.icmpId());
            }
            case IpProto.UDP, IpProto.UDPLITE -> ports(out, Attr.PORT, o.sport(), o.dport());
            default -> { }
        }
        if (e.timeout() >= 0 && !opt.omitTimeout()) {
            u32(out, Attr.TIMEOUT, e.timeout());
        }
        u32(out, Attr.MARK, e.mark());
        Tuple m = x.master();
        if (m != null) {
            header(out, m.isIpv4() ? Attr.MASTER_IPV4 : Attr.MASTER_IPV6);
            address(out, m.src());
            address(out, m.dst());
            u8(out, Attr.MASTER_L4PROTO, m.l4proto());
            if (IpProto.hasPorts(m.l4proto())) {
                ports(out, Attr.MASTER_PORT, m.sport(), m.dport());
            }
        }
        Tuple r = e.reply();
        boolean snatDone = e.hasStatus(Status.SRC_NAT_DONE);
        boolean dnatDone = e.hasStatus(Status.DST_NAT_DONE);
        if (snatDone && !r.dst().equals(o.src())) {
            addr(out, v4 ? Attr.SNAT_IPV4 : Attr.SNAT_IPV6, r.dst());
        }
        if (dnatDone && !r.src().equals(o.dst())) {
            addr(out, v4 ? Attr.DNAT_IPV4 : Attr.DNAT_IPV6, r.src());
        }
        if (IpProto.hasPorts(l4)) {
            if (snatDone && r.dport() != o.sport()) {
                u16le(out, Attr.SPAT_PORT, r.dport());
            }
            if (dnatDone && r.sport() != o.dport()) {
                u16le(out, Attr.DPAT_PORT, r.sport());
            }
        }
        FlowExtras.NatSeqAdj n = x.natSeqAdj();
        if (n != null) {
            header(out, Attr.NAT_SEQ_ADJ);
            out.writeInt((int) n.origCorrectionPos()).writeInt((int) n.origOffsetBefore())
                    .writeInt((int) n.origOffsetAfter()).writeInt((int) n.replCorrectionPos())
                    .writeInt((int) n.replOffsetBefore()).writeInt((int) n.replOffsetAfter());
        }
        String helper = e.helper();
        if (helper != null && !helper.isEmpty() && helper.length() <= HELPER_MAX_CHARS) {
            byte[] name = helper.getBytes(StandardCharsets.ISO_8859_1);
            out.writeShort(Attr.HEADER + name.length + 1).writeShort(Attr.HELPER_NAME.id());
            out.writeBytes(name).writeByte(0);
            pad(out, name.length + 1);
        }
        FlowExtras.Labels labels = x.labels();
        if (labels != null && labels.anySet()) {
            out.writeShort(Attr.HEADER + 4 * labels.count()).writeShort(Attr.LABELS.id());
            for (int i = 0; i < labels.count(); i++) {
                out.writeInt(labels.word(i));
            }
        }
        FlowExtras.Synproxy sp = x.synproxy();
        if (sp != null) {
            header(out, Attr.SYNPROXY);
            out.writeInt((int) sp.its()).writeInt((int) sp.isn()).writeInt((int) sp.tsoff());
        }
        if (e.zone() != 0) {
            header(out, Attr.ZONE);
            out.writeShort(e.zone()).writeShort(0);
        }
        int len = out.writerIndex() - start;
        out.setShort(start + 2, len);
        return len;
    }

    /** True when {@link #writeData} would leave out the helper name because conntrackd would reject it. */
    static boolean helperTooLong(EntryView e) {
        return e.helper() != null && e.helper().length() > HELPER_MAX_CHARS;
    }

    /** Appends a 16-byte CTL message with a range (ACK, NACK or RESYNC flags). */
    static void writeRange(ByteBuf out, int flags, int seq, int from, int to) {
        out.writeByte(Nethdr.VERSION << 4 | Nethdr.T_CTL).writeByte(flags).writeShort(Nethdr.ACK_SIZE)
                .writeInt(seq).writeInt(from).writeInt(to);
    }

    /** Appends an 8-byte CTL|ALIVE message. */
    static void writeAlive(ByteBuf out, int flags, int seq) {
        out.writeByte(Nethdr.VERSION << 4 | Nethdr.T_CTL).writeByte(flags | Nethdr.F_ALIVE)
                .writeShort(Nethdr.SIZE).writeInt(seq);
    }

    private static void header(ByteBuf out, Attr a) {
        out.writeShort(Attr.HEADER + a.size).writeShort(a.id());
    }

    private static void pad(ByteBuf out, int payload) {
        out.writeZero(Nethdr.align4(payload) - payload);
    }

    private static void u8(ByteBuf out, Attr a, int v) {
        header(out, a);
        out.writeByte(v).writeZero(3);
    }

    private static void u16le(ByteBuf out, Attr a, int v) {
        header(out, a);
        out.writeShortLE(v).writeZero(2);
    }

    private static void u32(ByteBuf out, Attr a, long v) {
        header(out, a);
        out.writeInt((int) v);
    }

    private static void ports(ByteBuf out, Attr a, int sport, int dport) {
        header(out, a);
        out.writeShort(sport).writeShort(dport);
    }

    private static void addr(ByteBuf out, Attr a, InetAddress ip) {
        header(out, a);
        address(out, ip);
    }

    /**
     * An address's bytes in network order. An IPv4 one is written as the int {@link Inet4Address#hashCode()} returns,
     * which is the address (as {@code FlowCodec} reads it): encoding a message then allocates nothing per address
     * (issue 14, item 4; the array {@code getAddress} copies was not always removed by escape analysis, measured in
     * {@code EventPathAllocationTest}).
     */
    private static void address(ByteBuf out, InetAddress ip) {
        if (ip instanceof Inet4Address v4) {
            out.writeInt(v4.hashCode());
        } else {
            out.writeBytes(ip.getAddress());
        }
    }
}
