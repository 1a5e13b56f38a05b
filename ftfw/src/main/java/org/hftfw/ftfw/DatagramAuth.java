package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and opens the datagrams of an authenticated pair: an {@link Ext#T_AUTH} trailer, the last
 * {@link Ext#AUTH_SIZE} bytes of the datagram, carries the sender's datagram counter and the first 16 bytes of an
 * HMAC-SHA-256 (RFC 2104; truncated as HMAC-SHA-256-128 in RFC 4868) over the receiver's nonce followed by the
 * datagram up to the MAC itself.
 *
 * <p>Design note. The MAC covers every byte the receiver reads, so a datagram forged with the peer's source address
 * is dropped before its messages are decoded. Replays are refused by the counter ({@link ReplayWindow}) within one
 * start of the receiver, and across its restarts by the nonce: a receiver picks a random nonce at start and tells
 * its peer in its CAPS, and datagrams are bound to it ({@link Ext#AUTH_BOUND}). The one exception is a CAPS sent
 * before the sender knows the receiver's nonce: it is bound to nonce 0 and accepted only as a lone CAPS, which
 * carries no state. One {@link Mac} is reused for every datagram (the engine is single-threaded), and the datagram
 * is fed to it from its own memory (array or NIO view), so sealing and opening allocate nothing.
 */
final class DatagramAuth {
    static final String ALGORITHM = "HmacSHA256";

    /** What {@link #open} found. */
    enum Verdict { AUTHENTIC, NO_TRAILER, BAD_MAC, REPLAY }

    private final Mac mac;
    private final byte[] full = new byte[32];
    private final byte[] nonceBytes = new byte[8];
    private final ReplayWindow window = new ReplayWindow();
    private long nextCounter;
    /** Set by {@link #open}: where the authenticated bytes end and whether they were bound to our nonce. */
    private int payloadEnd;
    private boolean bound;
    private long refused;

    DatagramAuth(SyncAuth auth, long firstCounter) {
        try {
            mac = Mac.getInstance(ALGORITHM);
            byte[] k = auth.key();
            mac.init(new SecretKeySpec(k, ALGORITHM));
            java.util.Arrays.fill(k, (byte) 0);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA-256 unavailable", e);
        }
        nextCounter = firstCounter;
    }

    /**
     * Appends the trailer to {@code d} (which must have {@link Ext#AUTH_SIZE} bytes of room), bound to the
     * receiver's nonce {@code peerNonce} (0: unknown, allowed for a lone CAPS only).
     */
    void seal(ByteBuf d, long peerNonce) {
        int start = d.readerIndex();
        d.writeByte(Ext.VERSION << 4 | Ext.T_AUTH);
        d.writeByte(peerNonce == 0 ? 0 : Ext.AUTH_BOUND);
        d.writeShort(Ext.AUTH_SIZE);
        d.writeInt(0);
        d.writeLong(nextCounter++);
        int macAt = d.writerIndex();
        compute(d, start, macAt, peerNonce);
        d.writeBytes(full, 0, Ext.MAC_SIZE);
    }

    /**
     * Checks the trailer of {@code d} (reader to writer index) against {@code ourNonce}; on {@link
     * Verdict#AUTHENTIC} the counter is recorded and {@link #payloadEnd()} tells where the messages end.
     */
    Verdict open(ByteBuf d, long ourNonce) {
        int start = d.readerIndex();
        int end = d.writerIndex();
        int at = end - Ext.AUTH_SIZE;
        if (at < start || d.getUnsignedByte(at) != (Ext.VERSION << 4 | Ext.T_AUTH)
                || d.getUnsignedShort(at + 2) != Ext.AUTH_SIZE) {
            return Verdict.NO_TRAILER;
        }
        boolean b = (d.getUnsignedByte(at + 1) & Ext.AUTH_BOUND) != 0;
        long c = d.getLong(at + 8);
        int macAt = end - Ext.MAC_SIZE;
        compute(d, start, macAt, b ? ourNonce : 0);
        int diff = 0;
        for (int i = 0; i < Ext.MAC_SIZE; i++) {
            diff |= full[i] ^ d.getByte(macAt + i);   // constant time: no early exit on the first difference
        }
        if (diff != 0) {
            return Verdict.BAD_MAC;                    // checked first: a forged counter is a forgery, not a replay
        }
        if (!window.fresh(c)) {
            refused = c;
            return Verdict.REPLAY;
        }
        window.record(c);
        payloadEnd = at;
        bound = b;
        return Verdict.AUTHENTIC;
    }

    int payloadEnd() {
        return payloadEnd;
    }

    /** Whether the last authentic datagram was bound to our nonce (else it may only be a lone CAPS). */
    boolean bound() {
        return bound;
    }

    /** The counter of the last datagram refused as a replay (for the log line). */
    long lastRefused() {
        return refused;
    }

    private void compute(ByteBuf d, int from, int to, long nonce) {
        for (int i = 0; i < 8; i++) {
            nonceBytes[i] = (byte) (nonce >>> (56 - 8 * i));
        }
        mac.update(nonceBytes);
        int len = to - from;
        if (d.hasArray()) {
            mac.update(d.array(), d.arrayOffset() + from, len);
        } else if (d.nioBufferCount() == 1) {
            ByteBuffer nio = d.internalNioBuffer(from, len);
            mac.update(nio);
        } else {
            mac.update(d.nioBuffer(from, len));
        }
        try {
            mac.doFinal(full, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
