package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

/** The live-flow table: a map by flow, least recently seen evicted first, idle flows expired, evicted ones marked. */
class FlowTableTest {
    private static FlowId id(int i) {
        return new FlowId(Tuple.ports(InetAddress.ofLiteral("10.9." + (i >>> 8 & 0xff) + "." + (i & 0xff)),
                InetAddress.ofLiteral("10.8.0.1"), IpProto.TCP, 1024 + i, 80), 0);
    }

    /** As the replicator stores a new flow: the event's state begins at {@code now}, which is the flow's last event. */
    private static void put(FlowTable t, FlowId id, FlowRecord f, long now) {
        f.start = now;
        t.put(id, f);
    }

    /** As the replicator looks a flow up for an event: a state begins at {@code now}. */
    private static FlowRecord get(FlowTable t, FlowId id, long now) {
        FlowRecord f = t.get(id);
        if (f != null) {
            f.start = now;
        }
        return f;
    }

    /** A record as the replicator makes one: its knowledge-base tuple names the flow with the table's fields. */
    private static FlowRecord record(FlowId id) {
        FlowRecord f = new FlowRecord();
        f.key = KnowledgeBase.probe(id.original());
        return f;
    }

    @Test
    void aFlowIsFoundByAnEqualIdAndForgottenWhenRemoved() {
        FlowTable t = new FlowTable(10, 1_000);
        FlowRecord f = record(id(1));
        put(t, id(1), f, 5);
        assertSame(f, get(t, id(1), 6), "another FlowId object of the same flow");
        assertNull(get(t, id(2), 6));
        assertNull(get(t, new FlowId(id(1).original(), 3), 6), "the zone is part of the key");
        t.remove(id(2));
        t.remove(id(1));
        assertNull(get(t, id(1), 7));
        assertEquals(0, t.size());
        assertFalse(f.gone(), "removed, not evicted");
    }

    @Test
    void theLeastRecentlySeenFlowIsEvictedFirst() {
        FlowTable t = new FlowTable(3, Long.MAX_VALUE);
        FlowRecord[] r = new FlowRecord[5];
        for (int i = 0; i < 3; i++) {
            r[i] = record(id(i));
            put(t, id(i), r[i], i);
        }
        get(t, id(0), 10);                                   // 1 is now the eldest
        r[3] = record(id(3));
        put(t, id(3), r[3], 11);
        assertTrue(r[1].gone());
        assertNull(get(t, id(1), 12));
        FlowRecord again = record(id(2));
        put(t, id(2), again, 13);                            // a put of a known flow replaces it and refreshes it
        r[4] = record(id(4));
        put(t, id(4), r[4], 14);
        assertTrue(r[0].gone(), "0 was seen at 10, 2 at 13");
        assertSame(again, get(t, id(2), 15));
        assertEquals(3, t.size());
        assertEquals(2, t.evictions());
        t.resize(1, Long.MAX_VALUE);
        assertEquals(1, t.size());
        assertSame(again, get(t, id(2), 16), "the most recently seen stays");
        assertTrue(r[3].gone() && r[4].gone());
    }

    @Test
    void idleFlowsExpire() {
        FlowTable t = new FlowTable(100, 50);
        FlowRecord a = record(id(1));
        FlowRecord b = record(id(2));
        put(t, id(1), a, 0);
        put(t, id(2), b, 30);
        t.expire(49);
        assertEquals(2, t.size());
        t.expire(50);
        assertTrue(a.gone());
        assertFalse(b.gone());
        get(t, id(2), 90);
        t.expire(139);
        assertFalse(b.gone(), "seen at 90");
        t.expire(140);
        assertTrue(b.gone());
        assertEquals(0, t.size());
        assertEquals(2, t.evictions());
    }

