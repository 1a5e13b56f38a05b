package org.hftfw.conntrack.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

/** The decoder's tuple and address cache: a hit is the same object, a miss or a collision never a wrong value. */
class TupleCacheTest {
    private final TupleCache cache = new TupleCache(TupleCache.EVENT_SLOTS);

    private static int v4(String literal) {
        byte[] b = InetAddress.ofLiteral(literal).getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    @Test
    void theSameValuesGiveTheSameTuple() {
        Tuple a = cache.v4(v4("10.0.0.1"), v4("10.0.0.2"), IpProto.TCP, 40000, 443, 0, 0, 0);
        Tuple b = cache.v4(v4("10.0.0.1"), v4("10.0.0.2"), IpProto.TCP, 40000, 443, 0, 0, 0);
        assertSame(a, b);
        assertEquals(Tuple.ports(InetAddress.ofLiteral("10.0.0.1"), InetAddress.ofLiteral("10.0.0.2"), IpProto.TCP,
                40000, 443), a);
        Tuple reply = cache.v4(v4("10.0.0.2"), v4("10.0.0.1"), IpProto.TCP, 443, 40000, 0, 0, 0);
        assertEquals(a.inverted(), reply);
        assertSame(a.src(), reply.dst(), "addresses are shared between tuples");
    }

    @Test
    void aReplyThatInvertsTheOriginalIsItsCachedInverse() {
        Tuple orig = cache.v4(v4("10.0.0.1"), v4("10.0.0.2"), IpProto.TCP, 40000, 443, 0, 0, 0);
        Tuple reply = cache.v4Reply(v4("10.0.0.2"), v4("10.0.0.1"), IpProto.TCP, 443, 40000, 0, 0, 0);
        assertEquals(orig.inverted(), reply);
        assertSame(orig, cache.v4(v4("10.0.0.1"), v4("10.0.0.2"), IpProto.TCP, 40000, 443, 0, 0, 0));
        assertSame(reply, cache.v4Reply(v4("10.0.0.2"), v4("10.0.0.1"), IpProto.TCP, 443, 40000, 0, 0, 0),
                "the next event of the flow: the same object");
        Tuple natted = cache.v4Reply(v4("10.0.0.9"), v4("10.0.0.1"), IpProto.TCP, 443, 40000, 0, 0, 0);
        assertEquals(Tuple.ports(InetAddress.ofLiteral("10.0.0.9"), InetAddress.ofLiteral("10.0.0.1"), IpProto.TCP,
                443, 40000), natted, "NAT: the reply's own values");
        Tuple ping = cache.v4(v4("10.0.0.1"), v4("10.0.0.2"), IpProto.ICMP, 0, 0, 8, 0, 7);
        assertEquals(ping.inverted(), cache.v4Reply(v4("10.0.0.2"), v4("10.0.0.1"), IpProto.ICMP, 0, 0, 0, 0, 7));
    }

    @Test
    void aFlowKeepsOneKeyPerZoneAndASlotTakenSinceGetsACorrectNewOne() {
        Tuple t = cache.v4(v4("10.0.0.1"), v4("10.0.0.2"), IpProto.TCP, 40000, 443, 0, 0, 0);
        int slot = cache.lastSlot();
        FlowId key = cache.flowId(slot, t, 0);
        assertEquals(new FlowId(t, 0), key);
        assertSame(t, key.original());
        assertSame(key, cache.flowId(slot, t, 0), "the flow's next event: the same key");
        FlowId zone7 = cache.flowId(slot, t, 7);
        assertEquals(new FlowId(t, 7), zone7);
        assertSame(zone7, cache.flowId(slot, t, 7));
        Tuple other = Tuple.ports(InetAddress.ofLiteral("10.0.0.3"), InetAddress.ofLiteral("10.0.0.4"), IpProto.UDP,
                53, 53);
        assertEquals(new FlowId(other, 0), cache.flowId(slot, other, 0), "a tuple the slot does not hold");
        assertSame(zone7, cache.flowId(slot, t, 7), "which does not displace the slot's key");
        for (int port = 1; port < 20_000; port++) {          // slots replaced by misses: never another flow's key
            Tuple u = cache.v4(v4("10.0.0.1"), v4("10.0.0.2"), IpProto.TCP, port, 80, 0, 0, 0);
            assertEquals(new FlowId(u, 0), cache.flowId(cache.lastSlot(), u, 0));
        }
    }

    @Test
    void everyTupleHasItsOwnValuesWhateverTheSlotsHeld() {
        everyTupleExact(cache);
    }

    @Test
    void aRequestSocketsSmallCacheIsAsExact() {
        everyTupleExact(new TupleCache(TupleCache.REQUEST_SLOTS));
    }

    @Test
    void slotsArePowersOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new TupleCache(1000));
    }

    private static void everyTupleExact(TupleCache cache) {
        // far more tuples than slots: misses and collisions replace slots, and every answer is still exact
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 50_000; i++) {
                int src = 0x0a000000 | i;
                int proto = i % 3 == 0 ? IpProto.ICMP : IpProto.UDP;
                Tuple t = proto == IpProto.ICMP ? cache.v4(src, 0xc0a80001, proto, 0, 0, 8, 0, i & 0xffff)
                        : cache.v4(src, 0xc0a80001, proto, i & 0xffff, 53, 0, 0, 0);
                byte[] s = t.src().getAddress();
                assertEquals(src, (s[0] & 0xff) << 24 | (s[1] & 0xff) << 16 | (s[2] & 0xff) << 8 | (s[3] & 0xff));
                assertEquals(InetAddress.ofLiteral("192.168.0.1"), t.dst());
                assertEquals(proto, t.l4proto());
                assertEquals(proto == IpProto.ICMP ? 0 : i & 0xffff, t.sport());
                assertEquals(proto == IpProto.ICMP ? i & 0xffff : 0, t.icmpId());
            }
        }
    }

    @Test
    void anIpv4MappedIpv6AddressStaysIpv6() {
        byte[] raw = InetAddress.ofLiteral("::ffff:10.0.0.1").getAddress();
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        mapped[15] = 1;
        InetAddress a = cache.v6(mapped, 0, 0xffff0a000001L);
        assertInstanceOf(Inet6Address.class, a);
        assertSame(a, cache.v6(mapped, 0, 0xffff0a000001L));
        assertEquals(4, raw.length, "InetAddress.ofLiteral itself makes it IPv4, which the cache must not");
    }
}
