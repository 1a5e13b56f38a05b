package org.hftfw.lazy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;

/**
 * The knowledge base of the paper (Sect. VI-B): Qr = [src, dst, l4proto, dport] → per-state counters, initially
 * empty, a tuple inserted the first time a flow with it is seen. Bounded: a Caffeine cache with
 * {@code maximumSize} (Window TinyLFU eviction) and {@code expireAfterAccess}, maintenance run on the caller's
 * thread ({@code executor(Runnable::run)}) because the replicator is single-threaded, and time read from the
 * replicator's event clock so expiry works on virtual time too.
 */
final class KnowledgeBase {
    private final Cache<KeyStats, KeyStats> cache;
    private long evictions;

    KnowledgeBase(long maxKeys, Duration idleExpiry, Ticker ticker) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .expireAfterAccess(idleExpiry)
                .ticker(ticker)
                .executor(Runnable::run)
                .removalListener((KeyStats k, KeyStats v, RemovalCause cause) -> {
                    if (cause.wasEvicted()) {
                        evictions++;
                    }
                })
                .build();
    }

    /** The tuple for a flow's original direction, inserted empty if absent. */
    KeyStats lookup(Tuple original) {
        KeyStats probe = probe(original);
        return cache.get(probe, k -> k);
    }

    /** The stored tuple equal to {@code probe}, or null. */
    KeyStats find(KeyStats probe) {
        return cache.getIfPresent(probe);
    }

    void put(KeyStats k) {
        cache.put(k, k);
    }

    static KeyStats probe(Tuple t) {
        int port = IpProto.isIcmp(t.l4proto()) ? t.icmpType() : t.dport();
        if (t.src() instanceof Inet4Address) {
            long addrs = (long) v4(t.src()) << 32 | (v4(t.dst()) & 0xffffffffL);
            return new KeyStats.V4(addrs, t.l4proto(), port);
        }
        byte[] s = t.src().getAddress();
        byte[] d = t.dst().getAddress();
        return new KeyStats.V6(longAt(s, 0), longAt(s, 8), longAt(d, 0), longAt(d, 8), t.l4proto(), port);
    }

    /** An IPv4 address as an int: {@link Inet4Address#hashCode()} is the address, and copies no array. */
    private static int v4(InetAddress a) {
        return a.hashCode();
    }

    static long longAt(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (b[off + i] & 0xff);
        }
        return v;
    }

    void resize(long maxKeys, Duration idleExpiry) {
        cache.policy().eviction().ifPresent(e -> e.setMaximum(maxKeys));
        cache.policy().expireAfterAccess().ifPresent(e -> e.setExpiresAfter(idleExpiry));
    }

    long maximum() {
        return cache.policy().eviction().orElseThrow().getMaximum();
    }

    /**
     * Runs pending maintenance (evictions, expiry) so that {@link #size} is exact. Caffeine 3.3 expires a bounded
     * number of entries per maintenance cycle (about 1000 per queue), so this repeats until nothing changes.
     */
    void cleanUp() {
        long before;
        do {
            before = cache.estimatedSize();
            cache.cleanUp();
        } while (cache.estimatedSize() < before);
    }

    long size() {
        return cache.estimatedSize();
    }

    long evictions() {
        return evictions;
    }

    /** A copy of all tuples (for snapshots). */
    List<KeyStats> entries() {
        return new ArrayList<>(cache.asMap().keySet());
    }

    /**
     * Estimated cache bytes per tuple besides the tuple object, with compressed oops and 12-byte headers: Caffeine's
     * node for maximumSize + expireAfterAccess (40: key, value, access time, access-order links, queue type), the
     * ConcurrentHashMap node under it (32), and its share of the hash table and of the TinyLFU frequency sketch (about
     * 8 + 8 when the bound is close to the number of tuples). {@code KnowledgeBaseMemoryBench} measures the real
     * figure.
     */
    static final int CACHE_BYTES_PER_ENTRY = 88;
}
