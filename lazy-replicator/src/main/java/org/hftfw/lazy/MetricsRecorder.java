package org.hftfw.lazy;

import java.util.LinkedHashMap;
import java.util.Map;

/** Counts decisions per state id and per port class; single-threaded like the replicator. */
final class MetricsRecorder {
    static final int CHANGES = 0;
    static final int SENT = 1;
    static final int LABELLED = 2;
    static final int WRONG = 3;
    static final int DEFERRED_SENT = 4;
    static final int FALLBACK = 5;
    static final int NO_KNOWLEDGE = 6;
    private static final int KINDS = 7;

    private final long[][] perState = new long[KINDS][StateIds.COUNT];
    private final long[][] perPort = new long[KINDS][FeatureEncoder.PORT_CLASSES];
    long events;
    long destroys;
    long destroysSent;
    long resets;
    long stableNanos;
    long exposedNanos;
    long lostNanos;
    long flowEvictions;

    void count(int kind, int stateId, int portClass) {
        perState[kind][stateId]++;
        perPort[kind][portClass]++;
    }

    long total(int kind) {
        long s = 0;
        for (long v : perState[kind]) {
            s += v;
        }
        return s;
    }

    /** Adds an ended state of the given lifetime to the exposure sums (see {@link ReplicatorMetrics}). */
    void stateEnded(FlowRecord f, long end, long boundary) {
        long lifetime = end - f.start;
        if (lifetime < boundary) {
            return;
        }
        long stableFrom = f.start + boundary;
        stableNanos += end - stableFrom;
        if (f.backupAtStart == f.stateId) {
            return;
        }
        long holdsFrom = f.sentAt >= 0 ? Math.min(Math.max(f.sentAt, stableFrom), end) : end;
        long exposed = holdsFrom - stableFrom;
        exposedNanos += exposed;
        if (f.backupAtStart < 0) {
            lostNanos += exposed;
        }
    }

    ReplicatorMetrics snapshot(long kbSize, long kbEvictions, double bytesPerTuple, long liveFlows) {
        long changes = total(CHANGES);
        long stateSent = total(SENT);
        long sent = stateSent + destroysSent;
        long labelled = total(LABELLED);
        long wrong = total(WRONG);
        Map<String, ClassMetrics> states = new LinkedHashMap<>();
        for (int s = 0; s < StateIds.COUNT; s++) {
            if (perState[CHANGES][s] > 0) {
                states.put(StateIds.name(s), classMetrics(StateIds.name(s), perState, s));
            }
        }
        Map<String, ClassMetrics> ports = new LinkedHashMap<>();
        for (int p = 0; p < FeatureEncoder.PORT_CLASSES; p++) {
            if (perPort[CHANGES][p] > 0) {
                String n = FeatureEncoder.PORT_CLASS_NAMES[p];
                ports.put(n, classMetrics(n, perPort, p));
            }
        }
        return new ReplicatorMetrics(events, changes, destroys, sent, destroysSent,
                events == 0 ? 0.0 : 1.0 - (double) sent / events, labelled, wrong, ratio(wrong, labelled),
                total(DEFERRED_SENT), resets, total(FALLBACK), total(NO_KNOWLEDGE), kbSize, kbEvictions,
                bytesPerTuple, liveFlows, flowEvictions, stableNanos, exposedNanos, ratio(exposedNanos, stableNanos),
                lostNanos, ratio(lostNanos, stableNanos), states, ports);
    }

    private static ClassMetrics classMetrics(String name, long[][] c, int i) {
        long changes = c[CHANGES][i];
        return new ClassMetrics(name, changes, c[SENT][i], changes == 0 ? 0.0 : 1.0 - (double) c[SENT][i] / changes,
                c[LABELLED][i], c[WRONG][i], ratio(c[WRONG][i], c[LABELLED][i]), c[DEFERRED_SENT][i],
                c[FALLBACK][i], c[NO_KNOWLEDGE][i]);
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0.0 : (double) a / b;
    }
}
