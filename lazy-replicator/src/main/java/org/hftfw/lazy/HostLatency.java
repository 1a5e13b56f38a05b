package org.hftfw.lazy;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last handshake round-trip time measured per source address, so that the first states of a new flow (before
 * its own handshake completes, e.g. SYN_RECV, whose lifetime is the client's RTT) can be classified with the
 * client's latency. Smoothed (new = (old + sample) / 2) so that one slow handshake does not flip it; bounded, least
 * recently used address evicted first. Runtime state only: not stored in model files (a model may come from another
 * network). Single-threaded like the replicator.
 */
final class HostLatency {
    private final Map<InetAddress, long[]> rtt;
    private long max;

    HostLatency(long max) {
        this.max = max;
        this.rtt = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, long[]> eldest) {
                return size() > HostLatency.this.max;
            }
        };
    }

    void record(InetAddress host, long sampleNanos) {
        long[] v = rtt.get(host);
        if (v == null) {
            rtt.put(host, new long[] {sampleNanos});
        } else {
            v[0] = (v[0] + sampleNanos) / 2;
        }
    }

    /** The smoothed RTT of {@code host}, or −1 if none was measured. */
    long get(InetAddress host) {
        long[] v = rtt.get(host);
        return v == null ? -1 : v[0];
    }

    void resize(long newMax) {
        max = newMax;
        var it = rtt.entrySet().iterator();
        while (rtt.size() > max && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    int size() {
        return rtt.size();
    }
}
