package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * FT-FW control datagrams as an attacker would send them, for the fault soak ({@code hftfw sync soak}): well-formed
 * ACKs (which, taken, would empty the primary's resend queue) and RESYNC requests (each a whole-table dump), plain or
 * sealed with a key that is not the pair's. Built with the engine's own encoder, so they are exactly what the
 * receiver would act on if its address and authentication checks let them through.
 */
public final class ForgedDatagrams {
    private ForgedDatagrams() {}

    /** An ACK of {@code from..to}, sequence number {@code seq}. */
    public static byte[] ack(int seq, int from, int to) {
        ByteBuf b = Unpooled.buffer();
        FtfwEncoder.writeRange(b, Nethdr.F_ACK, seq, from, to);
        return bytes(b);
    }

    /** A RESYNC request, sequence number {@code seq}. */
    public static byte[] resync(int seq) {
        ByteBuf b = Unpooled.buffer();
        FtfwEncoder.writeRange(b, Nethdr.F_RESYNC, seq, 0, 0);
        return bytes(b);
    }

    /** {@code datagram} with an authentication trailer of {@code key} (not the pair's: its MAC does not verify). */
    public static byte[] sealed(byte[] datagram, byte[] key, long counter) {
        ByteBuf b = Unpooled.buffer().writeBytes(datagram);
        new DatagramAuth(SyncAuth.of(key, true), counter).seal(b, 1);
        return bytes(b);
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }
}
