package org.hftfw.conntrack;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Addresses of recently decoded messages, handed out again when the same value comes back: a busy table's addresses
 * repeat across flows (a server's, a NAT pool's, a client's several connections), and the data model is immutable
 * ({@link Tuple} holds {@link InetAddress}es, two objects each), so sharing them is safe and saves building, and on a
 * store that keeps the flows (a backup's external cache) keeping, the same address over and over.
 *
 * <p>Design note: direct-mapped, like a CPU cache (the netlink decoder's tuple cache, which uses this for its
 * addresses): a slot per hash of the raw value, a hit compares the raw value kept beside the object, a miss builds
 * the object and replaces the slot. No eviction policy, no locking, bounded memory ({@value #V4_SLOTS} IPv4 and
 * {@value #V6_SLOTS} IPv6 slots, about 40 KB with what they keep alive). Not thread-safe: one per decoder.
 */
public final class AddressCache {
    private static final int V4_SLOTS = 1 << 12;
    private static final int V6_SLOTS = 1 << 10;

    private final InetAddress[] v4 = new InetAddress[V4_SLOTS];
    private final int[] v4Keys = new int[V4_SLOTS];
    private final byte[] v4Scratch = new byte[4];

    private final InetAddress[] v6 = new InetAddress[V6_SLOTS];
    private final long[] v6Hi = new long[V6_SLOTS];
    private final long[] v6Lo = new long[V6_SLOTS];

    /** An IPv4 address in network order as a 32-bit value. */
    public InetAddress v4(int raw) {
        int slot = mix(raw, 0x5bd1e995) & (V4_SLOTS - 1);
        InetAddress a = v4[slot];
        if (a != null && v4Keys[slot] == raw) {
            return a;
        }
        v4Scratch[0] = (byte) (raw >>> 24);
        v4Scratch[1] = (byte) (raw >>> 16);
        v4Scratch[2] = (byte) (raw >>> 8);
        v4Scratch[3] = (byte) raw;
        try {
            a = InetAddress.getByAddress(v4Scratch);              // copies the bytes
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are always an address", e);
        }
        v4[slot] = a;
        v4Keys[slot] = raw;
        return a;
    }

    /**
     * An IPv6 address from its 16 bytes {@code raw} (an IPv4-mapped one stays IPv6: InetAddress.getByAddress would
     * turn it into IPv4), keyed by its two halves {@code hi} and {@code lo}, big-endian.
     */
    public InetAddress v6(byte[] raw, long hi, long lo) {
        int slot = mix(mix((int) (hi ^ hi >>> 32), (int) (lo ^ lo >>> 32)), 0x27d4eb2f) & (V6_SLOTS - 1);
        InetAddress a = v6[slot];
        if (a != null && v6Hi[slot] == hi && v6Lo[slot] == lo) {
            return a;
        }
        try {
            a = Inet6Address.getByAddress(null, raw, -1);          // copies the bytes
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not 16 bytes: " + raw.length, e);
        }
        v6[slot] = a;
        v6Hi[slot] = hi;
        v6Lo[slot] = lo;
        return a;
    }

    private static int mix(int h, int v) {
        int x = (h ^ v) * 0x9e3779b1;
        return x ^ x >>> 15;
    }
}
