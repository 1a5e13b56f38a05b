package org.hftfw.sync;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.hftfw.migrator.StateMigrator;
import org.hftfw.policy.Decision;
import org.hftfw.policy.PolicyDaemon;
import org.hftfw.predictor.AlertCounters;
import org.hftfw.predictor.Availability;
import org.hftfw.predictor.Severity;
import org.hftfw.predictor.SourceSample;

/** The text of {@code hftfw policy status}: policy state, recent decisions, noisy signals, sources, migrations. */
final class PolicyStatusReport {
    private PolicyStatusReport() {}

    static String format(ProactivePath p) {
        long now = p.nowNanos();
        PolicyDaemon policy = p.policy();
        ProactiveSettings s = p.settings();
        StringBuilder sb = new StringBuilder(2048);
        sb.append(String.format(Locale.ROOT, "policy: %s for %s%s%n", policy.state(),
                ago(now - policy.enteredAtNanos()), s.policy().dryRun() ? " (DRY-RUN: decisions are only logged)" : ""));
        sb.append("replication: ").append(p.replicatingAll() ? "every change (a migration was ordered)"
                : "as configured").append('\n');
        Set<String> noisy = policy.noisySignals();
        sb.append("noisy signals (alerts capped at WARNING): ")
                .append(noisy.isEmpty() ? "none" : String.join(", ", noisy.stream().sorted().toList())).append('\n');

        AlertCounters c = p.predictor().counters();
        sb.append(String.format(Locale.ROOT, "alerts: %d critical, %d warning, %d info%n", c.count(Severity.CRITICAL),
                c.count(Severity.WARNING), c.count(Severity.INFO)));

        sb.append(String.format(Locale.ROOT, "fault sources (%s, every %s):%n",
                s.roots().isHost() ? "the host" : "sysfs " + s.roots().sysfs(), duration(s.interval())));
        Map<String, SourceSample> sources = new TreeMap<>(p.sources());
        if (sources.isEmpty()) {
            sb.append("  (not sampled yet)\n");
        }
        sources.forEach((name, sample) -> sb.append(String.format(Locale.ROOT, "  %-10s %s%n", name,
                label(sample.availability()))));

        List<Decision> recent = p.recentDecisions();
        sb.append(String.format(Locale.ROOT, "decisions: %d in total%s%n", p.decisionsTotal(),
                recent.isEmpty() ? "" : "; the latest " + recent.size() + ":"));
        for (Decision d : recent) {
            sb.append(String.format(Locale.ROOT, "  %s ago  %s%n", ago(now - d.timeNanos()), d));
            d.reason().alerts().stream().limit(3).forEach(a -> sb.append("      ").append(a).append('\n'));
        }

        StateMigrator m = p.migrator();
        sb.append(String.format(Locale.ROOT, "migrations: %d handed over, %d failed, %d refused (one was running)%s%n",
                m.completed(), m.failed(), m.refused(), m.isRunning() ? "; one is running now" : ""));
        ProactivePath.Migration last = p.lastMigration();
        if (last != null) {
            StateMigrator.Report r = last.report();
            sb.append(String.format(Locale.ROOT, "  last, %s ago: %s: %d entries; Tprop %.1f ms = decision %.1f ms + "
                    + "snapshot %.1f + send %.1f + ACKs %.1f (%s) + commit %.1f ms%s%n", ago(now - last.orderedAtNanos()),
                    r.complete() ? "handed over" : r.handedOver() ? "handed over INCOMPLETE" : "FAILED", r.entries(),
                    last.tpropNanos() / 1e6, last.decisionNanos() / 1e6, r.dumpNanos() / 1e6, r.sendNanos() / 1e6,
                    r.ackNanos() / 1e6, r.allAcknowledged() ? "all" : "NOT all: " + r.missing() + " flows missing",
                    r.handoverNanos() / 1e6,
                    r.failure() == null ? "" : "; " + r.failure()));
            sb.append("  why: ").append(last.reason()).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "hooks: commit %s, demote %s (timeout %s)%n",
                s.migration().commitSocket().isEmpty() ? cmd(s.migration().commitCommand())
                        : "through the backup's control socket " + s.migration().commitSocket(),
                cmd(s.migration().demoteCommand()),
                duration(s.migration().commandTimeout())));
        ProactivePath.Demotion d = p.lastDemotion();
        sb.append(String.format(Locale.ROOT, "demotions: %d done, %d failed%s%n", p.demotionsOk(), p.demotionsFailed(),
                d == null ? "" : "; last " + ago(now - d.atNanos()) + " ago: "
                        + (d.failure() == null ? "done" : "FAILED: " + d.failure())));
        return sb.toString();
    }

    private static String label(Availability a) {
        return switch (a) {
            case Availability.Available x -> "AVAILABLE";
            case Availability.Unavailable u -> "UNAVAILABLE: " + u.reason();
            case Availability.Degraded g -> "DEGRADED: " + g.reason();
        };
    }

    private static String cmd(List<String> c) {
        return c.isEmpty() ? "(none)" : String.join(" ", c);
    }

    static String ago(long nanos) {
        double s = Math.max(0, nanos) / 1e9;
        return s < 120 ? String.format(Locale.ROOT, "%.1f s", s) : String.format(Locale.ROOT, "%.0f min", s / 60);
    }

    static String duration(java.time.Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
