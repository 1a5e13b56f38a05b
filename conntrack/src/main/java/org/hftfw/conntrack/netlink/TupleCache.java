package org.hftfw.conntrack.netlink;

import java.net.InetAddress;
import org.hftfw.conntrack.AddressCache;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.ConntrackException.MalformedException;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;

/**
 * Tuples and addresses of recently decoded messages, handed out again when the same values come back (issue 14,
 * item 4: no allocation per event on the hot path). A flow's events all carry its two tuples, and a busy table's
 * addresses repeat across flows, but the data model is immutable ({@link Tuple} holds {@link InetAddress}es): without
 * this every event built two tuples and four addresses anew, about half of what decoding an event allocated.
 *
 * <p>Design note: set-associative, like a CPU cache: a set of {@value #WAYS} slots per hash of the raw values, a
 * hit compares the raw values kept beside each object (never the object, which would cost the comparison it saves),
 * a miss builds the object and replaces the set's slots in turn (FIFO). Eight ways, not one: in a direct-mapped cache
 * two live flows whose tuples shared a slot rebuilt them at each of their events, allocation per event for known
 * flows (issue 14 item 4); with eight, a set overflows only when nine of the live tuples hash to it. A flow's reply
 * tuple, when it is the plain inverse of the original (no NAT: most flows), is kept beside the original's slot
 * ({@link #v4Reply}) instead of taking a slot of its own, so the cache holds about as many flows as slots. A table
 * with more flows changing at once than that still misses, and builds the two tuples of each such event. No locking, bounded memory; sharing the objects is safe
 * because they are immutable. IPv6 addresses are cached, IPv6 tuples are built from them. Not thread-safe: one per
 * decoder.
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
    private static final int WAYS = 8;

    /** Raw values of each tuple slot side by side (one cache line or two per lookup, not one per value). */
    private static final int KEY_INTS = 5;

    private final Tuple[] tuples;
    private final int[] tupleKeys;
    private final int sets;
    /** The way of each set that the set's next miss replaces. */
    private final byte[] nextVictim;
    /** The inverse of each slot's tuple, made when first asked for ({@link #v4Reply}); null: not yet. */
    private final Tuple[] inverses;
    /** The flow key of each slot's tuple as an original, made when first asked for ({@link #flowId}); null: not yet. */
    private final FlowId[] flowIds;
    /** The slot {@link #v4} returned last, and that tuple's raw values: what {@link #v4Reply} inverts. */
    private int lastSlot = -1;
    private int lastSrc;
    private int lastDst;
    private int lastPorts;
    private int lastProto;

    private final AddressCache addresses = new AddressCache();

    /** @param slots tuple slots, a power of two of at least {@value #WAYS} */
    TupleCache(int slots) {
        if (Integer.bitCount(slots) != 1 || slots < WAYS) {
            throw new IllegalArgumentException("tuple slots must be a power of two of at least " + WAYS + ": " + slots);
        }
        tuples = new Tuple[slots];
        tupleKeys = new int[slots * KEY_INTS];
        inverses = new Tuple[slots];
        flowIds = new FlowId[slots];
        sets = slots / WAYS;
        nextVictim = new byte[sets];
    }

    /** An IPv4 tuple; addresses in network order as 32-bit values. */
    Tuple v4(int src, int dst, int proto, int sport, int dport, int icmpType, int icmpCode, int icmpId) {
        int ports = sport << 16 | dport;
        int icmp = icmpType << 24 | icmpCode << 16 | icmpId;
        int h = mix(mix(mix(mix(mix(0, src), dst), ports), icmp), proto);
        int set = h & (sets - 1);
        int first = set * WAYS;
        int[] keys = tupleKeys;
        for (int slot = first; slot < first + WAYS; slot++) {
            int k = slot * KEY_INTS;
            Tuple t = tuples[slot];
            if (t != null && keys[k] == src && keys[k + 1] == dst && keys[k + 2] == ports && keys[k + 3] == icmp
                    && keys[k + 4] == proto) {
                remember(slot, src, dst, ports, proto);
                return t;
            }
        }
        int victim = nextVictim[set];
        nextVictim[set] = (byte) ((victim + 1) & (WAYS - 1));
        int slot = first + victim;
        int k = slot * KEY_INTS;
        Tuple t = new Tuple(v4(src), v4(dst), proto, sport, dport, icmpType, icmpCode, icmpId);
        tuples[slot] = t;
        inverses[slot] = null;
        flowIds[slot] = null;
        remember(slot, src, dst, ports, proto);
        keys[k] = src;
        keys[k + 1] = dst;
        keys[k + 2] = ports;
        keys[k + 3] = icmp;
        keys[k + 4] = proto;
        return t;
    }

    /**
     * An IPv4 reply tuple: when its values are the plain inverse of the tuple {@link #v4} returned last (a port
     * protocol's flow without NAT), that tuple's cached inverse; else {@link #v4} of the values. ICMP tuples, whose
     * inverse maps the type, always take the second way.
     */
    Tuple v4Reply(int src, int dst, int proto, int sport, int dport, int icmpType, int icmpCode, int icmpId) {
        int slot = lastSlot;
        if (slot >= 0 && src == lastDst && dst == lastSrc && proto == lastProto
                && (sport << 16 | dport) == (lastPorts << 16 | lastPorts >>> 16)
                && (icmpType | icmpCode | icmpId) == 0 && !IpProto.isIcmp(proto)) {
            Tuple inverse = inverses[slot];
            if (inverse == null) {
                inverse = tuples[slot].inverted();
                inverses[slot] = inverse;
            }
            return inverse;
        }
        return v4(src, dst, proto, sport, dport, icmpType, icmpCode, icmpId);
    }

    /** The slot of the tuple {@link #v4} returned last (call it before {@link #v4Reply}, which may move it). */
    int lastSlot() {
        return lastSlot;
    }

    /**
     * The key of the flow whose original tuple is {@code original}, which {@link #v4} returned from {@code slot}
     * ({@link #lastSlot} right after), in {@code zone}: the same object for all of a flow's events while its tuple
     * stays cached, so the event path neither builds nor looks up a key per event (issue 14 item 4). Replaced when
     * the flow's zone differs from the key's (a tuple seen in two zones: rare); a new key, not kept, when the slot
     * holds another tuple by now (the same message's NAT reply tuple took it).
     */
    @SuppressWarnings("ReferenceEquality")                 // identity on purpose: the slot's own tuple object
    FlowId flowId(int slot, Tuple original, int zone) {
        if (tuples[slot] != original) {
            return new FlowId(original, zone);
        }
        FlowId key = flowIds[slot];
        if (key == null || key.zone() != zone) {
            key = new FlowId(original, zone);
            flowIds[slot] = key;
        }
        return key;
    }

    private void remember(int slot, int src, int dst, int ports, int proto) {
        lastSlot = slot;
        lastSrc = src;
        lastDst = dst;
        lastPorts = ports;
        lastProto = proto;
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
