package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import org.hftfw.conntrack.AddressCache;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;

/**
 * Turns the attribute TLVs of one FT-FW data message ({@link Attr}, conntrackd's {@code NTA_*}) into a
 * {@link ConntrackEntry} and its {@link FlowExtras}; framing is {@link FtfwDecoder}'s job.
 *
 * <p>Design note. The walk follows {@code msg2ct}/{@code msg2exp} (src/parse.c): loop while more than 4 bytes
 * remain; reject when nta_len overruns the payload, is below 4, the id is unknown, or the length differs from the
 * fixed size (exceeds the maximum for variable attributes); the last occurrence of an attribute wins. Values land
 * in scratch fields reused from message to message, so a rejected payload allocates nothing. Beyond conntrackd, a
 * payload that cannot identify a flow (no address, protocol, ports or ICMP id) or contradicts itself is rejected
 * too ({@link DropReason#MISSING_IDENTITY}, {@link DropReason#INCONSISTENT}).
 *
 * <p>NAT: like conntrackd's {@code NFCT_SOPT_SETUP_REPLY}, the reply tuple is the inverse of the original one with
 * SNAT/DNAT addresses and SPAT/DPAT ports applied (ports only for port protocols), and the matching
 * {@code *_NAT}/{@code *_NAT_DONE} status bits set as the kernel sets them when such an entry is committed.
 * ICMP_ID, SPAT_PORT and DPAT_PORT are read little-endian (x86 conntrackd applies {@code htons} to a value already
 * in network order). Single-threaded: one parser per decoder.
 */
final class AttrParser {
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

    private DropReason failure;
    private final AddressCache addresses = new AddressCache();

    /**
     * Parses the conntrack payload of {@code len} bytes at {@code pos}: the entry, or null when the payload is
     * rejected ({@link #failure()} says why). {@link #extras()} then reads the rest of an accepted payload.
     */
    ConntrackEntry parse(ByteBuf buf, int pos, int len) {
        reset();
        DropReason bad = walk(buf, pos, len);
        if (bad != null) {
            failure = bad;
            return null;
        }
        try {
            return toEntry();
        } catch (IllegalArgumentException e) {
            // the value types check their own invariants; a combination they refuse cannot be applied
            failure = DropReason.INCONSISTENT;
            return null;
        }
    }

    /** Why the last {@link #parse} returned null. */
    DropReason failure() {
        return failure;
    }

    /** The {@link FlowExtras} of the payload last accepted by {@link #parse}. */
    FlowExtras extras() {
        Tuple master = masterL3 == 0 ? null : Tuple.ports(addr(masterSrc, masterL3), addr(masterDst, masterL3),
                masterL4, has(Attr.MASTER_PORT) ? masterSport : 0, has(Attr.MASTER_PORT) ? masterDport : 0);
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

    private void reset() {
        present = 0;
        l3 = 0;
        masterL3 = 0;
        helper = null;
        helperUnterminated = false;
        labels = null;
    }

    /** The {@code msg2ct} loop: validates each TLV and stores its value. */
    private DropReason walk(ByteBuf buf, int pos, int len) {
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
            set(a, buf, pos + Attr.HEADER, ntaLen - Attr.HEADER);
            int step = Nethdr.align4(ntaLen);
            pos += step;
            len -= step;
        }
        return null;
    }

    private boolean has(Attr a) {
        return (present & (1L << a.id())) != 0;
    }