    @Test
    void manyFlowsGrowTheTableAndFreedSlotsAreReused() {
        FlowTable t = new FlowTable(100_000, Long.MAX_VALUE);
        FlowRecord[] r = new FlowRecord[20_000];
        for (int i = 0; i < r.length; i++) {
            r[i] = record(id(i));
            put(t, id(i), r[i], i);
        }
        for (int i = 0; i < r.length; i += 2) {
            t.remove(id(i));
        }
        for (int i = 0; i < r.length; i += 2) {
            r[i] = record(id(i));
            put(t, id(i), r[i], 100_000 + i);
        }
        for (int i = 0; i < r.length; i++) {
            assertSame(r[i], get(t, id(i), 200_000), "flow " + i);
        }
        assertEquals(r.length, t.size());
        t.resize(10, Long.MAX_VALUE);
        assertEquals(10, t.size());
        assertSame(r[r.length - 1], get(t, id(r.length - 1), 300_000), "seen last by the get loop above");
    }

    /** Flows that differ in one field only (ports, ICMP fields, zone, protocol, addresses, family) are apart. */
    @Test
    void everyFieldOfTheFlowIdNamesTheFlow() {
        InetAddress a = InetAddress.ofLiteral("10.1.0.1");
        InetAddress b = InetAddress.ofLiteral("10.1.0.2");
        InetAddress a6 = InetAddress.ofLiteral("2001:db8::1");
        InetAddress b6 = InetAddress.ofLiteral("2001:db8::2");
        List<FlowId> ids = List.of(
                new FlowId(Tuple.ports(a, b, IpProto.TCP, 1000, 80), 0),
                new FlowId(Tuple.ports(a, b, IpProto.TCP, 1001, 80), 0),
                new FlowId(Tuple.ports(a, b, IpProto.TCP, 1000, 81), 0),
                new FlowId(Tuple.ports(a, b, IpProto.UDP, 1000, 80), 0),
                new FlowId(Tuple.ports(b, a, IpProto.TCP, 1000, 80), 0),
                new FlowId(Tuple.ports(a, b, IpProto.TCP, 1000, 80), 7),
                new FlowId(Tuple.icmp(a, b, IpProto.ICMP, 8, 0, 1), 0),
                new FlowId(Tuple.icmp(a, b, IpProto.ICMP, 8, 0, 2), 0),
                new FlowId(Tuple.icmp(a, b, IpProto.ICMP, 200, 0, 1), 0),
                new FlowId(Tuple.icmp(a, b, IpProto.ICMP, 8, 3, 1), 0),
                new FlowId(Tuple.ports(a6, b6, IpProto.TCP, 1000, 80), 0),
                new FlowId(Tuple.ports(b6, a6, IpProto.TCP, 1000, 80), 0),
                new FlowId(Tuple.ports(a6, b6, IpProto.TCP, 1000, 80), 7));
        FlowTable t = new FlowTable(100, Long.MAX_VALUE);
        List<FlowRecord> records = new ArrayList<>();
        for (FlowId id : ids) {
            FlowRecord f = record(id);
            records.add(f);
            put(t, id, f, 1);
        }
        assertEquals(ids.size(), t.size());
        for (int i = 0; i < ids.size(); i++) {
            FlowId copy = new FlowId(new Tuple(InetAddress.ofLiteral(ids.get(i).original().src().getHostAddress()),
                    ids.get(i).original().dst(), ids.get(i).original().l4proto(), ids.get(i).original().sport(),
                    ids.get(i).original().dport(), ids.get(i).original().icmpType(),
                    ids.get(i).original().icmpCode(), ids.get(i).original().icmpId()), ids.get(i).zone());
            assertSame(records.get(i), get(t, copy, 2), ids.get(i).toString());
        }
        for (int i = 0; i < ids.size(); i += 2) {
            t.remove(ids.get(i));
        }
        for (int i = 0; i < ids.size(); i++) {
            assertEquals(i % 2 == 0 ? null : records.get(i), get(t, ids.get(i), 3), ids.get(i).toString());
        }
    }

    @Test
    void aRecordWhoseTupleIsNotTheFlowsIsRefused() {
        FlowTable t = new FlowTable(10, 1_000);
        assertThrows(IllegalArgumentException.class, () -> t.put(id(1), new FlowRecord()), "no tuple");
        assertThrows(IllegalArgumentException.class, () -> t.put(id(1), record(id(2))), "another flow's");
        assertEquals(0, t.size());
    }
}
