package org.hftfw.conntrack;

/** ICMP/ICMPv6 request↔reply type pairs, as the kernel's invert_tuple uses them. */
final class IcmpTypes {
    private IcmpTypes() {}

    static int invert(int l4proto, int type) {
        if (l4proto == IpProto.ICMP) {
            return switch (type) {
                case 8 -> 0; case 0 -> 8;      // echo
                case 13 -> 14; case 14 -> 13;  // timestamp
                case 15 -> 16; case 16 -> 15;  // info
                case 17 -> 18; case 18 -> 17;  // address mask
                default -> type;
            };
        }
        return switch (type) {
            case 128 -> 129; case 129 -> 128;  // echo
            case 139 -> 140; case 140 -> 139;  // node information
            default -> type;
        };
    }
}
