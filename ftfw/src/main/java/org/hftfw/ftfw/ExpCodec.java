package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;

/**
 * Writes and reads FT-FW expectation messages (NET_T_STATE_EXP_NEW/UPD/DEL) byte for byte as conntrackd does.
 *
 * <p>Design note. {@link #write} follows {@code exp2msg} (src/build.c): the master's address group, L4PROTO and port
 * group, the same three for the expected tuple and for the mask, TIMEOUT (unless the sender has CommitTimeout),
 * FLAGS always, CLASS when set, the NAT part (IPv4 address group, L4PROTO, port group, DIR) when there is one, then
 * HELPER_NAME and FN. The port groups are written only for the master's protocol being TCP, UDP, SCTP or DCCP
 * ({@code exp_l4proto_fcn}), for all three tuples alike. {@link #read} follows {@code msg2exp} (src/parse.c): the
 * {@code msg2ct} TLV checks with {@link ExpAttr}'s sizes, the last occurrence wins; beyond conntrackd, a message
 * without the master, expected and mask addresses and the master's protocol cannot be applied and is rejected
 * ({@link DropReason#MISSING_IDENTITY}), as is one whose tuples disagree on the address family or whose names are
 * not NUL-terminated ({@link DropReason#INCONSISTENT}). Not thread-safe (scratch state): one per decoder.
 */
final class ExpCodec {
    /** conntrackd's name limits: nta_len (header and NUL included) at most 16 and 32. */
    static final int HELPER_MAX_CHARS = 11;
    static final int FN_MAX_CHARS = 27;

    private final byte[][] addrs = new byte[4][32];
    private final int[] l3 = new int[4];
    private final int[] proto = new int[4];
    private final int[] sport = new int[4];
    private final int[] dport = new int[4];
    private final boolean[] hasProto = new boolean[4];
    private long timeout;
    private long flags;
    private long expClass;
    private long natDir;
    private String helper;
    private String fn;
    private boolean badName;
    private boolean natSeen;
    private DropReason failure;

    private static final int MASTER = 0;
    private static final int EXPECT = 1;
    private static final int MASK = 2;
    private static final int NAT = 3;

    static int wireType(EventType t) {
        return switch (t) {
            case NEW -> Nethdr.T_EXP_NEW;
            case UPDATE -> Nethdr.T_EXP_UPD;
            case DESTROY -> Nethdr.T_EXP_DEL;
        };
    }

    static EventType eventType(int wire) {
        return switch (wire) {
            case Nethdr.T_EXP_NEW -> EventType.NEW;
            case Nethdr.T_EXP_UPD -> EventType.UPDATE;
            case Nethdr.T_EXP_DEL -> EventType.DESTROY;
            default -> throw new IllegalArgumentException("not an expectation type: " + wire);
        };
    }

    /** Whether conntrackd could read {@code e}'s names (a longer name makes it drop the whole message). */
    static boolean sendable(Expectation e) {
        return (e.helper() == null || e.helper().length() <= HELPER_MAX_CHARS)
                && (e.fn() == null || e.fn().length() <= FN_MAX_CHARS);
    }

