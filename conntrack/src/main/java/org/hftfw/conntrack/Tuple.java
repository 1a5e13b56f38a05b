package org.hftfw.conntrack;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One direction of a connection as conntrack sees it (CTA_TUPLE_ORIG or CTA_TUPLE_REPLY).
 * Port protocols (TCP, UDP, SCTP, DCCP, UDP-Lite) use {@code sport}/{@code dport}; ICMP and ICMPv6 use
 * {@code icmpType}/{@code icmpCode}/{@code icmpId}; unused fields are 0. Ports and ids are host-order
 * unsigned 16-bit values.
 */
public record Tuple(InetAddress src, InetAddress dst, int l4proto, int sport, int dport,
                    int icmpType, int icmpCode, int icmpId) {

    public Tuple {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        if ((src instanceof Inet4Address) != (dst instanceof Inet4Address)) {
            throw new IllegalArgumentException("src and dst must be of the same address family: " + src + " " + dst);
        }
        checkRange("l4proto", l4proto, 255);
        checkRange("sport", sport, 0xffff);
        checkRange("dport", dport, 0xffff);
        checkRange("icmpType", icmpType, 255);
        checkRange("icmpCode", icmpCode, 255);
        checkRange("icmpId", icmpId, 0xffff);
    }

    private static void checkRange(String name, int v, int max) {
        if (v < 0 || v > max) {
            throw new IllegalArgumentException(name + " out of range: " + v);
        }
    }

    /** A tuple of a port protocol (TCP, UDP, SCTP, DCCP, UDP-Lite). */
    public static Tuple ports(InetAddress src, InetAddress dst, int l4proto, int sport, int dport) {
        return new Tuple(src, dst, l4proto, sport, dport, 0, 0, 0);
    }

    /** An ICMP or ICMPv6 tuple. */
    public static Tuple icmp(InetAddress src, InetAddress dst, int l4proto, int type, int code, int id) {
        return new Tuple(src, dst, l4proto, 0, 0, type, code, id);
    }

    public boolean isIpv4() {
        return src instanceof Inet4Address;
    }

    /** The L3 family as the kernel numbers it: AF_INET 2 or AF_INET6 10. */
    public int family() {
        return isIpv4() ? 2 : 10;
    }

    /**
     * The tuple with source and destination swapped, i.e. the reply tuple of an un-NATed flow. ICMP echo
     * request/reply, timestamp, info and address-mask types are mapped to their counterpart as the kernel does.
     */
    public Tuple inverted() {
        if (IpProto.isIcmp(l4proto)) {
            return icmp(/* src= */ dst, /* dst= */ src, l4proto, IcmpTypes.invert(l4proto, icmpType), icmpCode, icmpId);
        }
        return new Tuple(/* src= */ dst, /* dst= */ src, l4proto, /* sport= */ dport, /* dport= */ sport, 0, 0, 0);
    }

    /**
     * Whether this tuple equals {@code t.inverted()}, without building it (the per-event NAT check: issue 14 item 4,
     * no allocation per event).
     */
    public boolean isInverseOf(Tuple t) {
        if (l4proto != t.l4proto || !src.equals(t.dst) || !dst.equals(t.src)) {
            return false;
        }
        if (IpProto.isIcmp(l4proto)) {
            return sport == 0 && dport == 0 && icmpType == IcmpTypes.invert(l4proto, t.icmpType)
                    && icmpCode == t.icmpCode && icmpId == t.icmpId;
        }
        return sport == t.dport && dport == t.sport && icmpType == 0 && icmpCode == 0 && icmpId == 0;
    }

    // equals and hashCode are written out: a record's generated ones are method-handle chains (ObjectMethods) that
    // C1, the daemon's only compiler (conf/daemon.jvm), does not inline; every flow-indexed map pays them per lookup
    // (about a tenth of the FT-FW event loops' samples in a 25 000-flow migration through the daemons)
    @Override
    public boolean equals(Object o) {
        return o instanceof Tuple t && sport == t.sport && dport == t.dport && l4proto == t.l4proto
                && icmpId == t.icmpId && icmpType == t.icmpType && icmpCode == t.icmpCode && src.equals(t.src)
                && dst.equals(t.dst);
    }

    // The sum alone is a poor hash: a product carries bits upward only, so the ports (shifted into the high half)
    // never reach its low 16 bits, and a hash map indexes by the low bits (with the high half folded in once): the
    // migration bench's million flows (20 sources x 50 000 ports to one server) fell into 65 536 of a 2 097 152-bin
    // table, 12-20 flows per bin, every bin a tree (the backup's external cache and pending writes, session 10).
    // murmur3's finalizer (fmix32) spreads every input bit over the whole word: 795 654 bins, at most 7 per bin.
    @Override
    public int hashCode() {
        int h = 31 * src.hashCode() + dst.hashCode();
        h = 31 * h + (sport << 16 | dport);
        h = 31 * h + l4proto;
        h = 31 * h + (icmpType << 24 | icmpCode << 16 | icmpId);
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        return h ^ h >>> 16;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(IpProto.name(l4proto)).append(' ').append("src=").append(src.getHostAddress())
                .append(" dst=").append(dst.getHostAddress());
        if (IpProto.isIcmp(l4proto)) {
            sb.append(" type=").append(icmpType).append(" code=").append(icmpCode).append(" id=").append(icmpId);
        } else if (IpProto.hasPorts(l4proto)) {
            sb.append(" sport=").append(sport).append(" dport=").append(dport);
        }
        return sb.toString();
    }
}
