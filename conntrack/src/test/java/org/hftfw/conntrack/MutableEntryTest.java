package org.hftfw.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The flyweight's flow key: the one given while the flow's values stay, a new equal one otherwise. */
class MutableEntryTest {
    private static Tuple tuple(int port) {
        return Tuple.ports(InetAddress.ofLiteral("10.0.0.1"), InetAddress.ofLiteral("10.0.0.2"), IpProto.TCP, port, 80);
    }

    private static MutableEntry entry(Tuple t, int zone) {
        return new MutableEntry().set(t, t.inverted(), 3, 0, 120, 0, zone, 1, 1);
    }

    @Test
    void theGivenKeyIsKeptUntilTheNextSetAndTravelsWithACopy() {
        Tuple t = tuple(40000);
        FlowId key = new FlowId(t, 5);
        MutableEntry e = entry(t, 5).flowId(key);
        assertSame(key, e.flowId());
        assertSame(key, new MutableEntry().copyFrom(e).flowId(), "a copy of the values keeps their key");
        e.set(t, t.inverted(), 3, 0, 60, 0, 5, 1, 1);
        assertNotSame(key, e.flowId(), "set clears it");
        assertEquals(key, e.flowId(), "and the entry builds an equal one");
    }

    @Test
    void aKeyOfAnotherFlowOrZoneIsRefused() {
        MutableEntry e = entry(tuple(40000), 0);
        assertThrows(IllegalArgumentException.class, () -> e.flowId(new FlowId(tuple(40001), 0)));
        assertThrows(IllegalArgumentException.class, () -> e.flowId(new FlowId(tuple(40000), 1)));
        assertEquals(new FlowId(tuple(40000), 0), e.flowId(new FlowId(tuple(40000), 0)).flowId(),
                "an equal tuple from elsewhere is the same flow");
    }
}
