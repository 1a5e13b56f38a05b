package org.hftfw.sync;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The sidecar's metrics, read on demand from the components that own them (no second copy of any counter)
 * and rendered in the Prometheus text exposition format (version 0.0.4).
 */
public final class MetricsRegistry {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private record Metric(String type, String help, DoubleSupplier value, Supplier<Map<String, ? extends Number>> labelled,
                          String label) {}

    private final Map<String, Metric> metrics = new ConcurrentSkipListMap<>();

    /** A value that only goes up (messages sent, events seen). */
    public MetricsRegistry counter(String name, String help, DoubleSupplier value) {
        return add(name, new Metric("counter", help, Objects.requireNonNull(value), null, null));
    }

    /** A value that goes up and down (queue length, table size). */
    public MetricsRegistry gauge(String name, String help, DoubleSupplier value) {
        return add(name, new Metric("gauge", help, Objects.requireNonNull(value), null, null));
    }

    /** A family of gauges keyed by one label, e.g. saved messages per state: {@code label="state"}. */
    public MetricsRegistry gauges(String name, String help, String label, Supplier<Map<String, ? extends Number>> values) {
        if (!NAME.matcher(label).matches()) {
            throw new IllegalArgumentException("bad label name: " + label);
        }
        return add(name, new Metric("gauge", help, null, Objects.requireNonNull(values), label));
    }

    /** A family of counters keyed by one label, e.g. alerts per severity: {@code label="severity"}. */
    public MetricsRegistry counters(String name, String help, String label,
                                    Supplier<Map<String, ? extends Number>> values) {
        if (!NAME.matcher(label).matches()) {
            throw new IllegalArgumentException("bad label name: " + label);
        }
        return add(name, new Metric("counter", help, null, Objects.requireNonNull(values), label));
    }

    private MetricsRegistry add(String name, Metric m) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad metric name: " + name);
        }
        // Prometheus naming (what promtool check metrics enforces): a counter's name ends in _total, nothing else's does
        boolean total = name.endsWith("_total");
        if (m.type().equals("counter") != total) {
            throw new IllegalArgumentException(m.type() + " " + name + ": only counters end in _total, and every "
                    + "counter does");
        }
        if (metrics.putIfAbsent(name, m) != null) {
            throw new IllegalArgumentException("metric registered twice: " + name);
        }
        return this;
    }

    /** Renders every metric; a supplier that throws is reported as a comment, not as a failed scrape. */
    public String scrape() {
        StringBuilder sb = new StringBuilder(4096);
        metrics.forEach((name, m) -> {
            sb.append("# HELP ").append(name).append(' ').append(m.help().replace("\\", "\\\\").replace("\n", "\\n"))
                    .append('\n').append("# TYPE ").append(name).append(' ').append(m.type()).append('\n');
            try {
                if (m.value() != null) {
                    sb.append(name).append(' ').append(format(m.value().getAsDouble())).append('\n');
                } else {
                    m.labelled().get().forEach((k, v) -> sb.append(name).append('{').append(m.label()).append("=\"")
                            .append(k.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append("\"} ")
                            .append(format(v.doubleValue())).append('\n'));
                }
            } catch (RuntimeException e) {
                sb.append("# ").append(name).append(" unavailable: ").append(e.getClass().getSimpleName()).append('\n');
            }
        });
        return sb.toString();
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.6g", v);
    }
}
