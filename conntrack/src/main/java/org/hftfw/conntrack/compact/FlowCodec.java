package org.hftfw.conntrack.compact;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.Counters;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.Tuple;

/**
 * A {@link ConntrackEntry} as one small byte array, lossless, for the stores that keep a state per live flow
 * ({@link FlowStore}): an entry of an un-NATed IPv4 TCP flow takes 35-40 bytes, a 56-byte array with its header,
 * where the record with its two tuples took 176 bytes.
 *
 * <p>Design note. The layout starts with the flow's key, fixed-length per family, so a store compares keys and hashes
 * them on the bytes without decoding: family (4 or 6), l4proto, zone (2 bytes), source and destination address,
 * sport, dport (2 bytes each), ICMP type, code (1 each) and id (2), all big-endian as on the wire (ctnetlink's
 * CTA_TUPLE_ORIG with CTA_ZONE). Then a flags byte saying which optional parts follow, and the values as
 * LEB128 varints (protoState and timeout zig-zag, since -1 means unknown): protoState, status, timeout, mark, id,
 * use, then counters, timestamps, helper, TCP info and a reply tuple only when present. The reply tuple is stored
 * only when it is not {@code original.inverted()} (NAT), which {@link ConntrackEntry.Builder} rebuilds otherwise, so
 * most entries carry one tuple. Like conntrackd's own cache objects (src/cache.c keeps a copy of the nf_conntrack
 * object, not a parsed structure), the stored form is decoded only when a bulk send, a migration or a comparison reads
 * it.
 */
public final class FlowCodec {
    /** Bytes of an IPv4 / IPv6 flow key at the start of every encoded entry. */
    static final int KEY_LEN_V4 = 1 + 1 + 2 + 4 + 4 + 8;
    static final int KEY_LEN_V6 = 1 + 1 + 2 + 16 + 16 + 8;

    private static final int NAT = 1;
    private static final int ORIGINAL_COUNTERS = 2;
    private static final int REPLY_COUNTERS = 4;
    private static final int TIMESTAMPS = 8;
    private static final int HELPER = 16;
    private static final int TCP = 32;
    private static final int REPLY_V6 = 64;
    private static final int KNOWN_FLAGS = 127;

    private FlowCodec() {}

    /** The entry's encoded form: one array of the exact size, the only allocation (the per-event path calls this). */
    public static byte[] encode(ConntrackEntry e) {
        boolean nat = e.isNatted();
        Writer w = new Writer(new byte[size(e, nat)]);
        writeKey(w, e.original(), e.zone());
        int flags = (nat ? NAT : 0)
                | (e.originalCounters() != null ? ORIGINAL_COUNTERS : 0)
                | (e.replyCounters() != null ? REPLY_COUNTERS : 0)
                | (e.startNanos() != 0 || e.stopNanos() != 0 ? TIMESTAMPS : 0)
                | (e.helper() != null ? HELPER : 0)
                | (e.tcp() != null ? TCP : 0)
                | (nat && !e.reply().isIpv4() ? REPLY_V6 : 0);
        w.u8(flags);
        w.varLong(zigZag(e.protoState()));
        w.varLong(e.status());
        w.varLong(zigZag(e.timeout()));
        w.varLong(e.mark());
        w.varLong(e.id());
        w.varLong(zigZag(e.use()));
        if (e.originalCounters() != null) {
            w.varLong(e.originalCounters().packets());
            w.varLong(e.originalCounters().bytes());
        }
        if (e.replyCounters() != null) {
            w.varLong(e.replyCounters().packets());
            w.varLong(e.replyCounters().bytes());
        }
        if ((flags & TIMESTAMPS) != 0) {
            w.varLong(e.startNanos());
            w.varLong(e.stopNanos());
        }
        if (e.helper() != null) {
            byte[] name = e.helper().getBytes(StandardCharsets.UTF_8);
            w.varLong(name.length);
            w.bytes(name);
        }
        if (e.tcp() != null) {
            ConntrackEntry.TcpInfo t = e.tcp();
            w.varLong(zigZag(t.wscaleOriginal()));
            w.varLong(zigZag(t.wscaleReply()));
            w.varLong(zigZag(t.flagsOriginal()));
            w.varLong(zigZag(t.flagsReply()));
        }
        if (nat) {
            writeAddressesAndPorts(w, e.reply());
        }
        return w.buf;
    }

