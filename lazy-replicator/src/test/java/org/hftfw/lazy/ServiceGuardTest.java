package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

class ServiceGuardTest {
    private static final int UNREPLIED = 0;
    private static final int FIN_WAIT = 3;

    private static Tuple udp(String src, String dst, int dport) throws Exception {
        return Tuple.ports(InetAddress.getByName(src), InetAddress.getByName(dst), IpProto.UDP, 40000, dport);
    }

    @Test
    void aServiceIsKeyedByServerProtocolAndPortWhateverTheClient() throws Exception {
        long statsd = KnowledgeBase.probe(udp("10.0.0.1", "172.16.0.1", 8125)).serviceKey();
        assertEquals(statsd, KnowledgeBase.probe(udp("10.0.9.9", "172.16.0.1", 8125)).serviceKey());
        assertNotEquals(statsd, KnowledgeBase.probe(udp("10.0.0.1", "172.16.0.1", 4500)).serviceKey());
        assertNotEquals(statsd, KnowledgeBase.probe(udp("10.0.0.1", "172.16.0.2", 8125)).serviceKey());
        long v6 = KnowledgeBase.probe(udp("2001:db8::1", "2001:db8::80", 8125)).serviceKey();
        assertEquals(v6, KnowledgeBase.probe(udp("2001:db8::2", "2001:db8::80", 8125)).serviceKey());
        assertNotEquals(0, statsd);
        assertNotEquals(0, v6);
    }

    @Test
    void aStateHeldAndMostlyStableThereIsNoLongerHeldForThatServiceOnly() {
        ServiceGuard g = new ServiceGuard();
        g.record(1, UNREPLIED, true);
        g.record(1, UNREPLIED, true);
        assertFalse(g.vetoes(1, UNREPLIED), "two stable ones are not yet enough");
        g.record(1, UNREPLIED, true);
        assertTrue(g.vetoes(1, UNREPLIED), "3 of 3 held were stable");
        assertFalse(g.vetoes(1, FIN_WAIT), "another state of the service");
        assertFalse(g.vetoes(2, UNREPLIED), "another service");
        assertEquals(1, g.vetoes());
    }

    @Test
    void holdsStableWithinABarriersShareAreNotVetoed() {
        ServiceGuard g = new ServiceGuard();
        for (int i = 0; i < 600; i++) {
            g.record(7, FIN_WAIT, i % 8 == 0);   // 12.5 % stable, over the counters' halving at 255
        }
        assertFalse(g.vetoes(7, FIN_WAIT));
        for (int i = 0; i < 6; i++) {
            g.record(8, FIN_WAIT, i % 2 == 1);   // 3 of 6, the first held not stable: never more than half
        }
        assertFalse(g.vetoes(8, FIN_WAIT));
        g.record(8, FIN_WAIT, true);
        assertTrue(g.vetoes(8, FIN_WAIT), "4 of 7");
    }

    @Test
    void aFullTableStartsAfresh() {
        ServiceGuard g = new ServiceGuard();
        for (int i = 0; i < 3; i++) {
            g.record(1, UNREPLIED, true);
        }
        assertTrue(g.vetoes(1, UNREPLIED));
        for (long s = 2; s < 2 + ServiceGuard.CAPACITY; s++) {
            g.record(s, FIN_WAIT, false);
        }
        assertFalse(g.vetoes(1, UNREPLIED), "forgotten when the table filled");
    }
}
