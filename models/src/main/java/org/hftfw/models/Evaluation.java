package org.hftfw.models;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;

/**
 * The evaluation behind {@code hftfw evaluate}: Bayes at every requested barrier and mode, and the baselines, on
 * one or more logs. Each log is scored on its own (flows never span logs; Bayes starts from the same initial model
 * on each) and the counts are summed, so several logs read as one longer log. Also the savings against what
 * conntrackd FT-FW really sends: its transmit queue collapses a flow's events waiting in it ({@link
 * Policy.QueueCollapsing}), so "saved vs FT-FW" = 1 − sent / FT-FW's sent.
 */
public final class Evaluation {
    /** What to evaluate. */
    // the barriers are copied in and only iterated; a Spec is never compared or hashed
    @SuppressWarnings("ArrayRecordComponent")
    public record Spec(LazyConfig base, LearnedModel initial, double[] barriers, List<Mode> modes, Duration pollSecs,
                       Duration ftfwTxDelay) {
        public Spec {
            base.validated();
            if (barriers.length == 0 || modes.isEmpty()) {
                throw new IllegalArgumentException("at least one barrier and one mode");
            }
            barriers = barriers.clone();
        }
    }

    /** One Bayes or baseline row, with its savings relative to FT-FW's real message count. */
    public record Row(PolicyResult result, double savedVsFtfw) {}

    /** Everything measured. */
    public record Report(List<Row> bayes, List<Row> baselines, PolicyResult oracle, PolicyResult ftfw, int logs,
                         long events) {}

    private Evaluation() {}

    public static Report run(List<List<ConntrackEvent>> logs, Spec spec) {
        List<Evaluator> evs = new ArrayList<>();
        long events = 0;
        for (List<ConntrackEvent> l : logs) {
            Trace t = Trace.of(l, spec.base().latency());
            events += t.size();
            evs.add(new Evaluator(t));
        }
        PolicyResult oracle = sum(evs, new Policy.Oracle(), Double.NaN);
        double os = oracle.saved();
        PolicyResult ftfw = sum(evs, new Policy.QueueCollapsing(spec.ftfwTxDelay()), os);
        List<Row> baselines = new ArrayList<>();
        for (Policy p : List.of(new Policy.ReplicateAll(), new Policy.QueueCollapsing(spec.ftfwTxDelay()),
                Policy.StateFilter.conntrackdExample(true), Policy.StateFilter.conntrackdExample(false),
                new Policy.Polling(spec.pollSecs()), new Policy.DeferAll(), new Policy.Oracle())) {
            PolicyResult r = p instanceof Policy.Oracle ? oracle : sum(evs, p, os);
            baselines.add(new Row(r, vsFtfw(r, ftfw)));
        }
        List<Row> bayes = new ArrayList<>();
        for (Mode m : spec.modes()) {
            for (double b : spec.barriers()) {
                PolicyResult r = sum(evs, new Policy.Bayes(spec.base().withBarrier(b).withMode(m), spec.initial()), os);
                bayes.add(new Row(r, vsFtfw(r, ftfw)));
            }
        }
        return new Report(bayes, baselines, oracle, ftfw, logs.size(), events);
    }

    private static PolicyResult sum(List<Evaluator> evs, Policy p, double oracleSaved) {
        List<PolicyResult> parts = new ArrayList<>();
        for (Evaluator e : evs) {
            parts.add(e.evaluate(p));
        }
        return PolicyResult.sum(parts, Double.isNaN(oracleSaved) ? PolicyResult.sum(parts, 1).saved() : oracleSaved);
    }

    private static double vsFtfw(PolicyResult r, PolicyResult ftfw) {
        return ftfw.sent() == 0 ? Double.NaN : 1.0 - (double) r.sent() / ftfw.sent();
    }

    /** Barriers FROM:TO:STEP, inclusive of TO (within rounding). */
    public static double[] sweep(double from, double to, double step) {
        if (!(step > 0) || !(to >= from) || from < 0 || to > 1) {
            throw new IllegalArgumentException("sweep FROM:TO:STEP needs 0 ≤ FROM ≤ TO ≤ 1 and STEP > 0");
        }
        int n = (int) Math.floor((to - from) / step + 1e-9) + 1;
        if (n > 10_000) {
            throw new IllegalArgumentException("sweep of " + n + " barriers is too many (at most 10000)");
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.round((from + i * step) * 1e9) / 1e9;
        }
        return out;
    }

