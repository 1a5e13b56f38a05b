package org.hftfw.conntrack;

/**
 * Layer-4 protocol numbers as the kernel reports them (IANA protocol numbers) and the names
 * {@code conntrack -L} prints for them.
 */
public final class IpProto {
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int DCCP = 33;
    public static final int GRE = 47;
    public static final int ICMPV6 = 58;
    public static final int SCTP = 132;
    public static final int UDPLITE = 136;

    private IpProto() {}

    /** The name {@code conntrack -L} prints ("tcp", "icmpv6", ...) or "unknown". */
    public static String name(int proto) {
        return switch (proto) {
            case ICMP -> "icmp";
            case TCP -> "tcp";
            case UDP -> "udp";
            case DCCP -> "dccp";
            case GRE -> "gre";
            case ICMPV6 -> "icmpv6";
            case SCTP -> "sctp";
            case UDPLITE -> "udplite";
            default -> "unknown";
        };
    }

    /** Parses a protocol name or number as accepted by {@code conntrack -p}; -1 if unknown. */
    public static int parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "icmp" -> ICMP;
            case "tcp" -> TCP;
            case "udp" -> UDP;
            case "dccp" -> DCCP;
            case "gre" -> GRE;
            case "icmpv6", "ipv6-icmp" -> ICMPV6;
            case "sctp" -> SCTP;
            case "udplite" -> UDPLITE;
            default -> {
                try {
                    int n = Integer.parseInt(s);
                    yield n >= 0 && n <= 255 ? n : -1;
                } catch (NumberFormatException e) {
                    yield -1;
                }
            }
        };
    }

    /** True for protocols whose tuple carries source and destination ports. */
    public static boolean hasPorts(int proto) {
        return proto == TCP || proto == UDP || proto == DCCP || proto == SCTP || proto == UDPLITE;
    }

    /** True for ICMP and ICMPv6, whose tuple carries type, code and id instead of ports. */
    public static boolean isIcmp(int proto) {
        return proto == ICMP || proto == ICMPV6;
    }
}
