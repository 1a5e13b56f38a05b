package org.hftfw.conntrack;

import java.net.InetAddress;

/**
 * The lazy replicator's knowledge-base key Qr = [src address, dst address, dst port] (hFT-FW paper,
 * "Reactive: Bayes-based lazy replication"), plus the L4 protocol so that TCP/80 and UDP/80 stay apart.
 * For ICMP the "port" is the ICMP type of the original direction.
 */
public record FlowKey(InetAddress src, InetAddress dst, int l4proto, int dport) {

    public static FlowKey of(Tuple original) {
        int port = IpProto.isIcmp(original.l4proto()) ? original.icmpType() : original.dport();
        return new FlowKey(original.src(), original.dst(), original.l4proto(), port);
    }

    @Override
    public String toString() {
        return "[" + src.getHostAddress() + ", " + dst.getHostAddress() + ", " + IpProto.name(l4proto) + "/" + dport + "]";
    }
}
