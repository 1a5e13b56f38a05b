package org.hftfw.models.lab;

import java.util.Arrays;
import java.util.Random;

/**
 * Round-trip times the delay line gives each client address, after the hFT-FW evaluation: a homogeneous
 * network (≈ 30 ms for everyone) and a heterogeneous one (RTTs spread normally over 20–500 ms). The RTT is
 * fixed per client address, not drawn per packet: per-packet jitter would reorder TCP segments and distort
 * the flows.
 */
// one array per run, built by the factories below and only read; never compared or hashed
@SuppressWarnings("ArrayRecordComponent")
record LatencyProfile(String name, int[] rttMillis) {

    static LatencyProfile homogeneous(int clients, int rttMillis) {
        int[] rtt = new int[clients];
        Arrays.fill(rtt, rttMillis);
        return new LatencyProfile("homogeneous", rtt);
    }

    /** Normal with mean 260 ms and sd 120 ms, clipped to [20, 500] ms; seeded. */
    static LatencyProfile heterogeneous(int clients, long seed) {
        Random rnd = new Random(seed ^ 0x5DEECE66DL);
        int[] rtt = new int[clients];
        for (int i = 0; i < clients; i++) {
            rtt[i] = (int) Math.round(Math.max(20, Math.min(500, 260 + 120 * rnd.nextGaussian())));
        }
        return new LatencyProfile("heterogeneous", rtt);
    }

    static LatencyProfile parse(String name, int clients, long seed) {
        return switch (name) {
            case "homogeneous" -> homogeneous(clients, 30);
            case "heterogeneous" -> heterogeneous(clients, seed);
            case "none" -> homogeneous(clients, 0);
            default -> throw new IllegalArgumentException("unknown latency profile '" + name
                    + "' (homogeneous, heterogeneous or none)");
        };
    }
}