    /** Appends one expectation message; returns its length. */
    static int write(ByteBuf out, EventType type, int flags, int seq, Expectation e, boolean omitTimeout) {
        int start = out.writerIndex();
        out.writeByte(Nethdr.VERSION << 4 | wireType(type)).writeByte(flags).writeShort(0).writeInt(seq);
        int l4 = e.master().l4proto();
        boolean ports = l4 == IpProto.TCP || l4 == IpProto.UDP || l4 == IpProto.SCTP || l4 == IpProto.DCCP;
        tuple(out, e.master(), ExpAttr.MASTER_IPV4, ExpAttr.MASTER_IPV6, ExpAttr.MASTER_L4PROTO,
                ExpAttr.MASTER_PORT, ports);
        tuple(out, e.expected(), ExpAttr.EXPECT_IPV4, ExpAttr.EXPECT_IPV6, ExpAttr.EXPECT_L4PROTO,
                ExpAttr.EXPECT_PORT, ports);
        tuple(out, e.mask(), ExpAttr.MASK_IPV4, ExpAttr.MASK_IPV6, ExpAttr.MASK_L4PROTO, ExpAttr.MASK_PORT, ports);
        if (!omitTimeout && e.timeout() >= 0) {
            u32(out, ExpAttr.TIMEOUT, e.timeout());
        }
        u32(out, ExpAttr.FLAGS, e.flags());
        if (e.expClass() >= 0) {
            u32(out, ExpAttr.CLASS, e.expClass());
        }
        Expectation.Nat nat = e.nat();
        if (nat != null) {
            Tuple t = nat.tuple();
            if (t.isIpv4()) {
                header(out, ExpAttr.NAT_IPV4);
                out.writeBytes(t.src().getAddress()).writeBytes(t.dst().getAddress());
            }
            header(out, ExpAttr.NAT_L4PROTO);
            out.writeByte(t.l4proto()).writeZero(3);
            if (ports) {
                header(out, ExpAttr.NAT_PORT);
                out.writeShort(t.sport()).writeShort(t.dport());
            }
            u32(out, ExpAttr.NAT_DIR, nat.dir());
        }
        string(out, ExpAttr.HELPER_NAME, e.helper(), HELPER_MAX_CHARS);
        string(out, ExpAttr.FN, e.fn(), FN_MAX_CHARS);
        int len = out.writerIndex() - start;
        out.setShort(start + 2, len);
        return len;
    }

    private static void tuple(ByteBuf out, Tuple t, ExpAttr v4, ExpAttr v6, ExpAttr l4, ExpAttr port, boolean ports) {
        header(out, t.isIpv4() ? v4 : v6);
        out.writeBytes(t.src().getAddress()).writeBytes(t.dst().getAddress());
        header(out, l4);
        out.writeByte(t.l4proto()).writeZero(3);
        if (ports) {
            header(out, port);
            out.writeShort(t.sport()).writeShort(t.dport());
        }
    }

    private static void header(ByteBuf out, ExpAttr a) {
        out.writeShort(Attr.HEADER + a.size).writeShort(a.id());
    }

    private static void u32(ByteBuf out, ExpAttr a, long v) {
        header(out, a);
        out.writeInt((int) v);
    }

