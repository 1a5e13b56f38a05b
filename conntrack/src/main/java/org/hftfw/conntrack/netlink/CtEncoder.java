package org.hftfw.conntrack.netlink;

import java.net.InetAddress;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;

/**
 * Builds ctnetlink requests, following what libnetfilter_conntrack's src/conntrack/build_mnl.c puts on the wire
 * (so the kernel sees exactly what {@code conntrack -I/-U/-D} would send):
 * <ul>
 *   <li>tuples: CTA_TUPLE_IP {V4|V6 SRC, DST} then CTA_TUPLE_PROTO {NUM, ports | ICMP code, type, id};</li>
 *   <li>CTA_STATUS always carries IPS_CONFIRMED ({@code nfct_build_status}): the kernel sets CONFIRMED on a new
 *       entry before applying the status and answers EBUSY to any attempt to change it; bits the kernel owns
 *       ({@link Status#KERNEL_ONLY}) are never sent;</li>
 *   <li>TCP flags are sent as {flags, mask} with the mask limited to the bits userspace may set
 *       ({@link Cta#TCP_SETTABLE_FLAGS}); the kernel-internal MAXACK_SET/DATA_UNACKNOWLEDGED bits are not
 *       replicated because their companion values cannot be.</li>
 * </ul>
 */
final class CtEncoder {
    /** An upper bound on one encoded create message (IPv6 tuples, protoinfo, helper name). */
    static final int MAX_MESSAGE_BYTES = 384;

    private CtEncoder() {}

    /** Why {@code e} cannot be sent as a create request, or null. */
    static String invalidForCreate(ConntrackEntry e) {
        return invalidForCreate(e, e.timeout());
    }

    /** Why {@code e} with this timeout cannot be sent as a create request, or null. */
    static String invalidForCreate(ConntrackEntry e, long timeout) {
        if (timeout < 0) {
            return "creating a conntrack entry needs a timeout: " + e.original();
        }
        return invalidForUpdate(e, timeout);
    }

    /** Why {@code e} cannot be sent as an update request, or null. */
    static String invalidForUpdate(ConntrackEntry e) {
        return invalidForUpdate(e, e.timeout());
    }

    /** Why {@code e} with this timeout cannot be sent as an update request, or null. */
    static String invalidForUpdate(ConntrackEntry e, long timeout) {
        if (e.helper() != null && e.helper().length() > 15) {
            return "helper name longer than 15 characters: " + e.helper();
        }
        if (timeout > 0xffffffffL || e.mark() < 0 || e.mark() > 0xffffffffL) {
            return "timeout or mark out of the u32 range: " + e.original();
        }
        return null;
    }

    static void create(NlWriter w, ConntrackEntry e, int seq, boolean ack) {
        create(w, e, e.timeout(), e.status(), 0, seq, ack);
    }

    /** The create of a backup's commit: the received state with the commit's changes applied while encoding. */
    static void create(NlWriter w, ConntrackTable.Write.Commit c, int seq, boolean ack) {
        create(w, c.asReceived(), c.timeout(), c.status(), liberal(c), seq, ack);
    }

    /**
     * A create of {@code e} with {@code timeout}, {@code status} and {@code tcpFlagsOr} ORed into both directions'
     * TCP flags (with TCP info of zeros when the entry has none).
     */
    private static void create(NlWriter w, ConntrackEntry e, long timeout, long status, int tcpFlagsOr, int seq,
                               boolean ack) {
        int flags = Nl.NLM_F_REQUEST | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL | (ack ? Nl.NLM_F_ACK : 0);
        int m = w.beginMessage(Cta.msgType(Cta.IPCTNL_MSG_CT_NEW), flags, seq, e.original().family(), Nl.NFNETLINK_V0);
        tuple(w, Cta.TUPLE_ORIG, e.original());
        tuple(w, Cta.TUPLE_REPLY, e.reply());
        zone(w, e.zone());
        String invalid = invalidForCreate(e, timeout);
        if (invalid != null) {
            throw new IllegalArgumentException(invalid);
        }
        w.putBe32(Cta.TIMEOUT, timeout);
        mutable(w, e, status, tcpFlagsOr);
        if (e.helper() != null && !e.helper().isEmpty()) {
            int h = w.beginNested(Cta.HELP);
            w.putString(Cta.HELP_NAME, e.helper());
            w.endNested(h);
        }
        w.endMessage(m);
    }

    /** An update (IPCTNL_MSG_CT_NEW without NLM_F_CREATE): status, timeout, mark and protocol state. */
    static void update(NlWriter w, ConntrackEntry e, int seq, boolean ack) {
        update(w, e, e.timeout(), e.status(), 0, seq, ack);
    }

    /** The update of a backup's commit (see {@link #create(NlWriter, ConntrackTable.Write.Commit, int, boolean)}). */
    static void update(NlWriter w, ConntrackTable.Write.Commit c, int seq, boolean ack) {
        update(w, c.asReceived(), c.timeout(), c.status(), liberal(c), seq, ack);
    }

