package org.hftfw.conntrack.netlink;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Appends netlink messages and attributes to a {@link MemorySegment} (native off-heap for the socket, or a heap
 * segment in tests). Header fields are host order, attribute payloads as the caller chooses (ctnetlink: big-endian).
 * Every attribute is padded to 4 bytes as NLA_ALIGN requires. Callers check {@link #remaining()} before appending a
 * message; overrunning the buffer throws {@link IndexOutOfBoundsException}.
 */
final class NlWriter {
    static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort H16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfInt H32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final MemorySegment buf;
    private int pos;

    NlWriter(MemorySegment buf) {
        this.buf = buf;
    }

    MemorySegment segment() {
        return buf;
    }

    int position() {
        return pos;
    }

    long remaining() {
        return buf.byteSize() - pos;
    }

    void reset() {
        pos = 0;
    }

    /** Starts a message with an nfgenmsg header; returns its offset for {@link #endMessage}. */
    int beginMessage(int type, int flags, int seq, int family, int version) {
        int start = pos;
        buf.set(H32, start, 0);
        buf.set(H16, start + 4, (short) type);
        buf.set(H16, start + 6, (short) flags);
        buf.set(H32, start + 8, seq);
        buf.set(H32, start + 12, 0);
        buf.set(ValueLayout.JAVA_BYTE, start + 16, (byte) family);
        buf.set(ValueLayout.JAVA_BYTE, start + 17, (byte) version);
        buf.set(BE16, start + 18, (short) 0);
        pos = start + Nl.NLMSG_HDRLEN + Nl.NFGENMSG_LEN;
        return start;
    }

    void endMessage(int start) {
        buf.set(H32, start, pos - start);
    }

    int beginNested(int type) {
        int start = pos;
        buf.set(H16, start + 2, (short) (type | Nl.NLA_F_NESTED));
        pos += Nl.NLA_HDRLEN;
        return start;
    }

    void endNested(int start) {
        buf.set(H16, start, (short) (pos - start));
    }

    private int header(int type, int payloadLen) {
        int at = pos;
        buf.set(H32, at, attrHeader(Nl.NLA_HDRLEN + payloadLen, type));
        int padded = Nl.align(Nl.NLA_HDRLEN + payloadLen);
        if (padded != Nl.NLA_HDRLEN + payloadLen) {
            // zero the padding so the wire image is deterministic: the last word is cleared before the payload is
            // written over its first bytes (one store instead of a byte loop)
            buf.set(H32, at + padded - 4, 0);
        }
        pos = at + padded;
        return at + Nl.NLA_HDRLEN;
    }

    /** struct nlattr {u16 nla_len; u16 nla_type;} in host order, as one 32-bit store. */
    private static int attrHeader(int len, int type) {
        return LITTLE_ENDIAN ? (len & 0xffff) | type << 16 : len << 16 | (type & 0xffff);
    }

    void putU8(int type, int value) {
        buf.set(ValueLayout.JAVA_BYTE, header(type, 1), (byte) value);
    }

    void putBe16(int type, int value) {
        buf.set(BE16, header(type, 2), (short) value);
    }

    void putBe32(int type, long value) {
        buf.set(BE32, header(type, 4), (int) value);
    }

    void putBe64(int type, long value) {
        buf.set(BE64, header(type, 8), value);
    }

    void putBytes(int type, byte[] value) {
        MemorySegment.copy(value, 0, buf, ValueLayout.JAVA_BYTE, header(type, value.length), value.length);
    }

    /** A NUL-terminated string (NLA_NUL_STRING). */
    void putString(int type, String value) {
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        int at = header(type, b.length + 1);
        MemorySegment.copy(b, 0, buf, ValueLayout.JAVA_BYTE, at, b.length);
        buf.set(ValueLayout.JAVA_BYTE, at + b.length, (byte) 0);
    }

    /** Copies the written bytes out (tests, golden images). */
    byte[] toByteArray() {
        return buf.asSlice(0, pos).toArray(ValueLayout.JAVA_BYTE);
    }
}