    /**
     * JSON: {@code {"results": [{"policy": "bayes", "mode", "barrier", "saved", "wrong", "exposure", …}],
     * "baselines": [{"policy", "saved", "exposure", …}], "oracle": {"saved", …}}}; rates are fractions.
     */
    public static String json(Report r) {
        StringBuilder sb = new StringBuilder("{\"results\": [");
        for (int i = 0; i < r.bayes().size(); i++) {
            Row row = r.bayes().get(i);
            PolicyResult p = row.result();
            sb.append(i == 0 ? "\n  " : ",\n  ").append('{');
            field(sb, "policy", p.policy(), true);
            field(sb, "mode", p.mode(), false);
            num(sb, "barrier", p.barrier());
            common(sb, row);
            num(sb, "good", p.good());
            sb.append('}');
        }
        sb.append("\n], \"baselines\": [");
        for (int i = 0; i < r.baselines().size(); i++) {
            Row row = r.baselines().get(i);
            sb.append(i == 0 ? "\n  " : ",\n  ").append('{');
            field(sb, "policy", row.result().policy(), true);
            field(sb, "parameters", row.result().parameters(), false);
            common(sb, row);
            sb.append('}');
        }
        sb.append("\n], \"oracle\": {\"saved\": ").append(fmt(r.oracle().saved()));
        sb.append(", \"sent\": ").append(r.oracle().sent()).append(", \"events\": ").append(r.oracle().replicateAll())
                .append("}, \"ftfw\": {\"policy\": \"").append(escape(r.ftfw().policy())).append("\", \"sent\": ")
                .append(r.ftfw().sent()).append("}, \"logs\": ").append(r.logs()).append(", \"events\": ")
                .append(r.events()).append("}\n");
        return sb.toString();
    }

    private static void common(StringBuilder sb, Row row) {
        PolicyResult p = row.result();
        num(sb, "saved", p.saved());
        num(sb, "wrong", p.wrong());
        num(sb, "exposure", p.exposure());
        num(sb, "saved_vs_oracle", p.savedVsOracle());
        num(sb, "saved_vs_ftfw", row.savedVsFtfw());
        num(sb, "wrong_sent_late", p.wrongSentLateRate());
        num(sb, "exposure_from_event", p.exposureFromEvent());
        num(sb, "lost_at_failover", p.lostAtFailover());
        sb.append(", \"sent\": ").append(p.sent()).append(", \"events\": ").append(p.replicateAll())
                .append(", \"labelled\": ").append(p.labelled());
    }

    private static void field(StringBuilder sb, String k, String v, boolean first) {
        sb.append(first ? "" : ", ").append('"').append(k).append("\": \"").append(escape(v)).append('"');
    }

    private static void num(StringBuilder sb, String k, double v) {
        sb.append(", \"").append(k).append("\": ").append(fmt(v));
    }

    private static String fmt(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.6g", v);
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** A human-readable table (percentages). */
    public static String table(Report r) {
        StringBuilder sb = new StringBuilder();
        String h = String.format(Locale.ROOT, "%-22s %-5s %7s %8s %8s %8s %8s %8s %8s %9s %9s %8s%n", "policy", "mode",
                "barrier", "sent", "saved%", "%oracle", "vsFTFW%", "good%", "wrong%", "late%", "exposure%",
                "fromEvt%");
        sb.append(String.format(Locale.ROOT, "%d log(s), %d events; oracle saves %.2f%%, FT-FW (%s) sends %d%n", r.logs(),
                r.events(), 100 * r.oracle().saved(), r.ftfw().policy(), r.ftfw().sent()));
        sb.append(h);
        for (Row row : r.bayes()) {
            sb.append(line(row));
        }
        sb.append("baselines:\n");
        for (Row row : r.baselines()) {
            sb.append(line(row));
        }
        return sb.toString();
    }

    private static String line(Row row) {
        PolicyResult p = row.result();
        boolean bayes = !Double.isNaN(p.barrier());
        return String.format(Locale.ROOT, "%-22s %-5s %7s %8d %8.2f %8.1f %8.2f %8s %8.3f %9.3f %9.4f %8.3f%n",
                p.policy(), p.mode(), bayes ? String.format(Locale.ROOT, "%.3f", p.barrier()) : "-", p.sent(),
                100 * p.saved(), 100 * p.savedVsOracle(), 100 * row.savedVsFtfw(),
                bayes ? String.format(Locale.ROOT, "%.2f", 100 * p.good()) : "-", 100 * p.wrong(),
                100 * p.wrongSentLateRate(), 100 * p.exposure(), 100 * p.exposureFromEvent());
    }
}
