package org.hftfw.lazy;

import java.net.Inet4Address;
import org.hftfw.conntrack.Tuple;

/**
 * One knowledge-base tuple Qr = [src, dst, l4proto, dport] with its per-state counters, packed to keep the
 * knowledge base small (the seed's C implementation used 80 B per tuple; hFT-FW aims at ≤ 128 B including the
 * cache's own bookkeeping).
 *
 * <p>The same object is the cache key and the cache value: equality and hash use the key fields only, and the
 * counters live beside them, so a tuple costs one object (40 B for IPv4: 12 B header, {@code meta},
 * {@code c0}, {@code c1}, the address long) plus the Caffeine node.
 *
 * <p>Counters: 8 slots ({@link StateIds#slot}), each 16 bits = t (observations, high byte) and v (observed as
 * TS, low byte), slots 0-3 in {@code c0} and 4-7 in {@code c1}. P(TS | state, Qr) = v/t (paper, Sect. VI-B).
 * When t would pass 255 both counts are halved first: the ratio is kept and old observations weigh less, which
 * also lets a tuple follow a change of network latency. {@code meta} holds l4proto (8 bits), dport (16 bits) and
 * the streak of consecutive wrong predictions (8 bits).
 */
abstract sealed class KeyStats permits KeyStats.V4, KeyStats.V6 {
    static final int MAX_COUNT = 255;
    static final int MAX_STREAK = 255;
    static final int SLOTS = 8;

    private int meta;
    long c0;
    long c1;

    KeyStats(int l4proto, int dport) {
        this.meta = (l4proto & 0xff) << 24 | (dport & 0xffff) << 8;
    }

    final int l4proto() {
        return meta >>> 24;
    }

    final int dport() {
        return (meta >>> 8) & 0xffff;
    }

    final int keyMeta() {
        return meta & 0xffffff00;
    }

    final int streak() {
        return meta & 0xff;
    }

    final void streak(int s) {
        meta = (meta & 0xffffff00) | Math.min(s, MAX_STREAK);
    }

    private long word(int slot) {
        return slot < 4 ? c0 : c1;
    }

    final int observed(int slot) {
        return (int) (word(slot) >>> ((slot & 3) * 16 + 8)) & 0xff;
    }

    final int observedTs(int slot) {
        return (int) (word(slot) >>> ((slot & 3) * 16)) & 0xff;
    }

    /** Adds one labelled observation of the state in {@code slot}. */
    final void observe(int slot, boolean transitional) {
        int t = observed(slot);
        int v = observedTs(slot);
        if (t == MAX_COUNT) {
            t >>= 1;
            v >>= 1;
        }
        t++;
        if (transitional) {
            v++;
        }
        int shift = (slot & 3) * 16;
        long cleared = word(slot) & ~(0xffffL << shift);
        long w = cleared | ((long) (t << 8 | v) << shift);
        if (slot < 4) {
            c0 = w;
        } else {
            c1 = w;
        }
    }

    /** Forgets all observations and the failure streak (the paper's reset of an outdated tuple). */
    final void reset() {
        c0 = 0;
        c1 = 0;
        streak(0);
    }

    final boolean equalKeyMeta(KeyStats o) {
        return keyMeta() == o.keyMeta();
    }

    /** Shallow object size in bytes with the usual 12-byte header (compressed class pointers). */
    abstract int objectBytes();

    /** The service [dst, l4proto, dport] of this tuple as a non-zero long ({@link ServiceGuard}). */
    abstract long serviceKey();

    /** Whether {@code t} has this tuple's source and destination ({@link FlowTable} names a flow by them). */
    abstract boolean sameAddresses(Tuple t);

    /** An IPv4 tuple: both addresses in one long (src in the high half). */
    static final class V4 extends KeyStats {
        final long addrs;

        V4(long addrs, int l4proto, int dport) {
            super(l4proto, dport);
            this.addrs = addrs;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof V4 k && k.addrs == addrs && equalKeyMeta(k);
        }

        @Override
        public int hashCode() {
            long h = addrs * 0x9E3779B97F4A7C15L + keyMeta();
            return (int) (h ^ (h >>> 32));
        }

        @Override
        int objectBytes() {
            return 40;
        }

        @Override
        boolean sameAddresses(Tuple t) {
            // an Inet4Address's hash code is its address (as KnowledgeBase.probe reads it), without the copy
            return t.src() instanceof Inet4Address s && t.dst() instanceof Inet4Address d
                    && addrs == ((long) s.hashCode() << 32 | (d.hashCode() & 0xffffffffL));
        }

        @Override
        long serviceKey() {
            // dst (32 bits), l4proto (8), dport (16), and a top bit so that no key is 0
            return Long.MIN_VALUE | (addrs & 0xffffffffL) << 24 | keyMeta() >>> 8;
        }

        @Override
        public String toString() {
            int s = (int) (addrs >>> 32);
            int d = (int) addrs;
            return "[" + (s >>> 24) + "." + (s >>> 16 & 0xff) + "." + (s >>> 8 & 0xff) + "." + (s & 0xff) + ", "
                    + (d >>> 24) + "." + (d >>> 16 & 0xff) + "." + (d >>> 8 & 0xff) + "." + (d & 0xff) + ", "
                    + org.hftfw.conntrack.IpProto.name(l4proto()) + "/" + dport() + "]";
        }
    }

    /** An IPv6 tuple: each address as two longs. */
    static final class V6 extends KeyStats {
        final long src0;
        final long src1;
        final long dst0;
        final long dst1;

        V6(long src0, long src1, long dst0, long dst1, int l4proto, int dport) {
            super(l4proto, dport);
            this.src0 = src0;
            this.src1 = src1;
            this.dst0 = dst0;
            this.dst1 = dst1;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof V6 k && k.src0 == src0 && k.src1 == src1 && k.dst0 == dst0 && k.dst1 == dst1
                    && equalKeyMeta(k);
        }

        @Override
        public int hashCode() {
            long h = src0;
            h = h * 0x9E3779B97F4A7C15L + src1;
            h = h * 0x9E3779B97F4A7C15L + dst0;
            h = h * 0x9E3779B97F4A7C15L + dst1;
            h = h * 0x9E3779B97F4A7C15L + keyMeta();
            return (int) (h ^ (h >>> 32));
        }

        @Override
        int objectBytes() {
            return 64;
        }

        @Override
        boolean sameAddresses(Tuple t) {
            if (t.src() instanceof Inet4Address) {
                return false;
            }
            byte[] s = t.src().getAddress();
            byte[] d = t.dst().getAddress();
            return KnowledgeBase.longAt(s, 0) == src0 && KnowledgeBase.longAt(s, 8) == src1
                    && KnowledgeBase.longAt(d, 0) == dst0 && KnowledgeBase.longAt(d, 8) == dst1;
        }

        @Override
        long serviceKey() {
            long h = dst0 * 0x9E3779B97F4A7C15L + dst1;
            h = h * 0x9E3779B97F4A7C15L + keyMeta();
            return h == 0 ? 1 : h;
        }

        @Override
        public String toString() {
            return String.format("[%016x%016x, %016x%016x, %s/%d]", src0, src1, dst0, dst1,
                    org.hftfw.conntrack.IpProto.name(l4proto()), dport());
        }
    }
}
