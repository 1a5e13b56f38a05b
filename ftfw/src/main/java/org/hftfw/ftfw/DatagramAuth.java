package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.LinkedHashSet;
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
 * carries no state.
 *
 * <p>Restarts of the sender (review14 G1). The counter starts from the sender's wall clock, so a sender that
 * restarted with its clock behind its previous start (an NTP step back, a VM restore) numbered its datagrams below
 * what the receiver had seen, and every one of them, its CAPS included, was refused as a replay until the receiver
 * restarted too. Now each start of a sender also picks a random 32-bit incarnation tag, carried in the trailer's
 * reserved word and covered by the MAC, and the replay window belongs to one tag: the first authentic datagram
 * bound to our nonce with a new tag starts a new window (only the key holder can make one), and the tag it replaces
 * is retired, so a datagram of an earlier incarnation is still a replay ({@link #RETIRED_TAGS} kept). A lone
 * unbound CAPS with a new tag is read without touching the window: it only tells the restarted sender our nonce.
 * Tag 0 is a sender of an earlier build (reserved word 0): its datagrams keep one window of their own, as before.
 * One {@link Mac} is reused for every datagram (the engine is single-threaded), and the datagram
 * is fed to it from its own memory (array or NIO view), so sealing and opening allocate nothing.
 */
final class DatagramAuth {
    static final String ALGORITHM = "HmacSHA256";

    /** What {@link #open} found. */
    enum Verdict { AUTHENTIC, NO_TRAILER, BAD_MAC, REPLAY }

    private final Mac mac;
    private final byte[] full = new byte[32];
    private final byte[] nonceBytes = new byte[8];
    /** Incarnation tags of the peer replaced during this start, oldest first (bounded). */
    static final int RETIRED_TAGS = 1024;

    /** The window of a peer of an earlier build (tag 0). */
    private final ReplayWindow legacyWindow = new ReplayWindow();
    private ReplayWindow window = new ReplayWindow();
    /** The peer's current incarnation tag (0: none seen yet). */
    private int peerTag;
    private final LinkedHashSet<Integer> retired = new LinkedHashSet<>();
    private final int tag;
    private long nextCounter;
    /** Set by {@link #open}: where the authenticated bytes end and whether they were bound to our nonce. */
    private int payloadEnd;
    private boolean bound;
    private long refused;

    DatagramAuth(SyncAuth auth, long firstCounter) {
        this.tag = randomTag();
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

    /** This start's incarnation tag: random, never 0 (an earlier build's). */
    private static int randomTag() {
        SecureRandom r = new SecureRandom();
        int t;
        do {
            t = r.nextInt();
        } while (t == 0);
        return t;
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
        d.writeInt(tag);
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
        int t = d.getInt(at + 4);
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
        ReplayWindow w;
        if (t == 0) {
            w = legacyWindow;
        } else if (t == peerTag) {
            w = window;
        } else if (retired.contains(t)) {
            refused = c;
            return Verdict.REPLAY;                     // an earlier incarnation of the peer
        } else if (!b) {
            return authentic(at, false);               // a new incarnation's CAPS: the window waits for its data
        } else {
            if (peerTag != 0) {
                retired.add(peerTag);
                if (retired.size() > RETIRED_TAGS) {
                    retired.removeFirst();
                }
            }
            peerTag = t;
            window = new ReplayWindow();
            w = window;
        }
        if (!w.fresh(c)) {
            refused = c;
            return Verdict.REPLAY;
        }
        w.record(c);
        return authentic(at, b);
    }

    private Verdict authentic(int at, boolean b) {
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
