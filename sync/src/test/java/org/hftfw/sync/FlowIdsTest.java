package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.InetAddress;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

/** The publisher's flow keys: always equal to {@code entry.flowId()}, the same object for the same tuple object. */
class FlowIdsTest {
    private final FlowIds ids = new FlowIds();

    private static Tuple tuple(int port) {
        return Tuple.ports(InetAddress.ofLiteral("10.0.0.1"), InetAddress.ofLiteral("10.0.0.2"), IpProto.TCP, port, 80);
    }

    @Test
    void theSameTupleObjectGetsTheSameKeyAgain() {
        Tuple t = tuple(40000);
        ConntrackEntry syn = ConntrackEntry.builder(t).timeout(120).build();
        ConntrackEntry established = ConntrackEntry.builder(t).timeout(432_000).build();
        assertSame(ids.of(syn), ids.of(established));
        assertEquals(syn.flowId(), ids.of(established));
    }

    @Test
    void anEqualTupleFromElsewhereOrAnotherZoneGetsItsOwnCorrectKey() {
        ConntrackEntry a = ConntrackEntry.builder(tuple(40000)).build();
        ConntrackEntry sameFlowNewTuple = ConntrackEntry.builder(tuple(40000)).build();
        ConntrackEntry otherZone = ConntrackEntry.builder(a.original()).zone(7).build();
        ids.of(a);
        assertEquals(a.flowId(), ids.of(sameFlowNewTuple));
        assertEquals(otherZone.flowId(), ids.of(otherZone));
        assertEquals(7, ids.of(otherZone).zone());
        for (int port = 1; port < 20_000; port++) {          // slot collisions replace keys, never mix them up
            ConntrackEntry e = ConntrackEntry.builder(tuple(port)).build();
            assertEquals(e.flowId(), ids.of(e));
        }
    }
}