    /** The length of {@link #encode}'s array. */
    private static int size(ConntrackEntry e, boolean nat) {
        int n = keyLength(e.original()) + 1 + varLength(zigZag(e.protoState())) + varLength(e.status())
                + varLength(zigZag(e.timeout())) + varLength(e.mark()) + varLength(e.id()) + varLength(zigZag(e.use()));
        if (e.originalCounters() != null) {
            n += varLength(e.originalCounters().packets()) + varLength(e.originalCounters().bytes());
        }
        if (e.replyCounters() != null) {
            n += varLength(e.replyCounters().packets()) + varLength(e.replyCounters().bytes());
        }
        if (e.startNanos() != 0 || e.stopNanos() != 0) {
            n += varLength(e.startNanos()) + varLength(e.stopNanos());
        }
        if (e.helper() != null) {
            int len = e.helper().getBytes(StandardCharsets.UTF_8).length;
            n += varLength(len) + len;
        }
        if (e.tcp() != null) {
            ConntrackEntry.TcpInfo t = e.tcp();
            n += varLength(zigZag(t.wscaleOriginal())) + varLength(zigZag(t.wscaleReply()))
                    + varLength(zigZag(t.flagsOriginal())) + varLength(zigZag(t.flagsReply()));
        }
        if (nat) {
            n += keyLength(e.reply()) - 4;                      // the reply tuple: no family, l4proto and zone
        }
        return n;
    }

    private static int keyLength(Tuple t) {
        return t.isIpv4() ? KEY_LEN_V4 : KEY_LEN_V6;
    }

    /** Bytes of {@code v} as an unsigned LEB128 varint. */
    private static int varLength(long v) {
        return v == 0 ? 1 : (64 - Long.numberOfLeadingZeros(v) + 6) / 7;
    }

    /**
     * The entry back from {@link #encode}'s bytes.
     *
     * @throws IllegalArgumentException if {@code b} is not an encoded entry (truncated, unknown flags, trailing bytes)
     */
    public static ConntrackEntry decode(byte[] b) {
        Reader r = new Reader(b);
        try {
            int family = r.u8();
            int l4proto = r.u8();
            int zone = r.u16();
            int addrLen = addressLength(family);
            Tuple original = readTuple(r, addrLen, l4proto);
            int flags = r.u8();
            if ((flags & ~KNOWN_FLAGS) != 0) {
                throw new IllegalArgumentException("unknown flags 0x" + Integer.toHexString(flags));
            }
            ConntrackEntry.Builder e = ConntrackEntry.builder(original).zone(zone)
                    .protoState((int) unZigZag(r.varLong()))
                    .status(r.varLong())
                    .timeout(unZigZag(r.varLong()))
                    .mark(r.varLong())
                    .id(r.varLong())
                    .use((int) unZigZag(r.varLong()));
            Counters orig = (flags & ORIGINAL_COUNTERS) != 0 ? new Counters(r.varLong(), r.varLong()) : null;
            Counters repl = (flags & REPLY_COUNTERS) != 0 ? new Counters(r.varLong(), r.varLong()) : null;
            e.counters(orig, repl);
            if ((flags & TIMESTAMPS) != 0) {
                e.timestamps(r.varLong(), r.varLong());
            }
            if ((flags & HELPER) != 0) {
                int len = Math.toIntExact(r.varLong());
                e.helper(new String(r.bytes(len), StandardCharsets.UTF_8));
            }
            if ((flags & TCP) != 0) {
                e.tcp(new ConntrackEntry.TcpInfo((int) unZigZag(r.varLong()), (int) unZigZag(r.varLong()),
                        (int) unZigZag(r.varLong()), (int) unZigZag(r.varLong())));
            }
            if ((flags & NAT) != 0) {
                e.reply(readTuple(r, (flags & REPLY_V6) != 0 ? 16 : 4, l4proto));
            }
            if (r.pos != b.length) {
                throw new IllegalArgumentException((b.length - r.pos) + " bytes after the entry");
            }
            return e.build();
        } catch (ArrayIndexOutOfBoundsException | ArithmeticException e) {
            throw new IllegalArgumentException("truncated or malformed entry of " + b.length + " bytes", e);
        }
    }

    /** The key bytes of a flow: what {@link #encode} starts with. */
    public static byte[] key(FlowId id) {
        byte[] key = new byte[keyLength(id.original())];
        key(id, key);
        return key;
    }

    /** Writes the flow's key into {@code into} (at least {@link #KEY_LEN_V6} bytes long), without allocating. */
    static void key(FlowId id, byte[] into) {
        Tuple t = id.original();
        int p = 0;
        into[p++] = (byte) (t.isIpv4() ? 4 : 6);
        into[p++] = (byte) t.l4proto();
        p = u16(into, p, id.zone());
        p = address(into, p, t.src());
        p = address(into, p, t.dst());
        p = u16(into, p, t.sport());
        p = u16(into, p, t.dport());
        into[p++] = (byte) t.icmpType();
        into[p++] = (byte) t.icmpCode();
        u16(into, p, t.icmpId());
    }

    private static int u16(byte[] b, int p, int v) {
        b[p] = (byte) (v >>> 8);
        b[p + 1] = (byte) v;
        return p + 2;
    }

