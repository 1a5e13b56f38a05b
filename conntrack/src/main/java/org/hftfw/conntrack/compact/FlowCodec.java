package org.hftfw.conntrack.compact;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.Counters;
import org.hftfw.conntrack.EntryView;
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
 *
 * <p>Padding (issue 14 item 4, a flow's stored state rewritten in place instead of a new array per event): a stored
 * array may be longer than its entry; then the flags byte has {@code PADDED} set, the bytes after the entry are zero
 * and the last one holds the padding's length. {@link #store} sizes a new array to the heap's 8-byte allocation unit
 * with at least {@value #HEADROOM} spare bytes, so that a flow's next states (a timeout or a counter one varint byte
 * longer) are written into the same array ({@link #fitsIn}, {@link #writeStored}).
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
    private static final int PADDED = 128;
    /** Spare bytes at least in an array {@link #store} allocates. */
    static final int HEADROOM = 2;
    /** Most padding an in-place write leaves: a state that shrank more than that gets an array of its size. */
    private static final int MAX_PADDING = 16;
    /** A byte array's header with compact object headers (JEP 519, as the daemon runs): 8 + 4 length bytes. */
    private static final int ARRAY_HEADER = 12;

    private FlowCodec() {}

    /** The entry's encoded form: one array of the exact size, the only allocation. */
    public static byte[] encode(EntryView e) {
        boolean nat = e.isNatted();
        byte[] b = new byte[size(e, nat)];
        write(e, nat, b);
        return b;
    }

    /**
     * Writes the entry's encoded form into {@code into} when it fits and returns its length; when it does not, writes
     * nothing and returns the length as a negative number (the caller grows its scratch array). Allocates nothing.
     */
    public static int encode(EntryView e, byte[] into) {
        boolean nat = e.isNatted();
        int n = size(e, nat);
        if (n > into.length) {
            return -n;
        }
        write(e, nat, into);
        return n;
    }

    /**
     * Writes the entry from {@code b[0]} on. Positions are passed and returned, not kept in a writer object: one that
     * escape analysis did not remove was an allocation per event (issue 14 item 4).
     */
    private static void write(EntryView e, boolean nat, byte[] b) {
        int p = writeKey(b, e.original(), e.zone());
        int flags = (nat ? NAT : 0)
                | (e.hasOriginalCounters() ? ORIGINAL_COUNTERS : 0)
                | (e.hasReplyCounters() ? REPLY_COUNTERS : 0)
                | (e.startNanos() != 0 || e.stopNanos() != 0 ? TIMESTAMPS : 0)
                | (e.helper() != null ? HELPER : 0)
                | (e.hasTcp() ? TCP : 0)
                | (nat && !e.reply().isIpv4() ? REPLY_V6 : 0);
        b[p++] = (byte) flags;
        p = varLong(b, p, zigZag(e.protoState()));
        p = varLong(b, p, e.status());
        p = varLong(b, p, zigZag(e.timeout()));
        p = varLong(b, p, e.mark());
        p = varLong(b, p, e.id());
        p = varLong(b, p, zigZag(e.use()));
        if (e.hasOriginalCounters()) {
            p = varLong(b, p, e.originalPackets());
            p = varLong(b, p, e.originalBytes());
        }
        if (e.hasReplyCounters()) {
            p = varLong(b, p, e.replyPackets());
            p = varLong(b, p, e.replyBytes());
        }
        if ((flags & TIMESTAMPS) != 0) {
            p = varLong(b, p, e.startNanos());
            p = varLong(b, p, e.stopNanos());
        }
        if (e.helper() != null) {
            byte[] name = e.helper().getBytes(StandardCharsets.UTF_8);
            p = varLong(b, p, name.length);
            System.arraycopy(name, 0, b, p, name.length);
            p += name.length;
        }
        if (e.hasTcp()) {
            p = varLong(b, p, zigZag(e.tcpWscaleOriginal()));
            p = varLong(b, p, zigZag(e.tcpWscaleReply()));
            p = varLong(b, p, zigZag(e.tcpFlagsOriginal()));
            p = varLong(b, p, zigZag(e.tcpFlagsReply()));
        }
        if (nat) {
            writeAddressesAndPorts(b, p, e.reply());
        }
    }

    /**
     * A new array for the entry encoded in {@code encoded[0, len)}: the entry, padded to the heap's allocation unit
     * with at least {@link #HEADROOM} spare bytes (see the class comment).
     */
    static byte[] store(byte[] encoded, int len) {
        byte[] stored = new byte[storedCapacity(len)];
        writeStored(encoded, len, stored);
        return stored;
    }

    /** Whether {@link #store} makes arrays of {@code length} bytes (for some entry length). */
    static boolean isStoredCapacity(int length) {
        return length >= 0 && (length + ARRAY_HEADER) % 8 == 0;
    }

    /** The length of the array {@link #store} makes for an entry of {@code len} bytes. */
    static int storedCapacity(int len) {
        return ((len + HEADROOM + ARRAY_HEADER + 7) & ~7) - ARRAY_HEADER;
    }

    /** Whether an entry of {@code len} bytes may be written into a stored array of {@code capacity} bytes. */
    static boolean fitsIn(int len, int capacity) {
        return len == capacity || (len < capacity && capacity - len <= MAX_PADDING);
    }

    /**
     * Writes the entry in {@code encoded[0, len)} (encoded, or stored and maybe padded itself) into {@code stored}
     * ({@link #fitsIn}), padded to its end.
     */
    static void writeStored(byte[] encoded, int len, byte[] stored) {
        System.arraycopy(encoded, 0, stored, 0, len);
        int pad = stored.length - len;
        int flagsAt = keyLength(encoded);
        if (pad > 0) {
            stored[flagsAt] = (byte) (stored[flagsAt] | PADDED);
            Arrays.fill(stored, len, stored.length - 1, (byte) 0);
            stored[stored.length - 1] = (byte) pad;
        } else {
            stored[flagsAt] = (byte) (stored[flagsAt] & ~PADDED);
        }
    }

    /** The length of the entry in a stored array (without its padding). */
    static int entryLength(byte[] stored) {
        int flagsAt = keyLength(stored);
        if (stored.length <= flagsAt || (stored[flagsAt] & PADDED) == 0) {
            return stored.length;
        }
        return stored.length - (stored[stored.length - 1] & 0xff);
    }

    /** Whether a stored array holds the entry encoded in {@code encoded[0, len)}, padding aside. */
    public static boolean sameEntry(byte[] stored, byte[] encoded, int len) {
        if (entryLength(stored) != len) {
            return false;
        }
        int flagsAt = keyLength(stored);
        return Arrays.equals(stored, 0, flagsAt, encoded, 0, flagsAt)
                && ((stored[flagsAt] ^ encoded[flagsAt]) & 0xff & ~PADDED) == 0
                && Arrays.equals(stored, flagsAt + 1, len, encoded, flagsAt + 1, len);
    }

    /** The length of {@link #encode}'s array. */
    private static int size(EntryView e, boolean nat) {
        int n = keyLength(e.original()) + 1 + varLength(zigZag(e.protoState())) + varLength(e.status())
                + varLength(zigZag(e.timeout())) + varLength(e.mark()) + varLength(e.id()) + varLength(zigZag(e.use()));
        if (e.hasOriginalCounters()) {
            n += varLength(e.originalPackets()) + varLength(e.originalBytes());
        }
        if (e.hasReplyCounters()) {
            n += varLength(e.replyPackets()) + varLength(e.replyBytes());
        }
        if (e.startNanos() != 0 || e.stopNanos() != 0) {
            n += varLength(e.startNanos()) + varLength(e.stopNanos());
        }
        if (e.helper() != null) {
            int len = e.helper().getBytes(StandardCharsets.UTF_8).length;
            n += varLength(len) + len;
        }
        if (e.hasTcp()) {
            n += varLength(zigZag(e.tcpWscaleOriginal())) + varLength(zigZag(e.tcpWscaleReply()))
                    + varLength(zigZag(e.tcpFlagsOriginal())) + varLength(zigZag(e.tcpFlagsReply()));
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
            int end = b.length;
            if ((flags & PADDED) != 0) {
                int pad = b[b.length - 1] & 0xff;
                end = b.length - pad;
                if (pad == 0 || end < r.pos) {
                    throw new IllegalArgumentException("padding of " + pad + " bytes does not fit the entry");
                }
                for (int i = end; i < b.length - 1; i++) {
                    if (b[i] != 0) {
                        throw new IllegalArgumentException("non-zero padding after the entry");
                    }
                }
            }
            if (r.pos != end) {
                throw new IllegalArgumentException((end - r.pos) + " bytes after the entry");
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
     * ones). Four bytes a step (both key lengths are multiples of four): the event path hashes a key two to four
     * times per event, and a multiply per byte was 3-4 % of its samples under C1, the daemon's compiler ({@code
     * hftfw bench pipeline --daemon-jit}, docs/performance.md §4, ninth round).
     */
    static int keyHash(byte[] encoded) {
        int len = keyLength(encoded);
        int h = 0x9e3779b9;
        for (int i = 0; i < len; i += 4) {
            int w = encoded[i] << 24 | (encoded[i + 1] & 0xff) << 16 | (encoded[i + 2] & 0xff) << 8
                    | (encoded[i + 3] & 0xff);
            h = (h ^ w) * 0x9e3779b1;
            h ^= h >>> 15;
        }
        return h ^ (h >>> 16);
    }

    /** Writes the flow key of {@code t} and {@code zone} from {@code b[0]}; returns the position after it. */
    private static int writeKey(byte[] b, Tuple t, int zone) {
        b[0] = (byte) (t.isIpv4() ? 4 : 6);
        b[1] = (byte) t.l4proto();
        return writeAddressesAndPorts(b, u16(b, 2, zone), t);
    }

    private static int writeAddressesAndPorts(byte[] b, int p, Tuple t) {
        p = address(b, p, t.src());
        p = address(b, p, t.dst());
        p = u16(b, p, t.sport());
        p = u16(b, p, t.dport());
        b[p] = (byte) t.icmpType();
        b[p + 1] = (byte) t.icmpCode();
        return u16(b, p + 2, t.icmpId());
    }

    /** Writes {@code v} as an unsigned LEB128 varint at {@code p}; returns the position after it. */
    private static int varLong(byte[] b, int p, long v) {
        while ((v & ~0x7fL) != 0) {
            b[p++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        b[p++] = (byte) v;
        return p;
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
