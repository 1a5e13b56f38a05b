package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** Cuts of a TCP sync stream: whole messages only, sealed buffers whole, a broken length refused. */
class StreamFramerTest {

    private static void message(ByteBuf b, int firstByte, int len) {
        b.writeByte(firstByte).writeByte(0).writeShort(len).writeInt(7).writeZero(len - Nethdr.SIZE);
    }

    private static void alive(ByteBuf b) {
        message(b, 0x1A, Nethdr.SIZE);
    }

    private static void trailer(ByteBuf b) {
        message(b, Ext.VERSION << 4 | Ext.T_AUTH, Ext.AUTH_SIZE);
    }

    @Test
    void anUnsealedStreamIsCutAfterTheLastWholeMessage() {
        ByteBuf b = Unpooled.buffer();
        message(b, 0x10, 40);
        alive(b);
        b.writeBytes(new byte[] {0x10, 0, 0, 40, 0});     // the start of the next message
        StreamFramer f = new StreamFramer(true);
        assertEquals(48, f.next(b));
        b.skipBytes(48);
        assertEquals(0, f.next(b), "a partial message waits for the rest");
        b.writeZero(35);
        assertEquals(40, f.next(b));
    }

    @Test
    void onceATrailerWasSeenACutEndsOnlyAfterATrailer() {
        ByteBuf b = Unpooled.buffer();
        message(b, 0x10, 40);
        trailer(b);
        message(b, 0x10, 40);
        alive(b);
        StreamFramer f = new StreamFramer(true);
        assertEquals(40 + Ext.AUTH_SIZE, f.next(b), "the first sealed buffer, whole");
        b.skipBytes(40 + Ext.AUTH_SIZE);
        assertEquals(0, f.next(b), "the next buffer's trailer has not arrived: nothing yet");
        trailer(b);
        assertEquals(48 + Ext.AUTH_SIZE, f.next(b));
    }

    /** A receiver without the key checks no MAC: a keyed peer's sealed CAPS does not make it wait for trailers. */
    @Test
    void aReceiverWithoutTheKeyCutsAfterEveryWholeMessage() {
        ByteBuf b = Unpooled.buffer();
        message(b, Ext.VERSION << 4 | Ext.T_CAPS, Ext.CAPS_SIZE);
        trailer(b);
        message(b, 0x10, 40);
        StreamFramer f = new StreamFramer(false);
        assertEquals(Ext.CAPS_SIZE + Ext.AUTH_SIZE + 40, f.next(b));
        b.skipBytes(Ext.CAPS_SIZE + Ext.AUTH_SIZE + 40);
        alive(b);
        assertEquals(Nethdr.SIZE, f.next(b), "no trailer awaited");
    }

    @Test
    void aSealedStreamWithoutATrailerIsCutAtTheBound() {
        ByteBuf b = Unpooled.buffer();
        trailer(b);
        StreamFramer f = new StreamFramer(true);
        assertEquals(Ext.AUTH_SIZE, f.next(b));
        b.skipBytes(Ext.AUTH_SIZE);
        int n = 0;
        while (n < StreamFramer.MAX_RECORD) {
            message(b, 0x10, 1024);
            n += 1024;
        }
        assertEquals(StreamFramer.MAX_RECORD, f.next(b));
    }

    @Test
    void aLengthShorterThanAHeaderBreaksTheStream() {
        ByteBuf b = Unpooled.buffer();
        alive(b);
        b.writeByte(0x10).writeByte(0).writeShort(4).writeInt(0);
        StreamFramer f = new StreamFramer(true);
        assertEquals(-1, f.next(b));
    }
}