    /** An address's bytes; for IPv4 through {@link Inet4Address#hashCode()}, which is the address and copies nothing. */
    private static int address(byte[] b, int p, InetAddress a) {
        if (a instanceof Inet4Address) {
            int v = a.hashCode();
            b[p] = (byte) (v >>> 24);
            b[p + 1] = (byte) (v >>> 16);
            b[p + 2] = (byte) (v >>> 8);
            b[p + 3] = (byte) v;
            return p + 4;
        }
        byte[] raw = a.getAddress();
        System.arraycopy(raw, 0, b, p, raw.length);
        return p + raw.length;
    }

    /** Length of the key at the start of {@code encoded} (an encoded entry or a key), checked to be there. */
    static int keyLength(byte[] encoded) {
        if (encoded.length == 0) {
            throw new IllegalArgumentException("empty entry");
        }
        int len = switch (encoded[0]) {
            case 4 -> KEY_LEN_V4;
            case 6 -> KEY_LEN_V6;
            default -> throw new IllegalArgumentException("unknown address family " + encoded[0]);
        };
        if (encoded.length < len) {
            // the store hashes the key bytes before anything decodes them: a cut key is refused here, not as an AIOOBE
            throw new IllegalArgumentException("flow key of " + encoded.length + " bytes, family " + encoded[0]
                    + " needs " + len);
        }
        return len;
    }

    /** Whether the two byte arrays start with the same flow key. */
    static boolean sameKey(byte[] a, byte[] b) {
        int len = keyLength(a);
        return b.length >= len && Arrays.equals(a, 0, len, b, 0, len);
    }

    /**
     * A hash of the key at the start of {@code encoded}, spread over all bits (the store's index uses the high
     * ones).
     */
    static int keyHash(byte[] encoded) {
        int len = keyLength(encoded);
        int h = 0x9e3779b9;
        for (int i = 0; i < len; i++) {
            h = (h ^ encoded[i]) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    private static void writeKey(Writer w, Tuple t, int zone) {
        w.u8(t.isIpv4() ? 4 : 6);
        w.u8(t.l4proto());
        w.u16(zone);
        writeAddressesAndPorts(w, t);
    }

    private static void writeAddressesAndPorts(Writer w, Tuple t) {
        w.address(t.src());
        w.address(t.dst());
        w.u16(t.sport());
        w.u16(t.dport());
        w.u8(t.icmpType());
        w.u8(t.icmpCode());
        w.u16(t.icmpId());
    }

    private static int addressLength(int family) {
        return switch (family) {
            case 4 -> 4;
            case 6 -> 16;
            default -> throw new IllegalArgumentException("unknown address family " + family);
        };
    }

    private static Tuple readTuple(Reader r, int addrLen, int l4proto) {
        InetAddress src = address(r.bytes(addrLen));
        InetAddress dst = address(r.bytes(addrLen));
        return new Tuple(src, dst, l4proto, r.u16(), r.u16(), r.u8(), r.u8(), r.u16());
    }

    private static InetAddress address(byte[] raw) {
        try {
            InetAddress a = InetAddress.getByAddress(raw);
            // an IPv4-mapped IPv6 address comes back as Inet4Address; the tuple's family must stay IPv6
            return raw.length == 16 && a instanceof Inet4Address ? java.net.Inet6Address.getByAddress(null, raw, -1) : a;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address length " + raw.length, e);
        }
    }

    private static long zigZag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unZigZag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    /** Fills an array of the exact size ({@link #size}). */
    private static final class Writer {
        private final byte[] buf;
        private int pos;

        Writer(byte[] buf) {
            this.buf = buf;
        }

        void u8(int v) {
            buf[pos++] = (byte) v;
        }

        void u16(int v) {
            pos = FlowCodec.u16(buf, pos, v);
        }

        void address(InetAddress a) {
            pos = FlowCodec.address(buf, pos, a);
        }

        void bytes(byte[] b) {
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }

        void varLong(long v) {
            while ((v & ~0x7fL) != 0) {
                buf[pos++] = (byte) ((v & 0x7f) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
        }
    }

    /** Reads from an encoded entry; running past its end throws ArrayIndexOutOfBoundsException. */
    private static final class Reader {
        private final byte[] buf;
        private int pos;

        Reader(byte[] buf) {
            this.buf = buf;
        }

        int u8() {
            return buf[pos++] & 0xff;
        }

        int u16() {
            return (u8() << 8) | u8();
        }

        byte[] bytes(int n) {
            if (n < 0 || pos + n > buf.length) {
                throw new ArrayIndexOutOfBoundsException("need " + n + " bytes at " + pos);
            }
            byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }

        long varLong() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new ArithmeticException("varint longer than 10 bytes");
        }
    }
}