    private static void update(NlWriter w, ConntrackEntry e, long timeout, long status, int tcpFlagsOr, int seq,
                               boolean ack) {
        int flags = Nl.NLM_F_REQUEST | (ack ? Nl.NLM_F_ACK : 0);
        String invalid = invalidForUpdate(e, timeout);
        if (invalid != null) {
            throw new IllegalArgumentException(invalid);
        }
        int m = w.beginMessage(Cta.msgType(Cta.IPCTNL_MSG_CT_NEW), flags, seq, e.original().family(), Nl.NFNETLINK_V0);
        tuple(w, Cta.TUPLE_ORIG, e.original());
        zone(w, e.zone());
        if (timeout >= 0) {
            w.putBe32(Cta.TIMEOUT, timeout);
        }
        mutable(w, e, status, tcpFlagsOr);
        w.endMessage(m);
    }

    /** The TCP flags a commit ORs into both directions: BE_LIBERAL when asked, for TCP. */
    private static int liberal(ConntrackTable.Write.Commit c) {
        return c.liberalTcp() && c.asReceived().l4proto() == IpProto.TCP ? ConntrackEntry.TcpInfo.FLAG_BE_LIBERAL : 0;
    }

    /**
     * An update that sets only the timeout (ctnetlink_change_conntrack applies the attributes present): no status,
     * mark or protocol state, so it cannot clobber what the entry learned since it was written.
     */
    static void timeout(NlWriter w, Tuple original, int zone, long seconds, int seq, boolean ack) {
        int m = w.beginMessage(Cta.msgType(Cta.IPCTNL_MSG_CT_NEW), Nl.NLM_F_REQUEST | (ack ? Nl.NLM_F_ACK : 0), seq,
                original.family(), Nl.NFNETLINK_V0);
        tuple(w, Cta.TUPLE_ORIG, original);
        zone(w, zone);
        w.putBe32(Cta.TIMEOUT, seconds);
        w.endMessage(m);
    }

    static void get(NlWriter w, Tuple original, int zone, int seq) {
        int m = w.beginMessage(Cta.msgType(Cta.IPCTNL_MSG_CT_GET), Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, seq,
                original.family(), Nl.NFNETLINK_V0);
        tuple(w, Cta.TUPLE_ORIG, original);
        zone(w, zone);
        w.endMessage(m);
    }

    static void delete(NlWriter w, Tuple original, int zone, int seq) {
        delete(w, original, zone, seq, true);
    }

    static void delete(NlWriter w, Tuple original, int zone, int seq, boolean ack) {
        int m = w.beginMessage(Cta.msgType(Cta.IPCTNL_MSG_CT_DELETE), Nl.NLM_F_REQUEST | (ack ? Nl.NLM_F_ACK : 0), seq,
                original.family(), Nl.NFNETLINK_V0);
        tuple(w, Cta.TUPLE_ORIG, original);
        zone(w, zone);
        w.endMessage(m);
    }

    /** A dump of every entry of every family (AF_UNSPEC: the kernel applies no filter). */
    static void dump(NlWriter w, int seq) {
        int m = w.beginMessage(Cta.msgType(Cta.IPCTNL_MSG_CT_GET), Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP, seq,
                Nl.AF_UNSPEC, Nl.NFNETLINK_V0);
        w.endMessage(m);
    }

    /**
     * Flush: IPCTNL_MSG_CT_DELETE without a tuple. With nfgenmsg version 0 the kernel ignores the family and
     * flushes IPv4 and IPv6 alike (ctnetlink_del_conntrack: {@code u3 = version ? family : AF_UNSPEC}).
     */
    static void flush(NlWriter w, int seq) {
        int m = w.beginMessage(Cta.msgType(Cta.IPCTNL_MSG_CT_DELETE), Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, seq,
                Nl.AF_UNSPEC, Nl.NFNETLINK_V0);
        w.endMessage(m);
    }

    /** IPCTNL_MSG_CT_GET_STATS: a cheap request used to probe permission and availability at open. */
    static void stats(NlWriter w, int seq) {
        int m = w.beginMessage(Cta.msgType(Cta.IPCTNL_MSG_CT_GET_STATS), Nl.NLM_F_REQUEST | Nl.NLM_F_ACK, seq,
                Nl.AF_UNSPEC, Nl.NFNETLINK_V0);
        w.endMessage(m);
    }

    private static void mutable(NlWriter w, ConntrackEntry e, long status, int tcpFlagsOr) {
        w.putBe32(Cta.STATUS, (status & ~Status.KERNEL_ONLY) | Status.CONFIRMED);
        w.putBe32(Cta.MARK, e.mark());
        protoinfo(w, e, tcpFlagsOr);
    }

