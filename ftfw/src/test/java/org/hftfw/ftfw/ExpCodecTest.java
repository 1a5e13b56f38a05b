package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.hftfw.common.VirtualScheduler;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

/** FT-FW expectation messages: conntrackd's {@code exp2msg} layout, {@code msg2exp}'s checks, and the engines. */
class ExpCodecTest {
    /**
     * An FTP data expectation as {@code exp2msg} lays it out: MASTER_IPV4, _L4PROTO, _PORT; EXPECT_*; MASK_*;
     * TIMEOUT 300, FLAGS 0, CLASS 0, HELPER_NAME "ftp" (NUL-terminated, nta_len 8); 124 bytes, type 3 (EXP_NEW).
     */
    static final String FTP_NEW = "1300007c00000001"
            + "000c00000a0000010a000002" + "0005000206000000" + "000800039c400015"
            + "000c00040a0000010a000002" + "0005000606000000" + "000800070000c350"
            + "000c0008ffffffffffffffff" + "0005000a06000000" + "0008000b0000ffff"
            + "0008000c0000012c" + "0008000d00000000" + "0008000e00000000" + "0008001366747000";

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    static Expectation ftp() {
        Tuple master = Tuple.ports(ip("10.0.0.1"), ip("10.0.0.2"), IpProto.TCP, 40000, 21);
        Tuple expected = Tuple.ports(ip("10.0.0.1"), ip("10.0.0.2"), IpProto.TCP, 0, 50000);
        Tuple mask = Tuple.ports(ip("255.255.255.255"), ip("255.255.255.255"), IpProto.TCP, 0, 0xffff);
        return new Expectation(master, expected, mask, 300, 0, 0, "ftp", null, null);
    }

    @Test
    void writesWhatConntrackdBuilds() {
        ByteBuf out = Unpooled.buffer();
        int len = ExpCodec.write(out, EventType.NEW, 0, 1, ftp(), false);
        assertEquals(124, len);
        assertEquals(FTP_NEW, ByteBufUtil.hexDump(out));
    }

    @Test
    void readsItBackAndEveryType() {
        for (EventType t : EventType.values()) {
            ByteBuf out = Unpooled.buffer();
            ExpCodec.write(out, t, 0, 7, ftp(), false);
            List<FtfwMessage> msgs = CodecTest.decode(new FtfwDecoder(CodecTest.drops()), ByteBufUtil.getBytes(out));
            FtfwMessage.ExpData d = assertInstanceOf(FtfwMessage.ExpData.class, msgs.getFirst());
            assertEquals(t, d.type());
            assertEquals(ftp(), d.exp());
            assertEquals(7, d.seq());
        }
    }

    @Test
    void natPartAndNamesRoundTrip() {
        Expectation e = ftp();
        Tuple natTo = Tuple.ports(ip("192.0.2.1"), ip("0.0.0.0"), IpProto.TCP, 2121, 0);
        Expectation nat = new Expectation(e.master(), e.expected(), e.mask(), 60, 1, -1, "sip", "nat-follow-master",
                new Expectation.Nat(1, natTo));
        ByteBuf out = Unpooled.buffer();
        ExpCodec.write(out, EventType.UPDATE, 0, 3, nat, false);
        List<FtfwMessage> msgs = CodecTest.decode(new FtfwDecoder(CodecTest.drops()), ByteBufUtil.getBytes(out));
        assertEquals(nat, assertInstanceOf(FtfwMessage.ExpData.class, msgs.getFirst()).exp());
    }

    @Test
    void ipv6RoundTrips() {
        InetAddress c = ip("fd00::1");
        InetAddress s = ip("fd00::2");
        InetAddress ones = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        Expectation v6 = new Expectation(Tuple.ports(c, s, IpProto.TCP, 40000, 21), Tuple.ports(c, s, IpProto.TCP, 0,
                50000), Tuple.ports(ones, ones, IpProto.TCP, 0, 0xffff), 300, 0, 0, "ftp", null, null);
        ByteBuf out = Unpooled.buffer();
        // three 36-byte address groups instead of 12-byte ones
        assertEquals(124 + 3 * 24, ExpCodec.write(out, EventType.NEW, 0, 9, v6, false));
        List<FtfwMessage> msgs = CodecTest.decode(new FtfwDecoder(CodecTest.drops()), ByteBufUtil.getBytes(out));
        assertEquals(v6, assertInstanceOf(FtfwMessage.ExpData.class, msgs.getFirst()).exp());
    }