    private void set(Attr a, ByteBuf b, int p, int n) {
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
            case MASTER_IPV6 -> {
                copy(b, p, masterSrc, 16);
                copy(b, p + 16, masterDst, 16);
                masterL3 = 6;
            }
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

    /**
     * Copies {@code n} bytes (an address: 4 or 16, as the attribute's fixed size guarantees) a word at a time.
     * {@code ByteBuf.getBytes} into an array duplicates the NIO buffer of an unpooled direct buffer on every call,
     * which was the largest allocation of the backup's event loop (JFR samples of a 25 000-flow migration through the
     * daemons: 44 of its 116 MB).
     */
    private static void copy(ByteBuf b, int p, byte[] to, int n) {
        for (int i = 0; i < n; i += 4) {
            int v = b.getInt(p + i);
            to[i] = (byte) (v >>> 24);
            to[i + 1] = (byte) (v >>> 16);
            to[i + 2] = (byte) (v >>> 8);
            to[i + 3] = (byte) v;
        }
    }

    /** Whether the stored attributes identify one flow and agree with each other. */
    private DropReason validate() {
        if (l3 == 0 || !has(Attr.L4PROTO)) {
            return DropReason.MISSING_IDENTITY;
        }
        boolean ports = l4proto == IpProto.TCP || l4proto == IpProto.UDP || l4proto == IpProto.SCTP
                || l4proto == IpProto.DCCP;
        if (ports && !has(Attr.PORT)) {
            return DropReason.MISSING_IDENTITY;
        }
        if (IpProto.isIcmp(l4proto) && !(has(Attr.ICMP_TYPE) && has(Attr.ICMP_CODE) && has(Attr.ICMP_ID))) {
            return DropReason.MISSING_IDENTITY;
        }
        boolean v4 = l3 == 4;
        if ((v4 && (has(Attr.SNAT_IPV6) || has(Attr.DNAT_IPV6)))
                || (!v4 && (has(Attr.SNAT_IPV4) || has(Attr.DNAT_IPV4)))) {
            return DropReason.INCONSISTENT;
        }
        if ((masterL3 != 0 && !has(Attr.MASTER_L4PROTO)) || helperUnterminated) {
            return DropReason.INCONSISTENT;
        }
        return null;
    }

    /**
     * The entry the stored attributes describe, or null with {@link #failure} set when they do not identify one flow
     * or contradict each other.
     */
    private ConntrackEntry toEntry() {
        DropReason bad = validate();
        if (bad != null) {
            failure = bad;
            return null;
        }
        boolean v4 = l3 == 4;
        InetAddress s = addr(src, l3);
        InetAddress d = addr(dst, l3);
        Tuple orig = IpProto.isIcmp(l4proto) ? Tuple.icmp(s, d, l4proto, icmpType, icmpCode, icmpId)
                : has(Attr.PORT) && IpProto.hasPorts(l4proto) ? Tuple.ports(s, d, l4proto, sport, dport)
                : Tuple.ports(s, d, l4proto, 0, 0);
        Tuple inv = orig.inverted();
        InetAddress replySrc = inv.src();
        InetAddress replyDst = inv.dst();
        boolean srcNat = has(v4 ? Attr.SNAT_IPV4 : Attr.SNAT_IPV6);
        boolean dstNat = has(v4 ? Attr.DNAT_IPV4 : Attr.DNAT_IPV6);
        if (srcNat) {
            replyDst = addr(snat, l3);
        }
        if (dstNat) {
            replySrc = addr(dnat, l3);
        }
        int replySport = inv.sport();
        int replyDport = inv.dport();
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
        // without NAT the reply tuple is the inverse itself: no second tuple per message
        Tuple reply = !srcNat && !dstNat ? inv
                : new Tuple(replySrc, replyDst, l4proto, replySport, replyDport, inv.icmpType(), inv.icmpCode(),
                        inv.icmpId());
        int protoState = switch (l4proto) {
            case IpProto.TCP -> has(Attr.TCP_STATE) ? tcpState : -1;
            case IpProto.SCTP -> has(Attr.SCTP_STATE) ? sctpState : -1;
            case IpProto.DCCP -> has(Attr.DCCP_STATE) ? dccpState : -1;
            default -> -1;
        };
        ConntrackEntry.TcpInfo tcp = l4proto == IpProto.TCP && has(Attr.TCP_STATE)
                && (has(Attr.TCP_WSCALE_ORIG) || has(Attr.TCP_WSCALE_REPL))
                ? new ConntrackEntry.TcpInfo(wscaleOrig, wscaleRepl, 0, 0) : null;
        // the record's constructor, not a builder: one object less per message on the event loop
        return new ConntrackEntry(orig, reply, protoState, st, has(Attr.TIMEOUT) ? timeout : -1,
                has(Attr.MARK) ? mark : 0, has(Attr.ZONE) ? zone : 0, 0, 0, null, null, 0, 0, helper, tcp);
    }

    /**
     * The address stored in the first 4 (IPv4) or 16 (IPv6) bytes of {@code raw}; an IPv4 one from the parser's
     * {@link AddressCache}, so the flows of one address share its object (a backup's external cache keeps them all).
     */
    private InetAddress addr(byte[] raw, int l3) {
        if (l3 == 4) {
            return addresses.v4((raw[0] & 0xff) << 24 | (raw[1] & 0xff) << 16 | (raw[2] & 0xff) << 8 | (raw[3] & 0xff));
        }
        byte[] a = new byte[16];
        System.arraycopy(raw, 0, a, 0, a.length);
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }
}
