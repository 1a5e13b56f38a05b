package org.hftfw.conntrack.netlink;

import java.net.InetAddress;
import org.hftfw.conntrack.AddressCache;
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
 * <p>Size, per decoder ({@link #EVENT_SLOTS} or {@link #REQUEST_SLOTS}): the event stream's decoder has
 * {@value #EVENT_SLOTS} tuple slots (about 400 KB with the tuples they keep alive), which hold the two tuples of the
 * few thousand flows that change at once; with 4 096 a replay of 1 024 interleaved TCP lifecycles missed on a slot
 * collision often enough to cost 20 B per event ({@code hftfw bench pipeline}: decode 197 -> 178 B per event, and the
 * sync stage's flow keys, cached by tuple identity, hit as often as these). A request socket's decoder reads dumps,
 * where every flow comes once and a slot is hit only by a flow's reply tuple, and single gets: {@value
 * #REQUEST_SLOTS} slots. With the event stream's size everywhere, the five decoders of {@code hftfw sync both}
 * (event stream, table requests, expectations) kept 2 MB of slot arrays idle, and a requester that had read a dump
 * of 100 000 flows kept 16 384 of its tuples alive for nothing (issue #12's footprint goal; {@code hftfw bench footprint}).
 */
final class TupleCache {
    /** Slots of the event stream's decoder. */
    static final int EVENT_SLOTS = 1 << 14;
    /** Slots of a request socket's decoder (dumps, gets) and of the expectation decoders. */
    static final int REQUEST_SLOTS = 1 << 8;

    /** Raw values of each tuple slot side by side (one cache line or two per lookup, not one per value). */
    private static final int KEY_INTS = 5;

    private final Tuple[] tuples;
    private final int[] tupleKeys;
    private final int slotMask;

    private final AddressCache addresses = new AddressCache();

    /** @param slots tuple slots, a power of two */
    TupleCache(int slots) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("tuple slots must be a power of two: " + slots);
        }
        tuples = new Tuple[slots];
        tupleKeys = new int[slots * KEY_INTS];
        slotMask = slots - 1;
    }

    /** An IPv4 tuple; addresses in network order as 32-bit values. */
    Tuple v4(int src, int dst, int proto, int sport, int dport, int icmpType, int icmpCode, int icmpId) {
        int ports = sport << 16 | dport;
        int icmp = icmpType << 24 | icmpCode << 16 | icmpId;
        int h = mix(mix(mix(mix(mix(0, src), dst), ports), icmp), proto);
        int slot = h & slotMask;
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
        return addresses.v4(raw);
    }

    /** An IPv6 address from its 16 bytes, keyed by its two halves ({@link AddressCache#v6}). */
    InetAddress v6(byte[] raw, long hi, long lo) {
        if (raw.length != 16) {
            throw new MalformedException("bad address length " + raw.length);
        }
        return addresses.v6(raw, hi, lo);
    }

    private static int mix(int h, int v) {
        int x = (h ^ v) * 0x9e3779b1;
        return x ^ x >>> 15;
    }
}
