package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodecTest {
    private static final List<FtfwMessage.DataType> TYPES =
            List.of(FtfwMessage.DataType.NEW, FtfwMessage.DataType.UPD, FtfwMessage.DataType.DEL);

    static DropCounters drops() {
        return new DropCounters(() -> 0L, 1_000_000_000L);
    }

    static List<FtfwMessage> decode(FtfwDecoder dec, byte[] datagram) {
        List<FtfwMessage> out = new ArrayList<>();
        dec.decodeDatagram(Unpooled.wrappedBuffer(datagram), out::add);
        return out;
    }

    /** Re-encodes decoded messages with their own seq and flags. */
    static byte[] encode(List<FtfwMessage> msgs, FtfwEncoder.Options opt) {
        ByteBuf out = Unpooled.buffer();
        for (FtfwMessage m : msgs) {
            switch (m) {
                case FtfwMessage.Data d -> FtfwEncoder.writeData(out, d.type(), d.flags(), d.seq(), d.entry(), d.extras(), opt);
                case FtfwMessage.Ack a -> FtfwEncoder.writeRange(out, a.flags(), a.seq(), a.from(), a.to());
                case FtfwMessage.Nack a -> FtfwEncoder.writeRange(out, a.flags(), a.seq(), a.from(), a.to());
                case FtfwMessage.Resync a -> FtfwEncoder.writeRange(out, a.flags(), a.seq(), a.from(), a.to());
                case FtfwMessage.Alive a -> FtfwEncoder.writeAlive(out, a.flags(), a.seq());
                default -> throw new AssertionError("cannot re-encode " + m);
            }
        }
        return ByteBufUtil.getBytes(out);
    }

    @Test
    void handBuiltMessageFromTheNotesDecodes() {
        byte[] dgram = HexFormat.of().parseHex("1020003c000003e8000c00000a0000010a000002000800050000000e0005000206000000"
                + "000800039c40005000050004030000000008000600069780");
        DropCounters drops = drops();
        List<FtfwMessage> msgs = decode(new FtfwDecoder(drops), dgram);
        assertEquals(1, msgs.size());
        FtfwMessage.Data d = assertInstanceOf(FtfwMessage.Data.class, msgs.getFirst());
        assertEquals(1000, d.seq());
        assertTrue(d.hello());
        assertEquals("tcp src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=80", d.entry().original().toString());
        assertEquals(432000, d.entry().timeout());
        assertEquals(3, d.entry().protoState());
        assertEquals(0, drops.total());
    }

    @Test
    void rangeAndAliveMessagesRoundTrip() {
        ByteBuf b = Unpooled.buffer();
        FtfwEncoder.writeRange(b, Nethdr.F_ACK | Nethdr.F_HELLO, -5, -10, -5);
        FtfwEncoder.writeRange(b, Nethdr.F_NACK, 7, 1, 6);
        FtfwEncoder.writeRange(b, Nethdr.F_RESYNC, 8, 0, 0);
        FtfwEncoder.writeAlive(b, Nethdr.F_HELLO_BACK, 9);
        byte[] bytes = ByteBufUtil.getBytes(b);
        assertEquals("1a28001000000000fffffffbfffffff6fffffffb".substring(0, 8), HexFormat.of().formatHex(bytes, 0, 4));
        DropCounters drops = drops();
        List<FtfwMessage> msgs = decode(new FtfwDecoder(drops), bytes);
        assertEquals(List.of(new FtfwMessage.Ack(-5, 0x28, -10, -5), new FtfwMessage.Nack(7, 4, 1, 6),
                new FtfwMessage.Resync(8, 2, 0, 0), new FtfwMessage.Alive(9, 0x50)), msgs);
        assertEquals(HexFormat.of().formatHex(bytes), HexFormat.of().formatHex(encode(msgs, FtfwEncoder.Options.DEFAULT)));
    }

    @Test
    void randomEntriesRoundTripThroughEncodeAndDecode() {
        RandomEntries gen = new RandomEntries(42);
        DropCounters drops = drops();
        FtfwDecoder dec = new FtfwDecoder(drops);
        for (int i = 0; i < 20_000; i++) {
            RandomEntries.FlowState fs = gen.next();
            ByteBuf b = Unpooled.buffer();
            FtfwMessage.DataType type = TYPES.get(i % 3);
            FtfwEncoder.writeData(b, type, 0, i, fs.entry(), fs.extras(), FtfwEncoder.Options.DEFAULT);
            List<FtfwMessage> msgs = decode(dec, ByteBufUtil.getBytes(b));
            assertEquals(1, msgs.size(), () -> "entry " + fs);
            FtfwMessage.Data d = assertInstanceOf(FtfwMessage.Data.class, msgs.getFirst(), () -> "entry " + fs);
            assertEquals(fs.entry(), d.entry());
            assertEquals(fs.extras(), d.extras());
            assertEquals(type, d.type());
            assertEquals(i, d.seq());
        }
        assertEquals(0, drops.total());
    }

    @Test
    void windowTrackingAndCommitTimeoutOptionsMatchConntrackd() {
        var e = RandomEntries.tcpFlow(1, 300).toBuilder()
                .tcp(new org.hftfw.conntrack.ConntrackEntry.TcpInfo(7, 9, 0, 0)).build();
        ByteBuf b = Unpooled.buffer();
        FtfwEncoder.writeData(b, FtfwMessage.DataType.NEW, 0, 1, e, FlowExtras.NONE, new FtfwEncoder.Options(true, true));
        List<FtfwMessage> msgs = decode(new FtfwDecoder(drops()), ByteBufUtil.getBytes(b));
        FtfwMessage.Data d = (FtfwMessage.Data) msgs.getFirst();
        assertEquals(-1, d.entry().timeout());
        assertEquals(7, d.entry().tcp().wscaleOriginal());
        assertEquals(9, d.entry().tcp().wscaleReply());
    }
}
