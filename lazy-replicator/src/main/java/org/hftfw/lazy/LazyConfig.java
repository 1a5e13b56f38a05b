package org.hftfw.lazy;

import org.hftfw.common.InvalidConfigException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of the lazy replicator. The record itself accepts any values so that a configuration file can be read
 * into it as is; {@link #problems()} / {@link #validated()} check it, and {@link LazyReplicator} refuses (at
 * construction) or ignores (at {@link LazyReplicator#reconfigure}) a configuration with problems.
 *
 * @param barrier               a state is transitional (held back) when P(SS | state, Qr) ≤ barrier; in [0, 1].
 *                              The paper recommends a low barrier (0.125)
 * @param latency               acceptable network latency l; the TS/SS boundary is B = 2·l (paper, Sect. III)
 * @param mode                  {@link Mode#DROP} or {@link Mode#DEFER}
 * @param maxFailingPredictions after this many consecutive wrong predictions (SS classified TS) for a key, the
 *                              key's knowledge is reset (paper, end of Sect. VI); 0 disables resets; ≤ 255
 * @param minObservations       a (key, state) needs this many labelled observations before its own ratio is
 *                              used; below, the naive Bayes fallback decides; in [1, 255]
 * @param maxKeys               bound of the knowledge base (number of Qr tuples)
 * @param keyIdleExpiry         a Qr tuple not used for this long is forgotten
 * @param maxFlows              bound of the live-flow table (flows whose current state is tracked)
 * @param flowIdleExpiry        a live flow without events for this long is forgotten
 * @param learning              false freezes the knowledge (evaluate a given model as is)
 */
public record LazyConfig(double barrier, Duration latency, Mode mode, int maxFailingPredictions,
                         int minObservations, long maxKeys, Duration keyIdleExpiry, long maxFlows,
                         Duration flowIdleExpiry, boolean learning) {

    /** Upper limit of l: beyond an hour "transitional" means nothing for conntrack states. */
    static final Duration MAX_LATENCY = Duration.ofHours(1);

    /**
     * Defaults: barrier 0.125, l = 100 ms (B = 200 ms), defer (held states are sent at B if still current: exposure
     * 0 where drop leaves stable states unsent, for 0.05-0.3 points of savings, docs/evaluation.md), reset after 3
     * failures, 5 observations.
     */
    public static LazyConfig defaults() {
        return new LazyConfig(0.125, Duration.ofMillis(100), Mode.DEFER, 3, 5, 1_000_000,
                Duration.ofHours(1), 1_000_000, Duration.ofDays(5), true);
    }

    /** The TS/SS boundary B = 2·l in nanoseconds. */
    public long boundaryNanos() {
        return latency.toNanos() * 2;
    }

    public LazyConfig withBarrier(double b) {
        return new LazyConfig(b, latency, mode, maxFailingPredictions, minObservations, maxKeys, keyIdleExpiry,
                maxFlows, flowIdleExpiry, learning);
    }

    public LazyConfig withLatency(Duration l) {
        return new LazyConfig(barrier, l, mode, maxFailingPredictions, minObservations, maxKeys, keyIdleExpiry,
                maxFlows, flowIdleExpiry, learning);
    }

    public LazyConfig withMode(Mode m) {
        return new LazyConfig(barrier, latency, m, maxFailingPredictions, minObservations, maxKeys, keyIdleExpiry,
                maxFlows, flowIdleExpiry, learning);
    }

    public LazyConfig withMaxFailingPredictions(int n) {
        return new LazyConfig(barrier, latency, mode, n, minObservations, maxKeys, keyIdleExpiry, maxFlows,
                flowIdleExpiry, learning);
    }

    public LazyConfig withMinObservations(int n) {
        return new LazyConfig(barrier, latency, mode, maxFailingPredictions, n, maxKeys, keyIdleExpiry, maxFlows,
                flowIdleExpiry, learning);
    }

    public LazyConfig withMaxKeys(long n) {
        return new LazyConfig(barrier, latency, mode, maxFailingPredictions, minObservations, n, keyIdleExpiry,
                maxFlows, flowIdleExpiry, learning);
    }

    public LazyConfig withKeyIdleExpiry(Duration d) {
        return new LazyConfig(barrier, latency, mode, maxFailingPredictions, minObservations, maxKeys, d, maxFlows,
                flowIdleExpiry, learning);
    }

    public LazyConfig withMaxFlows(long n) {
        return new LazyConfig(barrier, latency, mode, maxFailingPredictions, minObservations, maxKeys,
                keyIdleExpiry, n, flowIdleExpiry, learning);
    }

    public LazyConfig withFlowIdleExpiry(Duration d) {
        return new LazyConfig(barrier, latency, mode, maxFailingPredictions, minObservations, maxKeys,
                keyIdleExpiry, maxFlows, d, learning);
    }

    public LazyConfig withLearning(boolean on) {
        return new LazyConfig(barrier, latency, mode, maxFailingPredictions, minObservations, maxKeys,
                keyIdleExpiry, maxFlows, flowIdleExpiry, on);
    }

    /** Every problem of this configuration, each a sentence naming the setting; empty when valid. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (!(barrier >= 0.0 && barrier <= 1.0)) {
            p.add("barrier must be in [0, 1], got " + barrier);
        }
        if (latency == null || latency.isNegative() || latency.isZero()) {
            p.add("latency must be > 0, got " + latency);
        } else if (latency.compareTo(MAX_LATENCY) > 0) {
            p.add("latency must be at most " + MAX_LATENCY + ", got " + latency);
        }
        if (mode == null) {
            p.add("mode must be drop or defer");
        }
        if (maxFailingPredictions < 0 || maxFailingPredictions > KeyStats.MAX_STREAK) {
            p.add("max-failing-predictions must be in [0, " + KeyStats.MAX_STREAK + "] (0 disables resets), got "
                    + maxFailingPredictions);
        }
        if (minObservations < 1 || minObservations > KeyStats.MAX_COUNT) {
            p.add("min-observations must be in [1, " + KeyStats.MAX_COUNT + "], got " + minObservations);
        }
        if (maxKeys < 1) {
            p.add("max-keys must be ≥ 1, got " + maxKeys);
        }
        if (keyIdleExpiry == null || keyIdleExpiry.isNegative() || keyIdleExpiry.isZero()) {
            p.add("key-idle-expiry must be > 0, got " + keyIdleExpiry);
        }
        if (maxFlows < 1) {
            p.add("max-flows must be ≥ 1, got " + maxFlows);
        }
        if (flowIdleExpiry == null || flowIdleExpiry.isNegative() || flowIdleExpiry.isZero()) {
            p.add("flow-idle-expiry must be > 0, got " + flowIdleExpiry);
        }
        return p;
    }

    /** This configuration if it has no problems, else {@link InvalidConfigException} listing them all. */
    public LazyConfig validated() {
        List<String> p = problems();
        if (!p.isEmpty()) {
            throw new InvalidConfigException(p);
        }
        return this;
    }
}
