package org.hftfw.predictor;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts of alerts raised, by severity and by reason; safe to read from another thread. */
public final class AlertCounters {

    private final Map<Severity, LongAdder> bySeverity = new EnumMap<>(Severity.class);
    private final Map<String, LongAdder> byReason = new ConcurrentHashMap<>();

    AlertCounters() {
        for (Severity s : Severity.values()) {
            bySeverity.put(s, new LongAdder());
        }
    }

    void count(Alert a) {
        bySeverity.get(a.severity()).increment();
        byReason.computeIfAbsent(a.reason(), k -> new LongAdder()).increment();
    }

    public long count(Severity s) {
        return bySeverity.get(s).sum();
    }

    public long total() {
        return bySeverity.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public Map<String, Long> byReason() {
        Map<String, Long> out = new TreeMap<>();
        byReason.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
