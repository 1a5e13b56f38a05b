package org.hftfw.lazy;

import java.util.Arrays;

/**
 * Stops holding a state of one service where the changes held there turned out stable most of the time (issue 13,
 * item 3: wrong ≤ 0.5 %, DROP exposure ≤ 0.15 %).
 *
 * <p><b>Why.</b> The latency-scaled model and the fallback learn per (state, port class), so one service can inherit
 * what another service of its port class taught them. Measured on a generated bimodal mix (1008): one-way statsd
 * datagrams (port 8125, UNREPLIED until the 30 s timeout) share the port class "1024-49151" with an IPsec NAT-T
 * stream (port 4500) whose UNREPLIED ends within one RTT, so 50 of 141 statsd flows of LAN clients were held — in
 * DROP mode never sent, 0.45 % exposure. The tuple's own counters veto such holds only after 5 flows of the same
 * [client, server, port], which most clients never reach; a service's flows from all clients reach it soon.
 *
 * <p><b>Rule.</b> Per service [server address, protocol, port] and state: count the changes held there by the
 * latency-scaled model or the fallback and those of them that turned out stable. Once {@link #MIN_STABLE} were stable
 * and they are more than half of those held, that state of that service is no longer held (the change is
 * replicated, the safe default). A calibrated source holds at P(SS) ≤ barrier, so a majority of stable ones among
 * its holds is far outside chance (at P(SS) = 0.125: 3 of 3, 3 of 4 or 4 of 6 have probability ≤ 1 %). The tuple's
 * own counters are not guarded (they are the paper's classifier, reset after consecutive wrong predictions).
 *
 * <p><b>Cost.</b> An open-addressing table of {@link #CAPACITY} services (keys and packed counters in plain arrays:
 * no allocation per event), cleared when three quarters full (a firewall serving more distinct server ports than
 * that loses what it counted); one lookup per held change and one per label of a held change. Runtime only.
 */
final class ServiceGuard {
    static final int MIN_STABLE = 3;
    static final int CAPACITY = 1 << 12;
    private static final int MASK = CAPACITY - 1;

    /** Service keys ({@link KeyStats#serviceKey}, never 0); 0 = empty. */
    private final long[] keys = new long[CAPACITY];
    /** Per service and state slot: held count (high byte) and stable count (low byte), 4 slots per long. */
    private final long[] counts = new long[CAPACITY * 2];
    /** Bit per state slot: that state of the service is no longer held. */
    private final byte[] vetoed = new byte[CAPACITY];
    private int size;
    private long vetoes;

    /** True when {@code slot}'s state of {@code service} must not be held. */
    boolean vetoes(long service, int slot) {
        int i = find(service);
        return i >= 0 && (vetoed[i] & (1 << slot)) != 0;
    }

    /** A change of {@code slot}'s state of {@code service} held by a guarded source has been labelled. */
    void record(long service, int slot, boolean stable) {
        int i = find(service);
        if (i < 0) {
            if (4 * (size + 1) > 3 * CAPACITY) {
                Arrays.fill(keys, 0);
                Arrays.fill(counts, 0);
                Arrays.fill(vetoed, (byte) 0);
                size = 0;
            }
            i = insert(service);
        }
        if ((vetoed[i] & (1 << slot)) != 0) {
            return;
        }
        int word = 2 * i + (slot >>> 2);
        int shift = (slot & 3) * 16;
        int c = (int) (counts[word] >>> shift) & 0xffff;
        int held = c >>> 8;
        int wrong = c & 0xff;
        if (held == KeyStats.MAX_COUNT) {
            held >>= 1;
            wrong >>= 1;
        }
        held++;
        if (stable) {
            wrong++;
        }
        counts[word] = (counts[word] & ~(0xffffL << shift)) | ((long) (held << 8 | wrong) << shift);
        if (wrong >= MIN_STABLE && 2 * wrong > held) {
            vetoed[i] |= (byte) (1 << slot);
            vetoes++;
        }
    }

    /** Service states vetoed so far. */
    long vetoes() {
        return vetoes;
    }

    private int find(long service) {
        for (int i = slotOf(service), n = 0; n < CAPACITY; i = (i + 1) & MASK, n++) {
            if (keys[i] == service) {
                return i;
            }
            if (keys[i] == 0) {
                return -1;
            }
        }
        return -1;
    }

    private int insert(long service) {
        int i = slotOf(service);
        while (keys[i] != 0) {
            i = (i + 1) & MASK;
        }
        keys[i] = service;
        size++;
        return i;
    }

    private static int slotOf(long service) {
        long h = service * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 52) & MASK;
    }
}
