package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Datagram packing as conntrackd's buffered channel does it: strict size bound, oversized alone, room for a trailer. */
class DatagramPackerTest {
    private static final int SIZE = 100;
    private static final int TRAILER = 32;
    private final List<ByteBuf> sent = new ArrayList<>();
    private final DatagramPacker packer = new DatagramPacker(UnpooledByteBufAllocator.DEFAULT, SIZE, TRAILER, sent::add);

    @AfterEach
    void release() {
        sent.forEach(ByteBuf::release);
    }

    private static ByteBuf message(int len, int fill, boolean heap) {
        byte[] b = new byte[len];
        java.util.Arrays.fill(b, (byte) fill);
        ByteBuf m = heap ? Unpooled.buffer(len + 8) : Unpooled.directBuffer(len + 8);
        m.writeZero(3).readerIndex(3);                      // a reader index past the start, as a reused scratch may have
        return m.writeBytes(b);
    }

    private void add(int len, int fill, boolean heap) {
        ByteBuf m = message(len, fill, heap);
        packer.add(m);
        m.release();
    }

    private static byte[] bytes(int... lensAndFills) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < lensAndFills.length; i += 2) {
            for (int j = 0; j < lensAndFills[i]; j++) {
                out.write(lensAndFills[i + 1]);
            }
        }
        return out.toByteArray();
    }

    @Test
    void packsMessagesWhileStrictlyBelowTheSizeAndFlushesTheRest() {
        add(40, 1, true);
        add(40, 2, false);                                   // 80 < 100: same datagram, from a direct buffer too
        add(20, 3, true);                                    // 100 >= 100: the first two go out first
        add(30, 4, true);
        assertEquals(1, sent.size());
        assertArrayEquals(bytes(40, 1, 40, 2), ByteBufUtil.getBytes(sent.get(0)));
        packer.flush();
        packer.flush();                                      // nothing open: no empty datagram
        assertEquals(2, sent.size());
        assertArrayEquals(bytes(20, 3, 30, 4), ByteBufUtil.getBytes(sent.get(1)));
        assertEquals(2, packer.datagrams());
        assertEquals(130, packer.bytes());
        for (ByteBuf d : sent) {
            assertTrue(d.capacity() >= SIZE + TRAILER, "room for the trailer: " + d.capacity());
        }
    }

    @Test
    void aMessageThatAloneReachesTheSizeGoesOutOnItsOwn() {
        add(10, 1, true);
        add(250, 2, true);
        add(5, 3, true);
        packer.flush();
        assertEquals(3, sent.size());
        assertArrayEquals(bytes(10, 1), ByteBufUtil.getBytes(sent.get(0)));
        assertArrayEquals(bytes(250, 2), ByteBufUtil.getBytes(sent.get(1)));
        assertTrue(sent.get(1).capacity() >= 250 + TRAILER, "room for the trailer: " + sent.get(1).capacity());
        assertArrayEquals(bytes(5, 3), ByteBufUtil.getBytes(sent.get(2)));
    }
}