    private static void string(ByteBuf out, ExpAttr a, String s, int max) {
        if (s == null || s.isEmpty() || s.length() > max) {
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        out.writeShort(Attr.HEADER + b.length + 1).writeShort(a.id()).writeBytes(b).writeByte(0);
        out.writeZero(Nethdr.align4(b.length + 1) - (b.length + 1));
    }

    /**
     * Reads the expectation payload of {@code len} bytes at {@code pos}: the expectation, or null when it is rejected
     * ({@link #failure()} says why).
     */
    Expectation read(ByteBuf buf, int pos, int len) {
        reset();
        while (len > Attr.HEADER) {
            int ntaLen = buf.getUnsignedShort(pos);
            int id = buf.getUnsignedShort(pos + 2);
            if (ntaLen > len) {
                return fail(DropReason.ATTR_OVERRUN);
            }
            if (id >= ExpAttr.COUNT) {
                return fail(DropReason.ATTR_UNKNOWN);
            }
            if (ntaLen < Attr.HEADER) {
                return fail(DropReason.ATTR_TOO_SHORT);
            }
            ExpAttr a = ExpAttr.of(id);
            if (a.fixed() ? ntaLen != Attr.HEADER + a.size : ntaLen > a.maxNtaLen) {
                return fail(DropReason.ATTR_BAD_LENGTH);
            }
            set(a, buf, pos + Attr.HEADER, ntaLen - Attr.HEADER);
            int step = Nethdr.align4(ntaLen);
            pos += step;
            len -= step;
        }
        return build();
    }

    DropReason failure() {
        return failure;
    }

    private Expectation fail(DropReason r) {
        failure = r;
        return null;
    }

    private void reset() {
        for (int i = 0; i < 4; i++) {
            l3[i] = 0;
            proto[i] = 0;
            sport[i] = 0;
            dport[i] = 0;
            hasProto[i] = false;
        }
        timeout = -1;
        flags = 0;
        expClass = -1;
        natDir = 0;
        helper = null;
        fn = null;
        badName = false;
        natSeen = false;
        failure = null;
    }

    private void set(ExpAttr a, ByteBuf b, int p, int n) {
        natSeen |= a == ExpAttr.NAT_IPV4 || a == ExpAttr.NAT_PORT || a == ExpAttr.NAT_L4PROTO || a == ExpAttr.NAT_DIR;
        switch (a) {
            case MASTER_IPV4, MASTER_IPV6 -> addr(MASTER, b, p, n);
            case EXPECT_IPV4, EXPECT_IPV6 -> addr(EXPECT, b, p, n);
            case MASK_IPV4, MASK_IPV6 -> addr(MASK, b, p, n);
            case NAT_IPV4 -> addr(NAT, b, p, n);
            case MASTER_L4PROTO -> l4(MASTER, b, p);
            case EXPECT_L4PROTO -> l4(EXPECT, b, p);
            case MASK_L4PROTO -> l4(MASK, b, p);
            case NAT_L4PROTO -> l4(NAT, b, p);
            case MASTER_PORT -> port(MASTER, b, p);
            case EXPECT_PORT -> port(EXPECT, b, p);
            case MASK_PORT -> port(MASK, b, p);
            case NAT_PORT -> port(NAT, b, p);
            case TIMEOUT -> timeout = b.getUnsignedInt(p);
            case FLAGS -> flags = b.getUnsignedInt(p);
            case CLASS -> expClass = b.getUnsignedInt(p);
            case NAT_DIR -> natDir = b.getUnsignedInt(p);
            case HELPER_NAME -> helper = name(b, p, n);
            case FN -> fn = name(b, p, n);
        }
    }

    private void addr(int which, ByteBuf b, int p, int n) {
        b.getBytes(p, addrs[which], 0, n);
        l3[which] = n / 2;
    }

    private void l4(int which, ByteBuf b, int p) {
        proto[which] = b.getUnsignedByte(p);
        hasProto[which] = true;
    }

    private void port(int which, ByteBuf b, int p) {
        sport[which] = b.getUnsignedShort(p);
        dport[which] = b.getUnsignedShort(p + 2);
    }

    private String name(ByteBuf b, int p, int n) {
        int k = 0;
        while (k < n && b.getByte(p + k) != 0) {
            k++;
        }
        badName |= k == n;
        return k == 0 ? null : b.toString(p, k, StandardCharsets.ISO_8859_1);
    }

    private Expectation build() {
        if (l3[MASTER] == 0 || l3[EXPECT] == 0 || l3[MASK] == 0 || !hasProto[MASTER]) {
            return fail(DropReason.MISSING_IDENTITY);
        }
        if (l3[EXPECT] != l3[MASTER] || l3[MASK] != l3[MASTER] || (l3[NAT] != 0 && l3[NAT] != l3[MASTER])
                || badName) {
            return fail(DropReason.INCONSISTENT);
        }
        int l4 = proto[MASTER];
        try {
            Tuple master = tuple(MASTER, l4);
            Tuple expected = tuple(EXPECT, hasProto[EXPECT] ? proto[EXPECT] : l4);
            Tuple mask = tuple(MASK, hasProto[MASK] ? proto[MASK] : l4);
            Expectation.Nat nat = null;
            if (natSeen) {
                // conntrackd sends no NAT address for IPv6 (its NAT group is IPv4 only): the unspecified one
                int natL3 = l3[NAT] != 0 ? l3[NAT] : l3[MASTER];
                InetAddress any = address(new byte[natL3], 0, natL3);
                Tuple t = l3[NAT] != 0 ? tuple(NAT, hasProto[NAT] ? proto[NAT] : l4)
                        : Tuple.ports(any, any, proto[NAT], sport[NAT], dport[NAT]);
                nat = new Expectation.Nat(natDir, t);
            }
            return new Expectation(master, expected, mask, timeout, flags, expClass, helper, fn, nat);
        } catch (IllegalArgumentException e) {
            return fail(DropReason.INCONSISTENT);
        }
    }

    private Tuple tuple(int which, int l4) {
        int n = l3[which];
        return new Tuple(address(addrs[which], 0, n), address(addrs[which], n, n), l4, sport[which], dport[which],
                0, 0, 0);
    }

    private static InetAddress address(byte[] raw, int off, int n) {
        byte[] a = new byte[n];
        System.arraycopy(raw, off, a, 0, n);
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }
}
