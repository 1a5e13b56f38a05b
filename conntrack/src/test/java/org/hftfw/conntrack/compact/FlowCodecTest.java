package org.hftfw.conntrack.compact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.Counters;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

/** The compact entry form: lossless for every field, small for the common entry, a clear error for bad bytes. */
class FlowCodecTest {
    static ConntrackEntry tcp(String src, int sport) {
        return ConntrackEntry.builder(Tuple.ports(InetAddress.ofLiteral(src), InetAddress.ofLiteral("10.241.0.1"),
                        IpProto.TCP, sport, 443))
                .tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED | Status.CONFIRMED)
                .timeout(431_999).id(3_141_592_653L).use(1)
                .tcp(new ConntrackEntry.TcpInfo(7, 7, 0x23, 0x23)).build();
    }

    static List<ConntrackEntry> variety() {
        Tuple v6 = Tuple.ports(InetAddress.ofLiteral("2001:db8::1"), InetAddress.ofLiteral("2001:db8::2"),
                IpProto.UDP, 5353, 53);
        Tuple natted = Tuple.ports(InetAddress.ofLiteral("192.0.2.9"), InetAddress.ofLiteral("203.0.113.1"),
                IpProto.TCP, 443, 61_000);
        return List.of(
                tcp("10.240.0.1", 30_000),
                ConntrackEntry.builder(Tuple.ports(InetAddress.ofLiteral("10.0.0.1"), InetAddress.ofLiteral("10.0.0.2"),
                        IpProto.UDP, 1, 2)).build(),                                     // protoState and timeout -1
                ConntrackEntry.builder(v6).status(Status.SEEN_REPLY).timeout(30).zone(0xffff).mark(0xffff_ffffL)
                        .counters(new Counters(12, 3_400), new Counters(Long.MAX_VALUE, 0))
                        .timestamps(1_765_000_000_000_000_000L, 1_765_000_001_000_000_000L).helper("tftp").build(),
                tcp("10.240.0.2", 30_001).toBuilder().reply(natted).counters(null, new Counters(1, 60))
                        .helper("ftp-π").mark(Long.MIN_VALUE).id(-1).use(-7).build(),
                ConntrackEntry.builder(Tuple.icmp(InetAddress.ofLiteral("10.1.1.1"), InetAddress.ofLiteral("10.1.1.2"),
                        IpProto.ICMP, 8, 0, 0xbeef)).status(Long.MAX_VALUE).timeout(Long.MIN_VALUE).build(),
                ConntrackEntry.builder(v6).reply(Tuple.ports(InetAddress.ofLiteral("2001:db8::9"),
                        mappedV6(), IpProto.UDP, 53, 5353)).timestamps(5, 0).build(),
                ConntrackEntry.builder(Tuple.ports(InetAddress.ofLiteral("10.0.0.1"), InetAddress.ofLiteral("10.0.0.2"),
                        IpProto.GRE, 0, 0)).protoState(Integer.MIN_VALUE).use(Integer.MAX_VALUE)
                        .tcp(new ConntrackEntry.TcpInfo(-1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0)).build());
    }

    /** ::ffff:10.0.0.1 as an Inet6Address (InetAddress.getByAddress would make it an Inet4Address). */
    static InetAddress mappedV6() {
        byte[] raw = new byte[16];
        raw[10] = (byte) 0xff;
        raw[11] = (byte) 0xff;
        raw[12] = 10;
        raw[15] = 1;
        try {
            return Inet6Address.getByAddress(null, raw, -1);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyFieldSurvivesTheRoundTrip() {
        for (ConntrackEntry e : variety()) {
            assertEquals(e, FlowCodec.decode(FlowCodec.encode(e)), e.toString());
        }
    }

    @Test
    void anIpv4MappedAddressStaysIpv6() {
        ConntrackEntry e = variety().get(5);
        ConntrackEntry back = FlowCodec.decode(FlowCodec.encode(e));
        assertInstanceOf(Inet6Address.class, back.reply().dst());
        assertFalse(back.reply().isIpv4());
    }

    @Test
    void theCommonEntryIsSmall() {
        assertTrue(FlowCodec.encode(tcp("10.240.0.1", 30_000)).length <= 40,
                "an established un-NATed IPv4 TCP entry: key 20 bytes, flags 1, values and TCP info");
    }

    @Test
    void theEncodingStartsWithTheFlowKey() {
        for (ConntrackEntry e : variety()) {
            byte[] encoded = FlowCodec.encode(e);
            byte[] key = FlowCodec.key(e.flowId());
            assertEquals(FlowCodec.keyLength(encoded), key.length);
            assertArrayEquals(key, Arrays.copyOf(encoded, key.length));
            assertTrue(FlowCodec.sameKey(key, encoded));
            assertEquals(FlowCodec.keyHash(key), FlowCodec.keyHash(encoded));
        }
        byte[] a = FlowCodec.key(tcp("10.240.0.1", 30_000).flowId());
        byte[] otherPort = FlowCodec.key(tcp("10.240.0.1", 30_001).flowId());
        byte[] otherZone = FlowCodec.key(tcp("10.240.0.1", 30_000).toBuilder().zone(1).build().flowId());
        assertFalse(FlowCodec.sameKey(a, otherPort));
        assertFalse(FlowCodec.sameKey(a, otherZone));
        assertFalse(FlowCodec.sameKey(a, new byte[] {4}), "a shorter array is not the same key");
    }

    @Test
    void theKeyWrittenInPlaceIsTheSameKey() {
        byte[] into = new byte[FlowCodec.KEY_LEN_V6];
        for (ConntrackEntry e : variety()) {
            Arrays.fill(into, (byte) 0x5a);
            FlowCodec.key(e.flowId(), into);
            byte[] key = FlowCodec.key(e.flowId());
            assertArrayEquals(key, Arrays.copyOf(into, key.length), e.toString());
        }
    }

    @Test
    void everyTruncationIsAClearError() {
        for (ConntrackEntry e : variety()) {
            byte[] encoded = FlowCodec.encode(e);
            for (int len = 0; len < encoded.length; len++) {
                byte[] cut = Arrays.copyOf(encoded, len);
                assertThrows(IllegalArgumentException.class, () -> FlowCodec.decode(cut), e + " cut at " + len);
            }
        }
    }

    @Test
    void aStoredStateIsPaddedRewrittenInPlaceAndDecodesAsTheEntry() {
        for (ConntrackEntry e : variety()) {
            byte[] scratch = new byte[512];
            int len = FlowCodec.encode(e, scratch);
            assertArrayEquals(FlowCodec.encode(e), Arrays.copyOf(scratch, len), "into a scratch array: the same bytes");
            byte[] stored = FlowCodec.store(scratch, len);
            assertTrue(stored.length >= len + FlowCodec.HEADROOM, e + ": room to grow");
            assertTrue((stored.length + 12) % 8 == 0, e + ": a whole allocation unit with compact headers");
            assertEquals(e, FlowCodec.decode(stored));
            assertTrue(FlowCodec.sameEntry(stored, scratch, len));
            ConntrackEntry longer = e.toBuilder().timeout(e.timeout() < 1000 ? 432_000 : 1).build();
            int len2 = FlowCodec.encode(longer, scratch);
            assertFalse(FlowCodec.sameEntry(stored, scratch, len2));
            if (FlowCodec.fitsIn(len2, stored.length)) {
                FlowCodec.writeStored(scratch, len2, stored);
                assertEquals(longer, FlowCodec.decode(stored), "rewritten in place");
                assertTrue(FlowCodec.sameEntry(stored, scratch, len2));
            }
        }
        byte[] small = new byte[512];
        int len = FlowCodec.encode(tcp("10.240.0.1", 30_000), small);
        assertFalse(FlowCodec.fitsIn(len, len + 17), "a state far smaller than its array gets one of its size");
        assertFalse(FlowCodec.fitsIn(len + 1, len), "nor one that no longer fits");
        assertEquals(-len, FlowCodec.encode(tcp("10.240.0.1", 30_000), new byte[len - 1]), "too small: the length");
    }

    @Test
    void badBytesAreAClearError() {
        byte[] good = FlowCodec.encode(tcp("10.240.0.1", 30_000));
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertEquals("1 bytes after the entry",
                assertThrows(IllegalArgumentException.class, () -> FlowCodec.decode(trailing)).getMessage());
        byte[] family = good.clone();
        family[0] = 5;
        assertEquals("unknown address family 5",
                assertThrows(IllegalArgumentException.class, () -> FlowCodec.decode(family)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> FlowCodec.keyHash(family));
        assertThrows(IllegalArgumentException.class, () -> FlowCodec.keyLength(new byte[0]));
        byte[] flags = good.clone();
        flags[FlowCodec.KEY_LEN_V4] = (byte) 0x80;          // PADDED on an array whose last byte is no padding length
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FlowCodec.decode(flags)).getMessage()
                .startsWith("padding of "));
        byte[] padded = FlowCodec.store(good, good.length);
        padded[good.length] = 1;
        assertEquals("non-zero padding after the entry",
                assertThrows(IllegalArgumentException.class, () -> FlowCodec.decode(padded)).getMessage());
        byte[] endless = Arrays.copyOf(good, FlowCodec.KEY_LEN_V4 + 12);
        Arrays.fill(endless, FlowCodec.KEY_LEN_V4 + 1, endless.length, (byte) 0xff);
        assertThrows(IllegalArgumentException.class, () -> FlowCodec.decode(endless), "a varint of 11 bytes");
    }
}
