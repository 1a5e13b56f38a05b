package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

/** The TCP state list (conntrackd's State Accept): changes to other states are held back, DESTROY never is. */
class FlowFilterTest {
    private static ConntrackEntry tcp(TcpState s) {
        return ConntrackEntry.builder(Tuple.ports(InetAddress.ofLiteral("10.1.0.1"), InetAddress.ofLiteral("10.2.0.1"),
                IpProto.TCP, 4000, 80)).tcpState(s).build();
    }

    private static ConntrackEvent ev(EventType t, ConntrackEntry e) {
        return new ConntrackEvent(t, e, 0, 0);
    }

    @Test
    void tcpStateListFiltersNewAndUpdateButNotDestroy() {
        FlowFilter f = new FlowFilter(List.of(), Set.of(), Set.of(TcpState.ESTABLISHED, TcpState.TIME_WAIT));
        assertFalse(f.accepts(ev(EventType.NEW, tcp(TcpState.SYN_SENT))));
        assertFalse(f.accepts(ev(EventType.UPDATE, tcp(TcpState.SYN_RECV))));
        assertTrue(f.accepts(ev(EventType.UPDATE, tcp(TcpState.ESTABLISHED))));
        assertFalse(f.accepts(ev(EventType.UPDATE, tcp(TcpState.FIN_WAIT))));
        assertTrue(f.accepts(ev(EventType.DESTROY, tcp(TcpState.FIN_WAIT))), "a flow that ends leaves the backup");
        assertEquals(3, f.ignoredByState());
        assertFalse(f.admits(tcp(TcpState.SYN_SENT)), "a bulk send holds back the same states");
        assertTrue(f.admits(tcp(TcpState.TIME_WAIT)));
        ConntrackEntry udp = ConntrackEntry.builder(Tuple.ports(InetAddress.ofLiteral("10.1.0.1"),
                InetAddress.ofLiteral("10.2.0.1"), IpProto.UDP, 53, 53)).build();
        assertTrue(f.accepts(ev(EventType.NEW, udp)), "the list is of TCP states only");
        FlowFilter all = new FlowFilter(List.of(), Set.of());
        assertTrue(all.accepts(ev(EventType.NEW, tcp(TcpState.SYN_SENT))), "no list: every state");
    }

    private static ConntrackEntry between(String src, String dst) {
        return ConntrackEntry.builder(Tuple.ports(InetAddress.ofLiteral(src), InetAddress.ofLiteral(dst), IpProto.TCP,
                4000, 80)).tcpState(TcpState.ESTABLISHED).build();
    }

    /** Address Accept: a flow is replicated if its source or its reply's source is listed; the ignore list still applies. */
    @Test
    void anAcceptListReplicatesOnlyFlowsOfItsAddresses() {
        FlowFilter f = new FlowFilter(List.of(Cidr.parse("10.1.0.0/16"), Cidr.parse("2001:db8::/32")),
                List.of(Cidr.parse("10.1.9.0/24")), Set.of(), Set.of());
        assertTrue(f.accepts(ev(EventType.NEW, between("10.1.0.1", "10.2.0.1"))), "source listed");
        assertTrue(f.accepts(ev(EventType.NEW, between("10.3.0.1", "10.1.0.7"))), "reply source (destination) listed");
        assertFalse(f.accepts(ev(EventType.NEW, between("10.3.0.1", "10.4.0.1"))), "neither listed");
        assertFalse(f.accepts(ev(EventType.NEW, between("10.1.9.1", "10.4.0.1"))), "listed, but ignored");
        assertTrue(f.accepts(ev(EventType.NEW, between("2001:db8::1", "2001:db9::1"))));
        assertFalse(f.accepts(ev(EventType.NEW, between("2001:db9::1", "2001:dba::1"))));
        assertEquals(3, f.ignoredByAddress());
        assertFalse(f.admits(between("10.3.0.1", "10.4.0.1")), "a bulk send holds back the same flows");
    }
}
