package org.hftfw.conntrack.netlink;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.hftfw.conntrack.ConntrackException.MalformedException;
import org.hftfw.conntrack.Tuple;

/**
 * Tuples and addresses of recently decoded messages, handed out again when the same values come back (issue 14,
 * item 4: no allocation per event on the hot path). A flow's events all carry its two tuples, and a busy table's
 * addresses repeat across flows, but the data model is immutable ({@link Tuple} holds {@link InetAddress}es): without
 * this every event built two tuples and four addresses anew, about half of what decoding an event allocated.
 *
 * <p>Design note: direct-mapped, like a CPU cache: a slot per hash of the raw values, a hit compares the raw
 * values kept beside the object (never the object, which would cost the comparison it saves), a miss builds the
 * object and replaces the slot. No eviction policy, no locking, bounded memory; sharing the objects is safe because
 * they are immutable. IPv6 addresses are cached, IPv6 tuples are built from them. Not thread-safe: one per decoder.
 *
 * <p>Size: {@value #TUPLE_SLOTS} tuple slots (about 400 KB with the tuples they keep alive) hold the two tuples of
 * the few thousand flows that change at once; with 4 096 a replay of 1 024 interleaved TCP lifecycles missed on a
 * slot collision often enough to cost 20 B per event ({@code hftfw bench pipeline}: decode 197 -> 178 B per event,
 * and the sync stage's flow keys, cached by tuple identity, hit as often as these).
 */
final class TupleCache {
    private static final int TUPLE_SLOTS = 1 << 14;
    private static final int ADDRESS_SLOTS = 1 << 12;
    private static final int V6_SLOTS = 1 << 10;

    /** Raw values of each tuple slot side by side (one cache line or two per lookup, not one per value). */
    private static final int KEY_INTS = 5;

    private final Tuple[] tuples = new Tuple[TUPLE_SLOTS];
    private final int[] tupleKeys = new int[TUPLE_SLOTS * KEY_INTS];

    private final InetAddress[] v4 = new InetAddress[ADDRESS_SLOTS];
    private final int[] v4Keys = new int[ADDRESS_SLOTS];
    private final byte[] v4Scratch = new byte[4];

    private final InetAddress[] v6 = new InetAddress[V6_SLOTS];
    private final long[] v6Hi = new long[V6_SLOTS];
    private final long[] v6Lo = new long[V6_SLOTS];

    /** An IPv4 tuple; addresses in network order as 32-bit values. */
    Tuple v4(int src, int dst, int proto, int sport, int dport, int icmpType, int icmpCode, int icmpId) {
        int ports = sport << 16 | dport;
        int icmp = icmpType << 24 | icmpCode << 16 | icmpId;
        int h = mix(mix(mix(mix(mix(0, src), dst), ports), icmp), proto);
        int slot = h & (TUPLE_SLOTS - 1);
        int k = slot * KEY_INTS;
        int[] keys = tupleKeys;
        Tuple t = tuples[slot];
        if (t != null && keys[k] == src && keys[k + 1] == dst && keys[k + 2] == ports && keys[k + 3] == icmp
                && keys[k + 4] == proto) {
            return t;
        }
        t = new Tuple(v4(src), v4(dst), proto, sport, dport, icmpType, icmpCode, icmpId);
        tuples[slot] = t;
        keys[k] = src;
        keys[k + 1] = dst;
        keys[k + 2] = ports;
        keys[k + 3] = icmp;
        keys[k + 4] = proto;
        return t;
    }

    /** An IPv4 address in network order as a 32-bit value. */
    InetAddress v4(int raw) {
        int slot = mix(raw, 0x5bd1e995) & (ADDRESS_SLOTS - 1);
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
            throw new MalformedException("bad address length 4");
        }
        v4[slot] = a;
        v4Keys[slot] = raw;
        return a;
    }

    /**
     * An IPv6 address from its 16 bytes (an IPv4-mapped one stays IPv6: InetAddress.getByAddress would turn it
     * into IPv4), keyed by its two halves.
     */
    InetAddress v6(byte[] raw, long hi, long lo) {
        int slot = mix(mix((int) (hi ^ hi >>> 32), (int) (lo ^ lo >>> 32)), 0x27d4eb2f) & (V6_SLOTS - 1);
        InetAddress a = v6[slot];
        if (a != null && v6Hi[slot] == hi && v6Lo[slot] == lo) {
            return a;
        }
        try {
            a = Inet6Address.getByAddress(null, raw, -1);          // copies the bytes
        } catch (UnknownHostException e) {
            throw new MalformedException("bad address length " + raw.length);
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
