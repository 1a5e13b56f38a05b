package org.hftfw.predictor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns source samples into alerts: the fault detector and predictor (FPD) of the hFT-FW paper, §V "Proactive:
 * migration on errors" — it detects memory and PCI bus errors through the kernel's error-detection framework (EDAC,
 * AER), hardware sensors and logs, and tells the policy daemon "an error of a certain seriousness will happen".
 *
 * <p>Design note. Counters are differenced against the previous sample (a decrease is a reset: the new value counts
 * as the delta) and the positive deltas kept in a per-counter sliding window; gauges keep their recent values.
 * Rules: any uncorrected memory error, fatal AER error, uncorrected machine check or critical-temperature/fan
 * failure is CRITICAL at once (the paper's "imminent failure"); corrected errors matter as a rate, because CE bursts
 * precede UEs (Schroeder et al., "DRAM errors in the wild", SIGMETRICS 2009), so a CE count within a window is a
 * WARNING and a storm is CRITICAL; temperature above a warning limit, within a margin of the critical one or rising
 * fast (least-squares slope over a window) is a WARNING; NIC error bursts and carrier flaps are WARNINGs. Events
 * are alerted once per occurrence; conditions are alerted when they start, when they get worse, and then at most once
 * per {@code realert}. A source whose availability changes raises an INFO alert, so losing a signal is never silent.
 * Samples are timed by the caller's clock; nothing here reads the system time. Not thread-safe: one sampler.
 */
public final class Predictor {

    private static final Logger LOG = LoggerFactory.getLogger(Predictor.class);
    private final AtomicLong unknownLogClasses = new AtomicLong();   // written by the sampling thread, read by any
    private static final double NANOS_PER_MINUTE = 60e9;

    private final PredictorConfig config;
    private final Map<String, Series> series = new HashMap<>();
    private final Map<String, Availability> availability = new HashMap<>();
    private final AlertCounters counters = new AlertCounters();

    public Predictor(PredictorConfig config) {
        this.config = config;
    }

    public PredictorConfig config() {
        return config;
    }

    /** Log-event readings of a class this predictor has no rule for (ignored, counted). */
    public long unknownLogClasses() {
        return unknownLogClasses.get();
    }

    public AlertCounters counters() {
        return counters;
    }

    /** Forgets all history (the node restarted). */
    public void reset() {
        series.clear();
        availability.clear();
    }

    record Point(long t, double v) {}

    private static final class Condition {
        boolean active;
        long lastAlert;
        Severity lastSeverity;
    }

    private static final class Series {
        double last = Double.NaN;
        double delta;
        int samples;
        final ArrayDeque<Point> points = new ArrayDeque<>();
        double windowSum;
        final Map<String, Condition> conditions = new HashMap<>(4);
    }

    /** Evaluates one sample and returns the alerts it raises (also counted, and logged through {@link DeferredLog}). */
    public List<Alert> observe(SourceSample sample) {
        List<Alert> out = new ArrayList<>(0);
        long t = sample.timeNanos();
        String src = sample.source();
        Availability before = availability.put(src, sample.availability());
        if (before != null && !before.equals(sample.availability())) {
            out.add(new Alert(t, src, src + ":availability", Severity.INFO,
                    "source " + src + " is now " + kind(sample.availability()), sample.availability().label()));
        } else if (before == null && !sample.availability().isAvailable()) {
            out.add(new Alert(t, src, src + ":availability", Severity.INFO,
                    "source " + src + " starts " + kind(sample.availability()), sample.availability().label()));
        }
        List<Reading> readings = sample.readings();
        Map<String, Reading> index = new HashMap<>(readings.size() * 2);
        Series[] ss = new Series[readings.size()];
        for (int i = 0; i < readings.size(); i++) {
            Reading r = readings.get(i);
            index.put(key(r.metric(), r.component()), r);
            ss[i] = update(src, r);
        }
        for (int i = 0; i < readings.size(); i++) {
            evaluate(out, src, readings.get(i), ss[i], index, readings, ss, t);
        }
        for (Alert a : out) {
            counters.count(a);
            // written by DeferredLog's thread: the caller goes on to the policy decision without waiting for the log
            switch (a.severity()) {
                case CRITICAL -> DeferredLog.shared().error(LOG, "alert {}", a);
                case WARNING -> DeferredLog.shared().warn(LOG, "alert {}", a);
                case INFO -> DeferredLog.shared().info(LOG, "alert {}", a);
            }
        }
        return out;
    }

    private static String kind(Availability a) {
        return switch (a) {
            case Availability.Available x -> "AVAILABLE";
            case Availability.Unavailable x -> "UNAVAILABLE";
            case Availability.Degraded x -> "DEGRADED";
        };
    }

    private static String key(Metric m, String component) {
        return m.name() + '|' + component;
    }

    private Series update(String src, Reading r) {
        Series s = series.computeIfAbsent(src + '|' + r.metric().name() + '|' + r.component(), k -> new Series());
        double v = r.value();
        s.samples++;
        if (r.metric().kind() == Metric.Kind.COUNTER) {
            if (s.samples == 1) {
                s.delta = 0;
            } else if (v < s.last) {
                LOG.debug("{} {} {} reset: {} -> {}", src, r.metric(), r.component(), s.last, v);
                s.delta = v;
            } else {
                s.delta = v - s.last;
            }
        } else {
            s.delta = s.samples == 1 ? 0 : v - s.last;
        }
        s.last = v;
        return s;
    }

    private static double window(Series s, long t, double add, long windowNanos) {
        if (add > 0) {
            s.points.addLast(new Point(t, add));
            s.windowSum += add;
        }
        while (!s.points.isEmpty() && s.points.peekFirst().t() <= t - windowNanos) {
            s.windowSum -= s.points.pollFirst().v();
        }
        if (s.points.isEmpty()) {
            s.windowSum = 0;
        }
        return s.windowSum;
    }

    private void evaluate(List<Alert> out, String src, Reading r, Series s, Map<String, Reading> index,
            List<Reading> all, Series[] ss, long t) {
        String signal = src + ":" + r.metric().name() + ":" + r.component();
        boolean baseline = s.samples == 1;
        switch (r.metric()) {
            case MEM_UE -> {
                if (s.delta > 0) {
                    event(out, t, src, signal, Severity.CRITICAL, "uncorrected memory error",
                            r.component() + " ue_count " + (long) r.value() + " (+" + (long) s.delta + ")"
                                    + dimmEvidence(all, ss, Metric.DIMM_UE));
                } else if (baseline && r.value() > 0) {
                    once(out, s, "baseline", t, src, signal, Severity.WARNING,
                            "uncorrected memory errors recorded before monitoring started",
                            r.component() + " ue_count " + (long) r.value());
                }
            }
            case MEM_CE -> {
                double sum = window(s, t, s.delta, config.ceWindow().toNanos());
                Severity sev = sum >= config.ceCritical() ? Severity.CRITICAL
                        : sum >= config.ceWarning() ? Severity.WARNING : null;
                condition(out, s, "rate", sev, t, src, signal,
                        sev == Severity.CRITICAL ? "corrected memory error storm" : "corrected memory error burst",
                        r.component() + " " + (long) sum + " CE in " + config.ceWindow() + " (warning at "
                                + config.ceWarning() + ", critical at " + config.ceCritical() + ")"
                                + dimmEvidence(all, ss, Metric.DIMM_CE));
            }
            case AER_FATAL, AER_ROOTPORT_FATAL -> counterEvent(out, s, r, t, src, signal, Severity.CRITICAL,
                    "fatal PCIe error");
            case AER_NONFATAL, AER_ROOTPORT_NONFATAL -> counterEvent(out, s, r, t, src, signal, Severity.WARNING,
                    "non-fatal uncorrectable PCIe error");
            case AER_CORRECTABLE, AER_ROOTPORT_CORRECTABLE -> {
                double sum = window(s, t, s.delta, config.aerWindow().toNanos());
                condition(out, s, "rate", sum >= config.aerCorrectableWarning() ? Severity.WARNING : null, t, src,
                        signal, "correctable PCIe error burst", r.component() + " " + (long) sum + " in "
                                + config.aerWindow() + " " + r.label());
            }
            case TEMP_C -> temperature(out, s, r, index, t, src, signal);
            case TEMP_CRIT_ALARM -> condition(out, s, "flag", r.value() > 0 ? Severity.CRITICAL : null, t, src,
                    signal, "critical temperature alarm", r.component() + " " + r.label());
            case TEMP_ALARM -> condition(out, s, "flag", r.value() > 0 ? Severity.WARNING : null, t, src, signal,
                    "temperature alarm", r.component() + " " + r.label());
            case TEMP_FAULT -> condition(out, s, "flag", r.value() > 0 ? Severity.WARNING : null, t, src, signal,
                    "temperature sensor fault: no signal", r.component() + " " + r.label());
            case FAN_FAULT -> condition(out, s, "flag", r.value() > 0 ? Severity.CRITICAL : null, t, src, signal,
                    "fan failure", r.component() + " " + r.label());
            case FAN_ALARM -> condition(out, s, "flag", r.value() > 0 ? Severity.WARNING : null, t, src, signal,
                    "fan alarm", r.component() + " " + r.label());
            case FAN_RPM -> fan(out, s, r, index, t, src, signal);
            case VOLT_ALARM -> condition(out, s, "flag", r.value() > 0 ? Severity.WARNING : null, t, src, signal,
                    "voltage alarm", r.component() + " " + r.label());
            case VOLT_MV -> {
                Reading min = index.get(key(Metric.VOLT_MIN_MV, r.component()));
                Reading max = index.get(key(Metric.VOLT_MAX_MV, r.component()));
                boolean out1 = min != null && max != null && max.value() > min.value()
                        && (r.value() < min.value() || r.value() > max.value());
                condition(out, s, "range", out1 ? Severity.WARNING : null, t, src, signal, "voltage out of range",
                        r.component() + " " + r.value() + " mV not in [" + (min == null ? "?" : min.value()) + ", "
                                + (max == null ? "?" : max.value()) + "] " + r.label());
            }
            case NIC_ERRORS -> {
                double sum = window(s, t, s.delta, config.nicWindow().toNanos());
                condition(out, s, "rate", sum >= config.nicErrorWarning() ? Severity.WARNING : null, t, src, signal,
                        "NIC error burst", r.component() + " " + (long) sum + " errors in " + config.nicWindow()
                                + " " + r.label());
            }
            case NIC_CARRIER_CHANGES -> {
                double sum = window(s, t, s.delta, config.flapWindow().toNanos());
                condition(out, s, "rate", sum >= config.flapWarning() ? Severity.WARNING : null, t, src, signal,
                        "carrier flapping", r.component() + " " + (long) sum + " carrier changes in "
                                + config.flapWindow());
            }
            case NIC_OPER_UP -> {
                if (s.delta < 0) {
                    event(out, t, src, signal, Severity.INFO, "link down", r.component() + " operstate " + r.label());
                }
            }
            case MCE_EXCEPTIONS -> counterEvent(out, s, r, t, src, signal, Severity.WARNING, "machine check exception");
            case DEFERRED_ERROR_INTERRUPTS -> counterEvent(out, s, r, t, src, signal, Severity.WARNING,
                    "deferred (uncorrected, not yet consumed) error");
            case THRESHOLD_INTERRUPTS -> {
                double sum = window(s, t, s.delta, config.logWindow().toNanos());
                condition(out, s, "rate", sum >= config.logCorrectedWarning() ? Severity.WARNING : null, t, src,
                        signal, "corrected-error threshold interrupts", (long) sum + " in " + config.logWindow());
            }
            case MEM_POISONED_KB -> {
                if (s.delta > 0) {
                    event(out, t, src, signal, Severity.WARNING, "memory poisoned (page offlined after an error)",
                            "HardwareCorrupted " + (long) r.value() + " kB (+" + (long) s.delta + ")");
                }
            }
            case LOG_EVENTS -> logEvents(out, s, r, t, src, signal);
            case LOG_RECORDS_LOST -> {
                if (s.delta > 0) {
                    event(out, t, src, signal, Severity.INFO, "kernel log records lost before they were read",
                            (long) s.delta + " record(s); events in them are missed");
                }
            }
            default -> { }
        }
    }

    private static boolean active(Series s, String rule) {
        Condition c = s.conditions.get(rule);
        return c != null && c.active;
    }

    private void counterEvent(List<Alert> out, Series s, Reading r, long t, String src, String signal, Severity sev,
            String reason) {
        if (s.delta > 0) {
            event(out, t, src, signal, sev, reason, r.component() + " total " + (long) r.value() + " (+"
                    + (long) s.delta + ") " + r.label());
        } else if (s.samples == 1 && r.value() > 0 && sev == Severity.CRITICAL) {
            once(out, s, "baseline", t, src, signal, Severity.WARNING, reason + " recorded before monitoring started",
                    r.component() + " total " + (long) r.value() + " " + r.label());
        }
    }

    private void logEvents(List<Alert> out, Series s, Reading r, long t, String src, String signal) {
        LogEventClass c;
        try {
            c = LogEventClass.valueOf(r.component());
        } catch (IllegalArgumentException e) {
            unknownLogClasses.incrementAndGet();          // a reading this predictor has no rule for: counted
            LOG.debug("no rule for log event class {} from {}", r.component(), src);
            return;
        }
        if (c.corrected()) {
            double sum = window(s, t, s.delta, config.logWindow().toNanos());
            condition(out, s, "rate", sum >= config.logCorrectedWarning() ? Severity.WARNING : null, t, src, signal,
                    "corrected hardware errors in the log: " + c, (long) sum + " in " + config.logWindow());
        } else if (s.delta > 0) {
            event(out, t, src, signal, c.severity(), "hardware event in the log: " + c,
                    (long) s.delta + " new, " + (long) r.value() + " since start");
        }
    }

    private void temperature(List<Alert> out, Series s, Reading r, Map<String, Reading> index, long t, String src,
            String signal) {
        Reading crit = index.get(key(Metric.TEMP_CRIT_C, r.component()));
        Reading max = index.get(key(Metric.TEMP_MAX_C, r.component()));
        double v = r.value();
        Severity sev = null;
        String why = "";
        if (crit != null && crit.value() > 0 && v >= crit.value()) {
            sev = Severity.CRITICAL;
            why = "at or above critical " + crit.value() + " °C";
        } else if (max != null && max.value() > 0 && v >= max.value()) {
            sev = Severity.WARNING;
            why = "at or above limit " + max.value() + " °C";
        } else if (crit != null && crit.value() > 0 && v >= crit.value() - config.tempMarginC()) {
            sev = Severity.WARNING;
            why = "within " + config.tempMarginC() + " °C of critical " + crit.value() + " °C";
        }
        condition(out, s, "limit", sev, t, src, signal, "temperature above trip point",
                r.component() + " " + v + " °C " + why + " " + r.label());
        long w = config.tempSlopeWindow().toNanos();
        s.points.addLast(new Point(t, v));
        while (s.points.peekFirst().t() < t - w) {
            s.points.pollFirst();
        }
        double slope = Double.NaN;
        if (s.points.size() >= 3 && s.points.peekLast().t() - s.points.peekFirst().t() >= w / 2) {
            slope = slopePerMinute(s.points);
        }
        boolean fast = slope >= config.tempSlopeCPerMin();
        condition(out, s, "slope", fast ? Severity.WARNING : null, t, src, signal, "temperature rising fast",
                r.component() + String.format(" +%.1f °C/min over %s (limit %.1f) now %.1f °C %s", slope,
                        config.tempSlopeWindow(), config.tempSlopeCPerMin(), v, r.label()));
    }

    /** Least-squares slope in units per minute; robust to a single spike, unlike first-to-last. */
    static double slopePerMinute(Iterable<Point> pts) {
        double n = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        long t0 = Long.MIN_VALUE;
        for (Point p : pts) {
            if (t0 == Long.MIN_VALUE) {
                t0 = p.t();
            }
            double x = (p.t() - t0) / NANOS_PER_MINUTE;
            n++;
            sx += x;
            sy += p.v();
            sxx += x * x;
            sxy += x * p.v();
        }
        double den = n * sxx - sx * sx;
        return den == 0 ? Double.NaN : (n * sxy - sx * sy) / den;
    }

    private void fan(List<Alert> out, Series s, Reading r, Map<String, Reading> index, long t, String src,
            String signal) {
        Reading min = index.get(key(Metric.FAN_MIN_RPM, r.component()));
        double rpm = r.value();
        double before = rpm - s.delta;
        Severity sev = null;
        String why = "";
        if (rpm == 0 && (before > 0 || active(s, "stopped"))) {
            sev = Severity.CRITICAL;
            why = "stopped (was " + (long) before + " RPM)";
        } else if (min != null && min.value() > 0 && rpm < min.value()) {
            sev = Severity.WARNING;
            why = "below minimum " + (long) min.value() + " RPM";
        }
        condition(out, s, "stopped", sev, t, src, signal, "fan failure",
                r.component() + " " + (long) rpm + " RPM " + why + " " + r.label());
    }

    private static String dimmEvidence(List<Reading> all, Series[] ss, Metric dimmMetric) {
        StringJoiner j = new StringJoiner(", ", "; ", "");
        j.setEmptyValue("");
        for (int i = 0; i < all.size(); i++) {
            Reading d = all.get(i);
            if (d.metric() == dimmMetric && ss[i].delta > 0) {
                j.add(d.component() + (d.label().isEmpty() ? "" : " " + d.label()) + " +" + (long) ss[i].delta);
            }
        }
        return j.toString();
    }

    private static void event(List<Alert> out, long t, String src, String signal, Severity sev, String reason,
            String evidence) {
        out.add(new Alert(t, src, signal, sev, reason, evidence.strip()));
    }

    private static void once(List<Alert> out, Series s, String rule, long t, String src, String signal, Severity sev,
            String reason, String evidence) {
        Condition c = s.conditions.computeIfAbsent(rule, k -> new Condition());
        if (!c.active) {
            c.active = true;
            event(out, t, src, signal, sev, reason, evidence);
        }
    }

    private void condition(List<Alert> out, Series s, String rule, Severity sev, long t, String src, String signal,
            String reason, String evidence) {
        Condition c = s.conditions.get(rule);
        if (sev == null) {
            if (c != null) {
                c.active = false;
                c.lastSeverity = null;
            }
            return;
        }
        if (c == null) {
            c = new Condition();
            s.conditions.put(rule, c);
        }
        boolean worse = c.lastSeverity == null || sev.compareTo(c.lastSeverity) > 0;
        if (!c.active || worse || t - c.lastAlert >= config.realert().toNanos()) {
            c.active = true;
            c.lastAlert = t;
            c.lastSeverity = sev;
            event(out, t, src, signal, sev, reason, evidence);
        }
    }
}
