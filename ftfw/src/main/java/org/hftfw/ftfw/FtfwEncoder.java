package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
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

    /**
     * Appends one conntrack data message; returns its length. Into a heap buffer (the engine's scratch) it writes
     * the message straight into the buffer's array ({@link #writeData(byte[], int, FtfwMessage.DataType, int, int,
     * EntryView, FlowExtras, Options)}); into another one through an array of its own.
     */
    static int writeData(ByteBuf out, FtfwMessage.DataType type, int flags, int seq, EntryView e,
                         FlowExtras x, Options opt) {
        int max = maxDataLength(x);
        out.ensureWritable(max);
        int start = out.writerIndex();
        int len;
        if (out.hasArray()) {
            len = writeData(out.array(), out.arrayOffset() + start, type, flags, seq, e, x, opt);
        } else {
            byte[] own = new byte[max];
            len = writeData(own, 0, type, flags, seq, e, x, opt);
            out.setBytes(start, own, 0, len);
        }
        out.writerIndex(start + len);
        return len;
    }

    /**
     * The most bytes {@link #writeData} writes for a flow with extras {@code x}: every attribute at its largest
     * (IPv6 addresses and master, SCTP's state and tags, NAT, the longest helper name, sequence adjustment, synproxy,
     * zone) and the labels.
     */
    private static int maxDataLength(FlowExtras x) {
        FlowExtras.Labels labels = x.labels();
        return 512 + (labels == null ? 0 : 4 * labels.count());
    }

    /**
     * {@link #writeData(ByteBuf, FtfwMessage.DataType, int, int, EntryView, FlowExtras, Options)} into {@code b} from
     * {@code at}, which has room for {@link #maxDataLength}; returns the message's length. Plain array stores: each
     * {@code ByteBuf} write checks the buffer's reference count, its bounds and its capacity, calls that C2 folds away
     * but C1, the daemon's compiler (conf/daemon.jvm), makes for each of the message's thirty-odd fields ({@code
     * hftfw bench pipeline --daemon-jit}, docs/performance.md §4, eighth round).
     */
    static int writeData(byte[] b, int at, FtfwMessage.DataType type, int flags, int seq, EntryView e,
                         FlowExtras x, Options opt) {
        int p = at;
        b[p] = (byte) (Nethdr.VERSION << 4 | type.wire);
        b[p + 1] = (byte) flags;
        p = i32(b, p + 4, seq);                 // the length (p + 2) is written last
        Tuple o = e.original();
        boolean v4 = o.isIpv4();
        int l4 = o.l4proto();
        p = header(b, p, v4 ? Attr.IPV4 : Attr.IPV6);
        p = address(b, p, o.src());
        p = address(b, p, o.dst());
        p = u32(b, p, Attr.STATUS, e.status());
        p = u8(b, p, Attr.L4PROTO, l4);
        int ps = e.protoState();
        switch (l4) {
            case IpProto.TCP -> {
                p = ports(b, p, Attr.PORT, o.sport(), o.dport());
                if (ps >= 0) {
                    p = u8(b, p, Attr.TCP_STATE, ps);
                    if (opt.tcpWindowTracking()) {
                        p = u8(b, p, Attr.TCP_WSCALE_ORIG, e.hasTcp() ? e.tcpWscaleOriginal() : 0);
                        p = u8(b, p, Attr.TCP_WSCALE_REPL, e.hasTcp() ? e.tcpWscaleReply() : 0);
                    }
                }
            }
            case IpProto.SCTP -> {
                p = ports(b, p, Attr.PORT, o.sport(), o.dport());
                if (ps >= 0) {
                    p = u8(b, p, Attr.SCTP_STATE, ps);
                    p = u32(b, p, Attr.SCTP_VTAG_ORIG, x.sctpVtagOrig());
                    p = u32(b, p, Attr.SCTP_VTAG_REPL, x.sctpVtagReply());
                }
            }
            case IpProto.DCCP -> {
                p = ports(b, p, Attr.PORT, o.sport(), o.dport());
                if (ps >= 0) {
                    p = u8(b, p, Attr.DCCP_STATE, ps);
                    p = u8(b, p, Attr.DCCP_ROLE, x.dccpRole());
                }
            }
            case IpProto.ICMP, IpProto.ICMPV6 -> {
                p = u8(b, p, Attr.ICMP_TYPE, o.icmpType());
                p = u8(b, p, Attr.ICMP_CODE, o.icmpCode());
                p = u16le(b, p, Attr.ICMP_ID, o.icmpId());
            }
            case IpProto.UDP, IpProto.UDPLITE -> p = ports(b, p, Attr.PORT, o.sport(), o.dport());
            default -> { }
        }
        if (e.timeout() >= 0 && !opt.omitTimeout()) {
            p = u32(b, p, Attr.TIMEOUT, e.timeout());
        }
        p = u32(b, p, Attr.MARK, e.mark());
        Tuple m = x.master();
        if (m != null) {
            p = header(b, p, m.isIpv4() ? Attr.MASTER_IPV4 : Attr.MASTER_IPV6);
            p = address(b, p, m.src());
            p = address(b, p, m.dst());
            p = u8(b, p, Attr.MASTER_L4PROTO, m.l4proto());
            if (IpProto.hasPorts(m.l4proto())) {
                p = ports(b, p, Attr.MASTER_PORT, m.sport(), m.dport());
            }
        }
        Tuple r = e.reply();
        boolean snatDone = e.hasStatus(Status.SRC_NAT_DONE);
        boolean dnatDone = e.hasStatus(Status.DST_NAT_DONE);
        if (snatDone && !r.dst().equals(o.src())) {
            p = address(b, header(b, p, v4 ? Attr.SNAT_IPV4 : Attr.SNAT_IPV6), r.dst());
        }
        if (dnatDone && !r.src().equals(o.dst())) {
            p = address(b, header(b, p, v4 ? Attr.DNAT_IPV4 : Attr.DNAT_IPV6), r.src());
        }
        if (IpProto.hasPorts(l4)) {
            if (snatDone && r.dport() != o.sport()) {
                p = u16le(b, p, Attr.SPAT_PORT, r.dport());
            }
            if (dnatDone && r.sport() != o.dport()) {
                p = u16le(b, p, Attr.DPAT_PORT, r.sport());
            }
        }
        FlowExtras.NatSeqAdj n = x.natSeqAdj();
        if (n != null) {
            p = header(b, p, Attr.NAT_SEQ_ADJ);
            p = i32(b, p, (int) n.origCorrectionPos());
            p = i32(b, p, (int) n.origOffsetBefore());
            p = i32(b, p, (int) n.origOffsetAfter());
            p = i32(b, p, (int) n.replCorrectionPos());
            p = i32(b, p, (int) n.replOffsetBefore());
            p = i32(b, p, (int) n.replOffsetAfter());
        }
        String helper = e.helper();
        if (helper != null && !helper.isEmpty() && helper.length() <= HELPER_MAX_CHARS) {
            int chars = helper.length();
            p = i16(b, p, Attr.HEADER + chars + 1);
            p = i16(b, p, Attr.HELPER_NAME.id());
            for (int i = 0; i < chars; i++) {   // ISO-8859-1 (as getBytes did), without an array per message
                char c = helper.charAt(i);
                b[p++] = c <= 0xff ? (byte) c : (byte) '?';
            }
            int padded = Nethdr.align4(chars + 1);
            Arrays.fill(b, p, p + padded - chars, (byte) 0);
            p += padded - chars;
        }
        FlowExtras.Labels labels = x.labels();
        if (labels != null && labels.anySet()) {
            p = i16(b, p, Attr.HEADER + 4 * labels.count());
            p = i16(b, p, Attr.LABELS.id());
            for (int i = 0; i < labels.count(); i++) {
                p = i32(b, p, labels.word(i));
            }
        }
        FlowExtras.Synproxy sp = x.synproxy();
        if (sp != null) {
            p = header(b, p, Attr.SYNPROXY);
            p = i32(b, p, (int) sp.its());
            p = i32(b, p, (int) sp.isn());
            p = i32(b, p, (int) sp.tsoff());
        }
        if (e.zone() != 0) {
            p = header(b, p, Attr.ZONE);
            p = i16(b, p, e.zone());
            p = i16(b, p, 0);
        }
        int len = p - at;
        i16(b, at + 2, len);
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

    // the array writers: each stores its field at p and returns the position after it (network order unless LE)

    private static int i16(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 8);
        b[p + 1] = (byte) v;
        return p + 2;
    }

    private static int i32(byte[] b, int p, int v) {
        return i16(b, i16(b, p, v >>> 16), v);
    }

    private static int header(byte[] b, int p, Attr a) {
        i16(b, p, Attr.HEADER + a.size);
        return i16(b, p + 2, a.id());
    }

    /** A u8 attribute: the byte and three of padding, as two 16-bit stores. */
    private static int u8(byte[] b, int p, Attr a, int v) {
        return i16(b, i16(b, header(b, p, a), v << 8), 0);
    }

    /** A little-endian u16 attribute (the x86 double {@code htons}) and two bytes of padding. */
    private static int u16le(byte[] b, int p, Attr a, int v) {
        return i16(b, i16(b, header(b, p, a), ((v & 0xff) << 8) | ((v >>> 8) & 0xff)), 0);
    }

    private static int u32(byte[] b, int p, Attr a, long v) {
        return i32(b, header(b, p, a), (int) v);
    }

    private static int ports(byte[] b, int p, Attr a, int sport, int dport) {
        return i16(b, i16(b, header(b, p, a), sport), dport);
    }

    /**
     * An address's bytes in network order. An IPv4 one is written as the int {@link Inet4Address#hashCode()} returns,
     * which is the address (as {@code FlowCodec} reads it): encoding a message then allocates nothing per address
     * (issue 14, item 4; the array {@code getAddress} copies was not always removed by escape analysis, measured in
     * {@code EventPathAllocationTest}).
     */
    private static int address(byte[] b, int p, InetAddress ip) {
        return ip instanceof Inet4Address v4 ? i32(b, p, v4.hashCode()) : address6(b, p, ip);
    }

    private static int address6(byte[] b, int p, InetAddress ip) {
        byte[] raw = ip.getAddress();
        System.arraycopy(raw, 0, b, p, raw.length);
        return p + raw.length;
    }
}