    static void tuple(NlWriter w, int type, Tuple t) {
        int outer = w.beginNested(type);
        int ip = w.beginNested(Cta.TUPLE_IP);
        if (t.isIpv4()) {
            w.putBe32(Cta.IP_V4_SRC, v4(t.src()));
            w.putBe32(Cta.IP_V4_DST, v4(t.dst()));
        } else {
            w.putBytes(Cta.IP_V6_SRC, t.src().getAddress());
            w.putBytes(Cta.IP_V6_DST, t.dst().getAddress());
        }
        w.endNested(ip);
        int proto = w.beginNested(Cta.TUPLE_PROTO);
        w.putU8(Cta.PROTO_NUM, t.l4proto());
        switch (t.l4proto()) {
            case IpProto.ICMP -> {
                w.putU8(Cta.PROTO_ICMP_CODE, t.icmpCode());
                w.putU8(Cta.PROTO_ICMP_TYPE, t.icmpType());
                w.putBe16(Cta.PROTO_ICMP_ID, t.icmpId());
            }
            case IpProto.ICMPV6 -> {
                w.putU8(Cta.PROTO_ICMPV6_CODE, t.icmpCode());
                w.putU8(Cta.PROTO_ICMPV6_TYPE, t.icmpType());
                w.putBe16(Cta.PROTO_ICMPV6_ID, t.icmpId());
            }
            case IpProto.TCP, IpProto.UDP, IpProto.SCTP, IpProto.DCCP, IpProto.UDPLITE, IpProto.GRE -> {
                w.putBe16(Cta.PROTO_SRC_PORT, t.sport());
                w.putBe16(Cta.PROTO_DST_PORT, t.dport());
            }
            default -> { }
        }
        w.endNested(proto);
        w.endNested(outer);
    }

    /**
     * An IPv4 address as a big-endian int: its {@code hashCode()}, which every JDK computes as exactly that (checked once
     * here; otherwise the bytes are read). {@code getAddress()} allocates a copy per call, which C1, the daemon's
     * compiler, does not remove: 25 of the 38 MB the backup's kernel writer allocated in a two-round 25 000-flow
     * migration through the daemons (JFR allocation samples), each young collection a pause of the writer.
     */
    static int v4(InetAddress a) {
        return HASH_IS_ADDRESS ? a.hashCode() : v4(a.getAddress());
    }

    private static final boolean HASH_IS_ADDRESS = hashIsAddress();

    private static boolean hashIsAddress() {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) 201}).hashCode() == 0xc00002c9
                    && InetAddress.getByAddress(new byte[] {10, (byte) 255, 0, 1}).hashCode() == 0x0aff0001;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static int v4(byte[] a) {
        return (a[0] & 0xff) << 24 | (a[1] & 0xff) << 16 | (a[2] & 0xff) << 8 | (a[3] & 0xff);
    }

    private static void zone(NlWriter w, int zone) {
        if (zone != 0) {
            w.putBe16(Cta.ZONE, zone);
        }
    }

    /** The protocol state; {@code tcpFlagsOr} != 0 ORs those flags in (TCP info of zeros when the entry has none). */
    private static void protoinfo(NlWriter w, ConntrackEntry e, int tcpFlagsOr) {
        int state = e.protoState();
        switch (e.l4proto()) {
            case IpProto.TCP -> {
                ConntrackEntry.TcpInfo tcp = e.tcp();
                if (state < 0 && tcp == null && tcpFlagsOr == 0) {
                    return;
                }
                int pi = w.beginNested(Cta.PROTOINFO);
                int t = w.beginNested(Cta.PROTOINFO_TCP);
                if (state >= 0) {
                    w.putU8(Cta.TCP_STATE, state);
                }
                if (tcp != null || tcpFlagsOr != 0) {
                    w.putBe16(Cta.TCP_FLAGS_ORIGINAL, tcpFlags((tcp == null ? 0 : tcp.flagsOriginal()) | tcpFlagsOr));
                    w.putBe16(Cta.TCP_FLAGS_REPLY, tcpFlags((tcp == null ? 0 : tcp.flagsReply()) | tcpFlagsOr));
                    w.putU8(Cta.TCP_WSCALE_ORIGINAL, tcp == null ? 0 : tcp.wscaleOriginal());
                    w.putU8(Cta.TCP_WSCALE_REPLY, tcp == null ? 0 : tcp.wscaleReply());
                }
                w.endNested(t);
                w.endNested(pi);
            }
            case IpProto.SCTP, IpProto.DCCP -> {
                if (state < 0) {
                    return;
                }
                int pi = w.beginNested(Cta.PROTOINFO);
                int p = w.beginNested(e.l4proto() == IpProto.SCTP ? Cta.PROTOINFO_SCTP : Cta.PROTOINFO_DCCP);
                w.putU8(e.l4proto() == IpProto.SCTP ? Cta.SCTP_STATE : Cta.DCCP_STATE, state);
                w.endNested(p);
                w.endNested(pi);
            }
            default -> { }
        }
    }

    /** struct nf_ct_tcp_flags {u8 flags; u8 mask;} as one big-endian 16-bit value: flags first, then the mask. */
    private static int tcpFlags(int flags) {
        return (flags & Cta.TCP_SETTABLE_FLAGS) << 8 | Cta.TCP_SETTABLE_FLAGS;
    }
}