    @Test
    void commitTimeoutSenderOmitsTheTimeout() {
        ByteBuf out = Unpooled.buffer();
        ExpCodec.write(out, EventType.NEW, 0, 1, ftp(), true);
        List<FtfwMessage> msgs = CodecTest.decode(new FtfwDecoder(CodecTest.drops()), ByteBufUtil.getBytes(out));
        assertEquals(-1, assertInstanceOf(FtfwMessage.ExpData.class, msgs.getFirst()).exp().timeout());
    }

    private static DropReason rejected(String hex) {
        DropCounters drops = CodecTest.drops();
        List<FtfwMessage> msgs = CodecTest.decode(new FtfwDecoder(drops), HexFormat.of().parseHex(hex));
        DropReason r = assertInstanceOf(FtfwMessage.BadPayload.class, msgs.getFirst()).reason();
        assertEquals(1, drops.get(r));
        return r;
    }

    @Test
    void conntrackdsChecksAndOurs() {
        // only TIMEOUT and MASTER_L4PROTO: nothing to apply
        assertEquals(DropReason.MISSING_IDENTITY, rejected("13000014000000010008000c0000003c0005000206000000"));
        // id 21 is past NTA_EXP_MAX
        assertEquals(DropReason.ATTR_UNKNOWN, rejected("13000010000000010008001500000000"));
        // a MASTER_PORT of nta_len 6
        assertEquals(DropReason.ATTR_BAD_LENGTH, rejected("1300001000000001000600039c400000"));
        // a helper name of nta_len 17 (conntrackd's limit is 16)
        assertEquals(DropReason.ATTR_BAD_LENGTH,
                rejected("1300002000000001" + "001100136161616161616161616161616100000000000000"));
        // an IPv6 expected tuple under an IPv4 master
        String v6 = "002400050000000000000000000000000000000100000000000000000000000000000002";
        String msg = FTP_NEW.substring(16, 16 + 56) + v6 + FTP_NEW.substring(16 + 80);
        int len = 8 + msg.length() / 2;
        assertEquals(DropReason.INCONSISTENT, rejected("1300" + String.format("%04x", len) + "00000001" + msg));
    }

    @Test
    void enginesCarryExpectationsReliably() {
        VirtualScheduler clock = new VirtualScheduler();
        FtfwConfig cfg = SimLink.config();
        List<String> got = new ArrayList<>();
        FtfwEngine.Receiver rx = new FtfwEngine.Receiver() {
            @Override
            public void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras) { }

            @Override
            public void onExpectation(EventType type, Expectation e) {
                got.add(type + " " + e.expected().dport());
            }
        };
        FtfwEngine[] b = new FtfwEngine[1];
        int[] sentToB = {0};
        FtfwEngine a = new FtfwEngine(cfg, clock, 1000, UnpooledByteBufAllocator.DEFAULT, d -> {
            if (sentToB[0]++ == 0) {
                d.release();                          // the first datagram is lost: the NACK brings it back
                return;
            }
            clock.schedule(() -> {
                b[0].receive(d, cfg.peer());
                d.release();
            }, 100_000L);
        }, new ExternalCache(clock), FtfwEngine.BulkSource.NONE);
        FtfwEngine[] aRef = {a};
        b[0] = new FtfwEngine(cfg, clock, 5000, UnpooledByteBufAllocator.DEFAULT, d -> clock.schedule(() -> {
            aRef[0].receive(d, cfg.peer());
            d.release();
        }, 100_000L), rx, FtfwEngine.BulkSource.NONE);
        a.publishExpectation(EventType.NEW, ftp());
        clock.advance(SimLink.SEC / 10);
        Expectation other = new Expectation(ftp().master(), Tuple.ports(ip("10.0.0.1"), ip("10.0.0.2"), IpProto.TCP,
                0, 50001), ftp().mask(), 300, 0, 0, "ftp", null, null);
        a.publishExpectation(EventType.NEW, other);
        a.publishExpectation(EventType.DESTROY, other);          // replaces the NEW still queued
        clock.advance(5 * SimLink.SEC);
        assertEquals(List.of("DESTROY 50001", "NEW 50000"), got.stream().sorted().toList());
        assertEquals(2, b[0].stats().expectationsRx());
        assertTrue(a.stats().expectationsTx() >= 2);
    }
}
