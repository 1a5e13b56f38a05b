package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** Entries for tests: addresses only from 10.2xx.x.x and fd00:: ranges. */
final class Entries {
    private Entries() {}

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    static ConntrackEntry tcpEstablished(String src, String dst, int sport, int dport, long timeout, long mark) {
        return ConntrackEntry.builder(Tuple.ports(ip(src), ip(dst), IpProto.TCP, sport, dport))
                .tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED).timeout(timeout).mark(mark)
                .build();
    }

    static ConntrackEntry udp(String src, String dst, int sport, int dport, long timeout) {
        return ConntrackEntry.builder(Tuple.ports(ip(src), ip(dst), IpProto.UDP, sport, dport)).timeout(timeout).build();
    }

    static ConntrackEntry icmpEcho(String src, String dst, int id, long timeout) {
        int proto = src.contains(":") ? IpProto.ICMPV6 : IpProto.ICMP;
        int type = proto == IpProto.ICMP ? 8 : 128;
        return ConntrackEntry.builder(Tuple.icmp(ip(src), ip(dst), proto, type, 0, id)).timeout(timeout).build();
    }

    /** {@code n} established TCP entries 10.210.x.y:port -> 10.220.0.10:80 (IPv6 every {@code v6Every}-th if > 0). */
    static List<ConntrackEntry> many(int n, int v6Every) {
        List<ConntrackEntry> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int port = 10000 + i % 50000;
            int host = 1 + i / 50000;
            if (v6Every > 0 && i % v6Every == 0) {
                list.add(tcpEstablished("fd00:210::" + Integer.toHexString(host), "fd00:220::10", port, 80, 600, 0));
            } else {
                list.add(tcpEstablished("10.210.0." + host, "10.220.0.10", port, 80, 600, 0));
            }
        }
        return list;
    }
}
