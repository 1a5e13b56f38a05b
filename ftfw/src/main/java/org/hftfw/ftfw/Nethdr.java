package org.hftfw.ftfw;

/**
 * Wire constants of the FT-FW message header of conntrackd ({@code struct nethdr} / {@code struct nethdr_ack},
 * include/network.h), in the role of Netty's {@code HAProxyConstants}. The header is, big-endian:
 * <pre>
 *  byte 0     version &lt;&lt; 4 | type      version {@link #VERSION}; type {@link #T_CT_NEW} .. {@link #T_CTL}
 *  byte 1     flags                     {@code NET_F_*} bits
 *  bytes 2-3  len                       the whole message including header and attribute padding
 *  bytes 4-7  seq                       sender sequence number
 *  bytes 8-15 from, to                  only ACK, NACK and RESYNC: an inclusive sequence range
 * </pre>
 * The plain header is {@link #SIZE} bytes, the ranged one {@link #ACK_SIZE}. Sequence numbers are unsigned 32-bit
 * values kept in an {@code int}; compare them only with {@link #before}/{@link #after} (the kernel's TCP rule,
 * valid while two values are within 2^31 of each other). There is no checksum field: UDP's covers the datagram.
 */
final class Nethdr {

    private Nethdr() {}

    static final int VERSION = 1;
    static final int SIZE = 8;
    static final int ACK_SIZE = 16;

    static final int T_CT_NEW = 0;
    static final int T_CT_UPD = 1;
    static final int T_CT_DEL = 2;
    static final int T_EXP_NEW = 3;
    static final int T_EXP_UPD = 4;
    static final int T_EXP_DEL = 5;
    static final int T_STATE_MAX = T_EXP_DEL;
    static final int T_CTL = 10;

    static final int F_UNUSED = 0x01;
    static final int F_RESYNC = 0x02;
    static final int F_NACK = 0x04;
    static final int F_ACK = 0x08;
    static final int F_ALIVE = 0x10;
    static final int F_HELLO = 0x20;
    static final int F_HELLO_BACK = 0x40;
    static final int F_HELLO_MASK = F_HELLO | F_HELLO_BACK;
    /**
     * hFT-FW only ({@link Capability#BULK_FLOWS}, never sent to a stock conntrackd, whose {@code IS_DATA} would
     * refuse the message): this flow state belongs to the sender's open marked bulk.
     */
    static final int F_BULK_FLOW = 0x80;

    /** {@code IS_DATA}: a state type with no flags but the hello bits (and our bulk-flow bit). */
    static boolean isData(int type, int flags) {
        return type <= T_STATE_MAX && (flags & ~(F_HELLO_MASK | F_BULK_FLOW)) == 0;
    }

    /** True when the message carries the 16-byte header ({@code IS_ACK || IS_NACK || IS_RESYNC}). */
    static boolean hasRange(int type, int flags) {
        return type == T_CTL && (flags & (F_ACK | F_NACK | F_RESYNC)) != 0;
    }

    /** {@code before(a, b)}: a precedes b modulo 2^32. */
    static boolean before(int a, int b) {
        return a - b < 0;
    }

    static boolean after(int a, int b) {
        return before(b, a);
    }

    /** Pads a length to the next multiple of 4 ({@code NTA_ALIGN}). */
    static int align4(int len) {
        return (len + 3) & ~3;
    }
}
