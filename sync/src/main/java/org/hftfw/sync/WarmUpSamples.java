package org.hftfw.sync;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;

/** Flows to warm the sender up on when the table is empty at start: TEST-NET-1 addresses, never sent. */
final class WarmUpSamples {
    private WarmUpSamples() {}

    static List<ConntrackEntry> flows(int n) {
        List<ConntrackEntry> out = new ArrayList<>(n);
        InetAddress dst = InetAddress.ofLiteral("192.0.2.1");
        for (int i = 0; i < n; i++) {
            InetAddress src = InetAddress.ofLiteral("192.0.2." + (2 + i % 250));
            out.add(ConntrackEntry.builder(Tuple.ports(src, dst, IpProto.TCP, 1024 + i, 443))
                    .tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED).timeout(600).build());
        }
        return out;
    }
}
