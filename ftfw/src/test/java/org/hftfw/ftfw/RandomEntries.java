package org.hftfw.ftfw;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Random;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;

/** Random valid conntrack entries (as a kernel would report them) for property and channel tests. */
final class RandomEntries {
    private static final int[] PROTOS = {IpProto.TCP, IpProto.UDP, IpProto.ICMP, IpProto.SCTP, IpProto.DCCP,
        IpProto.GRE, IpProto.UDPLITE};

    private final Random rnd;

    RandomEntries(long seed) {
        rnd = new Random(seed);
    }

    Random random() {
        return rnd;
    }

    static InetAddress v4(int a) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    InetAddress addr(boolean v4) {
        byte[] b = new byte[v4 ? 4 : 16];
        rnd.nextBytes(b);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A simple TCP v4 flow number {@code i}: 10.x.y.z:(1024+i%60000) -> 10.200.0.1:80. */
    static ConntrackEntry tcpFlow(int i, long timeout) {
        Tuple t = Tuple.ports(v4(0x0a000000 | (i & 0xffffff)), v4(0x0ac80001), IpProto.TCP, 1024 + (i % 60000), 80);
        return ConntrackEntry.builder(t).protoState(3).status(Status.SEEN_REPLY | Status.ASSURED | Status.CONFIRMED)
                .timeout(timeout).build();
    }

    /** A random entry whose every field survives an encode/decode round trip. */
    FlowState next() {
        boolean v4 = rnd.nextBoolean();
        int proto = PROTOS[rnd.nextInt(PROTOS.length)];
        if (proto == IpProto.ICMP && !v4) {
            proto = IpProto.ICMPV6;
        }
        InetAddress s = addr(v4);
        InetAddress d = addr(v4);
        Tuple orig;
        if (IpProto.isIcmp(proto)) {
            int type = proto == IpProto.ICMP ? new int[] {0, 8, 13, 3}[rnd.nextInt(4)] : new int[] {128, 129, 1}[rnd.nextInt(3)];
            orig = Tuple.icmp(s, d, proto, type, rnd.nextInt(256), rnd.nextInt(65536));
        } else if (IpProto.hasPorts(proto)) {
            orig = Tuple.ports(s, d, proto, rnd.nextInt(65536), rnd.nextInt(65536));
        } else {
            orig = Tuple.ports(s, d, proto, 0, 0);
        }
        long status = rnd.nextLong() & 0x7fff & ~(Status.SRC_NAT_DONE | Status.DST_NAT_DONE);
        Tuple inv = orig.inverted();
        InetAddress rs = inv.src();
        InetAddress rd = inv.dst();
        int rsp = inv.sport();
        int rdp = inv.dport();
        if (rnd.nextInt(4) == 0) {
            status |= Status.SRC_NAT_DONE;
            if (rnd.nextBoolean()) {
                rd = addr(v4);
                status |= Status.SRC_NAT;
            }
            if (IpProto.hasPorts(proto) && rnd.nextBoolean()) {
                rdp = rnd.nextInt(65536);
                status |= Status.SRC_NAT;
            }
        }
        if (rnd.nextInt(4) == 0) {
            status |= Status.DST_NAT_DONE;
            if (rnd.nextBoolean()) {
                rs = addr(v4);
                status |= Status.DST_NAT;
            }
            if (IpProto.hasPorts(proto) && rnd.nextBoolean()) {
                rsp = rnd.nextInt(65536);
                status |= Status.DST_NAT;
            }
        }
        Tuple reply = new Tuple(rs, rd, proto, rsp, rdp, inv.icmpType(), inv.icmpCode(), inv.icmpId());
        int ps = -1;
        if ((proto == IpProto.TCP || proto == IpProto.SCTP || proto == IpProto.DCCP) && rnd.nextInt(5) != 0) {
            ps = rnd.nextInt(10);
        }
        ConntrackEntry.Builder b = ConntrackEntry.builder(orig).reply(reply).protoState(ps).status(status)
                .timeout(rnd.nextInt(5) == 0 ? -1 : rnd.nextLong() & 0xffffffffL)
                .mark(rnd.nextBoolean() ? 0 : rnd.nextLong() & 0xffffffffL)
                .zone(rnd.nextInt(3) == 0 ? rnd.nextInt(65536) : 0);
        if (rnd.nextInt(5) == 0) {
            b.helper(new String[] {"ftp", "sip", "tftp", "irc", "amanda", "pptp", "h323-ras"}[rnd.nextInt(7)]);
        }
        FlowExtras.NatSeqAdj nsa = rnd.nextInt(6) == 0 ? new FlowExtras.NatSeqAdj(u32(), u32(), u32(), u32(), u32(), u32()) : null;
        FlowExtras.Synproxy sp = rnd.nextInt(3) == 0 ? new FlowExtras.Synproxy(u32(), u32(), u32()) : null;
        FlowExtras.Labels labels = null;
        if (rnd.nextInt(6) == 0) {
            int[] w = new int[1 + rnd.nextInt(4)];
            w[rnd.nextInt(w.length)] = rnd.nextInt() | 1;
            labels = new FlowExtras.Labels(w);
        }
        Tuple master = null;
        if (rnd.nextInt(8) == 0) {
            boolean mv4 = v4;
            master = Tuple.ports(addr(mv4), addr(mv4), IpProto.TCP, rnd.nextInt(65536), 21);
        }
        long vo = proto == IpProto.SCTP && ps >= 0 ? u32() : 0;
        long vr = proto == IpProto.SCTP && ps >= 0 ? u32() : 0;
        int role = proto == IpProto.DCCP && ps >= 0 ? rnd.nextInt(256) : 0;
        FlowExtras x = master == null && nsa == null && sp == null && labels == null && vo == 0 && vr == 0 && role == 0
                ? FlowExtras.NONE : new FlowExtras(master, nsa, vo, vr, role, labels, sp);
        return new FlowState(b.build(), x);
    }

    private long u32() {
        return rnd.nextLong() & 0xffffffffL;
    }

    record FlowState(ConntrackEntry entry, FlowExtras extras) {}
}
