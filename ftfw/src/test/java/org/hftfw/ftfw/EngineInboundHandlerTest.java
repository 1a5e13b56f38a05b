package org.hftfw.ftfw;

import org.hftfw.common.VirtualScheduler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The channel's inbound path on an {@link EmbeddedChannel}: datagram bytes in, engine state out, buffer released. */
class EngineInboundHandlerTest {
    private static final InetSocketAddress PEER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 2);
    private static final InetSocketAddress US = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);

    private final VirtualScheduler clock = new VirtualScheduler();
    private final ExternalCache cache = new ExternalCache(clock);
    private final List<ByteBuf> sent = new ArrayList<>();
    private final FtfwEngine engine = new FtfwEngine(SimLink.config(), clock, 1,
            UnpooledByteBufAllocator.DEFAULT, sent::add, cache, sink -> { });
    private final EngineInboundHandler handler = new EngineInboundHandler();
    private final EmbeddedChannel channel = new EmbeddedChannel(handler);

    @AfterEach
    void close() {
        engine.close();
        sent.forEach(ByteBuf::release);
        assertFalse(channel.finish(), "nothing passes the handler");
    }

    private static DatagramPacket packet(ByteBuf content) {
        return new DatagramPacket(content, US, PEER);
    }

    @Test
    void capturedConntrackdDatagramsReachTheCacheAndAreReleased() throws IOException {
        handler.attach(engine);
        List<byte[]> captured = GoldenConntrackdTest.datagrams();
        List<ByteBuf> contents = new ArrayList<>();
        long bytes = 0;
        for (byte[] d : captured) {
            ByteBuf content = Unpooled.copiedBuffer(d);
            contents.add(content);
            bytes += d.length;
            assertFalse(channel.writeInbound(packet(content)));
        }
        for (ByteBuf content : contents) {
            assertEquals(0, content.refCnt(), "datagram released after the engine read it");
        }
        FtfwStats s = engine.stats();
        assertEquals(captured.size(), s.datagramsRx());
        assertEquals(bytes, s.bytesRx());
        assertEquals(20, s.msgsRx(), "the 20 messages of the capture");
        assertEquals(0, s.malformed().size());
        assertEquals(7, cache.size(), "the backup conntrackd's external cache holds 7 flows");
    }

    @Test
    void malformedDatagramIsCountedByReasonAndReleased() {
        handler.attach(engine);
        ByteBuf content = Unpooled.wrappedBuffer(HexFormat.of().parseHex("1a100000" + "00000001"));
        assertFalse(channel.writeInbound(packet(content)));
        assertEquals(0, content.refCnt());
        FtfwStats s = engine.stats();
        assertEquals(1, s.datagramsRx());
        assertEquals(0, s.msgsRx());
        assertEquals(1L, s.malformed().get(DropReason.BAD_SIZE));
    }
}
