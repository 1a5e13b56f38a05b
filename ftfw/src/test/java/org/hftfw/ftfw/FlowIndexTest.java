package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

/** The FT-FW engine's flow index: a map from flow id to queue node, checked against a {@code HashMap}. */
class FlowIndexTest {
    private final FlowIndex index = new FlowIndex();

    private static FlowId flow(int n) {
        InetAddress src = InetAddress.ofLiteral("10.0." + (n >> 8 & 0xff) + "." + (n & 0xff));
        return new FlowId(Tuple.ports(src, InetAddress.ofLiteral("192.0.2.1"), IpProto.TCP, 1024 + (n >> 16), 443), 0);
    }

    private static NodeQueue.Node node() {
        return new NodeQueue.Node(null);
    }

    @Test
    void findsWhatWasPutAndNothingElse() {
        FlowId a = flow(1);
        NodeQueue.Node n = node();
        index.put(a, FlowIndex.hash(a), n);
        assertSame(n, index.get(a, FlowIndex.hash(a)));
        assertNull(index.get(flow(2), FlowIndex.hash(flow(2))));
        assertEquals(1, index.size());
        NodeQueue.Node m = node();
        index.put(a, FlowIndex.hash(a), m);                 // replaces
        assertSame(m, index.get(a, FlowIndex.hash(a)));
        assertEquals(1, index.size());
        assertTrue(index.remove(a, FlowIndex.hash(a)));
        assertFalse(index.remove(a, FlowIndex.hash(a)));
        assertNull(index.get(a, FlowIndex.hash(a)));
        assertEquals(0, index.size());
    }

    @Test
    void anEqualKeyObjectFindsTheNodeAndReplacesTheKept() {
        FlowId first = flow(7);
        FlowId later = flow(7);                              // equal, another object (the decoder made it anew)
        NodeQueue.Node n = node();
        index.put(first, FlowIndex.hash(first), n);
        assertSame(n, index.get(later, FlowIndex.hash(later)));
        assertSame(n, index.get(first, FlowIndex.hash(first)));
        assertTrue(index.remove(later, FlowIndex.hash(later)));
        assertEquals(0, index.size());
    }

    @Test
    void keysOfOneHashShareAProbeRunAndSurviveRemovalsFromItsMiddle() {
        // one hash for all: each key is found only by comparing keys, and a removal shifts the run back
        int hash = -1;                                       // home: the last cell, so the run wraps around
        FlowId[] ids = new FlowId[10];
        NodeQueue.Node[] nodes = new NodeQueue.Node[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = flow(i);
            nodes[i] = node();
            index.put(ids[i], hash, nodes[i]);
        }
        for (int i = 1; i < ids.length; i += 3) {
            assertTrue(index.remove(ids[i], hash));
        }
        for (int i = 0; i < ids.length; i++) {
            if (i % 3 == 1) {
                assertNull(index.get(ids[i], hash));
            } else {
                assertSame(nodes[i], index.get(ids[i], hash));
            }
        }
        // a key of another hash whose home is inside the run is found too, before and after the run shrinks
        FlowId other = flow(100);
        NodeQueue.Node o = node();
        index.put(other, 0, o);
        assertTrue(index.remove(ids[0], hash));
        assertSame(o, index.get(other, 0));
        assertSame(nodes[2], index.get(ids[2], hash));
    }

    @Test
    void growsByHalfAndKeepsEveryFlow() {
        int flows = 20_000;
        NodeQueue.Node[] nodes = new NodeQueue.Node[flows];
        for (int i = 0; i < flows; i++) {
            nodes[i] = node();
            index.put(flow(i), FlowIndex.hash(flow(i)), nodes[i]);
        }
        assertEquals(flows, index.size());
        assertTrue(index.cells() * 3 >= flows * 4, "load at most 3/4: " + index.cells());
        assertTrue(index.cells() <= flows * 2, "grown by half, not doubled past need: " + index.cells());
        for (int i = 0; i < flows; i++) {
            assertSame(nodes[i], index.get(flow(i), FlowIndex.hash(flow(i))));
        }
    }

    @Test
    void isMadeAnewOnceEmptyAfterManyRemovals() {
        int flows = FlowIndex.REMADE_AFTER;
        for (int i = 0; i < flows; i++) {
            index.put(flow(i), FlowIndex.hash(flow(i)), node());
        }
        int grown = index.cells();
        for (int i = 0; i < flows - 1; i++) {
            index.remove(flow(i), FlowIndex.hash(flow(i)));
        }
        assertEquals(grown, index.cells(), "kept while flows are in flight");
        index.remove(flow(flows - 1), FlowIndex.hash(flow(flows - 1)));
        assertTrue(index.cells() < grown, "made anew once empty: " + index.cells());
        index.put(flow(1), FlowIndex.hash(flow(1)), node());
        assertEquals(1, index.size());
    }

    @Test
    void agreesWithAHashMapUnderRandomChurnWithFewHashes() {
        SplittableRandom r = new SplittableRandom(14);
        Map<Integer, NodeQueue.Node> model = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            int n = r.nextInt(3000);
            FlowId id = flow(n);                            // a new key object each time, as after a tuple eviction
            int hash = n % 97;                              // many keys per hash: long probe runs, collisions
            switch (r.nextInt(3)) {
                case 0 -> {
                    NodeQueue.Node node = node();
                    index.put(id, hash, node);
                    model.put(n, node);
                }
                case 1 -> assertEquals(model.remove(n) != null, index.remove(id, hash));
                default -> assertSame(model.get(n), index.get(id, hash));
            }
            assertEquals(model.size(), index.size());
        }
        for (Map.Entry<Integer, NodeQueue.Node> e : model.entrySet()) {
            assertSame(e.getValue(), index.get(flow(e.getKey()), e.getKey() % 97));
        }
    }
}
