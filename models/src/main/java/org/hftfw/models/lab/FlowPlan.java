package org.hftfw.models.lab;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * A seeded, reproducible schedule of flows for the trace lab: when each flow starts, which service it
 * uses, from which client address, and its size or duration. The same seed always gives the same plan,
 * so two recordings with one seed differ only by what the kernel and the clock add.
 *
 * <p>Arrivals are Poisson (exponential gaps) at {@code flowsPerSecond}; sizes are log-normal; SSH session
 * lengths uniform in [5 s, 30 s] but never past the end of the run.
 */
record FlowPlan(long seed, List<Flow> flows) {

    /** One planned flow. {@code size} is bytes for HTTP/FTP, keystrokes for SSH, commands for mail. */
    record Flow(long startMillis, Service service, int client, int size, long durationMillis, long thinkSeed) {}

    static FlowPlan generate(long seed, int count, double flowsPerSecond, long maxMillis, int clients,
                             Map<Service, Integer> weights) {
        if (count <= 0 || flowsPerSecond <= 0 || clients <= 0) {
            throw new IllegalArgumentException("count, rate and clients must be positive");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Service> wheel = new ArrayList<>();
        for (Service s : Service.values()) {
            wheel.addAll(Collections.nCopies(weights.getOrDefault(s, s.defaultWeight), s));
        }
        if (wheel.isEmpty()) {
            throw new IllegalArgumentException("traffic mix has no service with a positive weight");
        }
        List<Flow> flows = new ArrayList<>(count);
        double t = 0;
        for (int i = 0; i < count; i++) {
            t += -Math.log(1 - rnd.nextDouble()) * 1000 / flowsPerSecond;
            long start = (long) t;
            if (start >= maxMillis) {
                break;
            }
            Service s = wheel.get(rnd.nextInt(wheel.size()));
            int client = rnd.nextInt(clients);
            int size = switch (s) {
                case HTTP -> logNormal(rnd, 9.5, 1.2, 200, 2 << 20);          // median ≈ 13 KB
                case FTP -> logNormal(rnd, 12.5, 0.8, 20_000, 8 << 20);       // median ≈ 270 KB
                case SSH -> 0;
                case POP3, IMAP -> 2 + rnd.nextInt(4);
                case DNS -> 40 + rnd.nextInt(40);
            };
            long duration = s == Service.SSH
                    ? Math.min(5_000 + rnd.nextLong(25_000), Math.max(1_000, maxMillis - start - 1_000)) : 0;
            flows.add(new Flow(start, s, client, size, duration, rnd.nextLong()));
        }
        return new FlowPlan(seed, List.copyOf(flows));
    }

    private static int logNormal(SplittableRandom rnd, double mu, double sigma, int min, int max) {
        double z = new Random(rnd.nextLong()).nextGaussian();
        return (int) Math.max(min, Math.min(max, Math.exp(mu + sigma * z)));
    }

    /** Flows per service, for the lab report and the reproducibility test. */
    Map<Service, Long> countByService() {
        Map<Service, Long> m = new java.util.EnumMap<>(Service.class);
        for (Flow f : flows) {
            m.merge(f.service(), 1L, Long::sum);
        }
        return m;
    }
}
