package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;

/**
 * Cuts the byte stream of a TCP sync link into the buffers the engine reads as datagrams.
 *
 * <p>Design note. conntrackd writes its buffered messages to the stream back to back and reads them back by walking
 * the message headers, keeping a partial message for the next read (conntrack-tools src/sync-mode.c,
 * {@code channel_handler_routine}, {@code channel_stream}). Any cut between whole messages reads the same, except
 * where an authenticated hFT-FW peer sealed its buffer: the MAC of its {@link Ext#T_AUTH} trailer covers exactly
 * the messages written with it, so such a buffer must reach the engine whole. A trailer is itself a message (its
 * length in its header), so the stream shows where sealed buffers end; once it has shown one to a receiver that
 * holds the key, every later buffer of that peer is sealed too (it seals everything once the pair agreed), and a cut
 * is made only after a trailer. Before that, and always on a receiver without a key (which checks no MAC, while a
 * keyed peer that found no agreement seals only its CAPS), each cut takes every whole message read so far. A cut
 * never exceeds {@link #MAX_RECORD} bytes: a stream that holds no trailer for that long is cut anyway, and the engine
 * drops and counts what fails its check.
 */
final class StreamFramer {
    /** The largest cut: more than any buffer a peer writes (at most its MTU). */
    static final int MAX_RECORD = 65_536;

    private static final int TRAILER = Ext.VERSION << 4 | Ext.T_AUTH;

    private final boolean keyed;
    private boolean sealed;

    /** @param keyed the receiver holds the pair's key (it checks the MACs of sealed buffers) */
    StreamFramer(boolean keyed) {
        this.keyed = keyed;
    }

    /**
     * The length of the next cut at {@code b}'s reader index, 0 when the bytes readable end inside the first message
     * (or, on a sealed stream, before the next trailer), or -1 when the stream is broken: a header whose length is
     * under the 8 bytes of a header, after which no message boundary can be found.
     */
    int next(ByteBuf b) {
        int start = b.readerIndex();
        int end = b.writerIndex();
        int at = start;
        while (end - at >= Nethdr.SIZE) {
            int len = b.getUnsignedShort(at + 2);
            if (len < Nethdr.SIZE) {
                return -1;
            }
            if (len > end - at) {
                break;
            }
            boolean trailer = b.getUnsignedByte(at) == TRAILER && len == Ext.AUTH_SIZE;
            at += len;
            if (trailer && keyed) {
                sealed = true;
                return at - start;
            }
            if (at - start >= MAX_RECORD) {
                return at - start;
            }
        }
        return sealed ? 0 : at - start;
    }
}
