package org.hftfw.sync;

import org.hftfw.lazy.Mode;
import org.hftfw.lazy.LazyConfig;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.function.DoubleSupplier;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.ftfw.ExternalCache;
import org.hftfw.ftfw.FtfwStats;
import org.hftfw.lazy.ReplicatorMetrics;
import org.hftfw.predictor.Severity;

/**
 * A sync node's Prometheus metrics: FT-FW channel, external cache, replication stage, lazy replicator, event source
 * and proactive path, read from their owners at scrape time. A snapshot read from the channel's event loop is shared by
 * the metrics of one scrape (it is reused for 100 ms).
 */
final class NodeMetrics {
    private NodeMetrics() {}

    /** A value recomputed at most every {@code maxAgeNanos}. */
    private static final class Memo<T> implements Supplier<T> {
        private final Supplier<T> source;
        private T value;
        private long at = Long.MIN_VALUE;

        Memo(Supplier<T> source) {
            this.source = source;
        }

        @Override
        public synchronized T get() {
            long now = System.nanoTime();
            if (value == null || now - at > 100_000_000L) {
                value = source.get();
                at = now;
            }
            return value;
        }
    }

    static void register(MetricsRegistry r, SyncNode d) {
        Memo<FtfwStats> ftfw = new Memo<>(() -> d.channel().stats());
        for (FtfwMetric m : FtfwMetric.values()) {
            DoubleSupplier value = () -> m.read(ftfw.get());
            if (m.counter) {
                r.counter(m.metricName, m.help, value);
            } else {
                r.gauge(m.metricName, m.help, value);
            }
        }

        Supplier<ExternalCache.Stats> cache = () -> d.channel().externalCache().stats();
        r.gauge("hftfw_external_cache_flows", "flows in the external cache", () -> cache.get().size());
        r.counter("hftfw_external_cache_commits_total", "commits of the external cache", () -> cache.get().commits());
        r.counter("hftfw_external_cache_updates_total", "NEW and UPD messages applied to the external cache",
                () -> cache.get().news() + cache.get().updates());
        r.counter("hftfw_external_cache_destroys_total", "DEL messages applied to the external cache",
                () -> cache.get().deletes());
        r.counter("hftfw_external_cache_overflows_total",
                "NEW and UPD messages of new flows dropped because the external cache was full",
                () -> cache.get().overflows());
        r.counter("hftfw_external_cache_stale_removed_total",
                "flows removed at the end of the peer's full bulk because the peer no longer had them",
                () -> cache.get().staleRemoved());

        r.gauge("hftfw_expectation_cache_size", "the peer's expectations in the expectation cache",
                () -> d.channel().expectationCache().size());
        r.counter("hftfw_expectation_cache_overflows_total", "the peer's expectations refused because the expectation "
                + "cache was full (sync.external-cache-limit)", () -> d.channel().expectationCache().overflows());
        d.expectationWriter().ifPresent(w -> {
            r.counter("hftfw_backup_expectations_written_total",
                    "the peer's expectations written into the kernel table (always committed)", () -> w.stats().created());
            r.counter("hftfw_backup_expectation_failures_total", "the peer's expectations the kernel refused for good "
                    + "(their master never arrived within their timeout, no helper, other errors)", () -> w.stats().failed());
            r.gauge("hftfw_backup_expectations_waiting", "the peer's expectations waiting for their master conntrack",
                    () -> w.stats().pending());
        });

        d.committedBackup().ifPresent(cb -> {
            r.counter("hftfw_backup_writes_total", "writes of the peer's states into the kernel table (always committed)",
                    () -> cb.stats().writes());
            r.counter("hftfw_backup_write_failures_total", "writes of the peer's states the kernel refused",
                    () -> cb.stats().failed());
            r.counter("hftfw_backup_batches_total", "netlink write batches of the always-committed backup",
                    () -> cb.stats().batches());
            r.gauge("hftfw_backup_lag_max_seconds", "longest time from a peer state's arrival to its write",
                    () -> cb.stats().maxLagNanos() / 1e9);
            r.counter("hftfw_backup_own_events_dropped_total", "events of the backup's own writes kept from replication",
                    () -> d.echoCounts()[0]);
        });

        Supplier<ConntrackTable.SourceStats> ev = () -> d.table().stats();
        r.counter("hftfw_events_total", "conntrack events received from the table", () -> ev.get().events());
        r.counter("hftfw_events_overruns_total", "event socket overruns (ENOBUFS)", () -> ev.get().overruns());
        r.counter("hftfw_events_resyncs_total", "resync dumps after overruns", () -> ev.get().resyncs());
        r.counter("hftfw_events_malformed_total", "malformed kernel messages skipped", () -> ev.get().malformed());

        if (d.role().publishes()) {
            Supplier<Publisher.Stats> p = () -> d.publisher().stats();
            r.counter("hftfw_replication_events_total", "events that passed the filter", () -> p.get().events());
            r.counter("hftfw_replication_filtered_total", "events ignored by the filter", () -> p.get().filtered());
            r.counter("hftfw_replication_published_total", "changes handed to the FT-FW channel", () -> p.get().published());
            r.gauge("hftfw_replication_backup_flows", "flows the backup holds (last state sent)", () -> p.get().backupHolds());
            r.gauge("hftfw_replication_replicate_all", "1 while every change is replicated because a migration was "
                    + "ordered", () -> p.get().replicateAll() ? 1 : 0);
            r.gauge("hftfw_lazy_enabled", "1 when the lazy replicator decides what is sent", () -> p.get().lazyActive() ? 1 : 0);
            lazy(r, new Memo<>(() -> d.publisher().replication()));
        }
        d.proactive().ifPresent(p -> proactive(r, p));
    }

    /** Alerts, policy state and decisions, migrations with their Tprop, demotions. */
    private static void proactive(MetricsRegistry r, ProactivePath p) {
        r.counters("hftfw_predictor_alerts_total", "alerts raised by the fault predictor", "severity", () -> {
            Map<String, Number> v = new TreeMap<>();
            for (Severity s : Severity.values()) {
                v.put(s.name().toLowerCase(Locale.ROOT), p.predictor().counters().count(s));
            }
            return v;
        });
        r.gauges("hftfw_predictor_source_signal", "1 when a fault source gives a signal (available or degraded), 0 "
                + "when it is unavailable", "source", () -> {
                    Map<String, Number> v = new TreeMap<>();
                    p.sources().forEach((name, s) -> v.put(name, s.availability().givesSignal() ? 1 : 0));
                    return v;
                });
        r.gauges("hftfw_policy_state", "1 for the policy daemon's current state", "state", () -> {
            Map<String, Number> v = new TreeMap<>();
            String now = p.policy().state();
            for (String s : p.policy().config().states()) {
                v.put(s, s.equals(now) ? 1 : 0);
            }
            return v;
        });
        r.counter("hftfw_policy_decisions_total", "transitions taken by the policy daemon", p::decisionsTotal);
        r.gauge("hftfw_policy_dry_run", "1 when the policy only logs its decisions", () -> p.settings().policy().dryRun() ? 1 : 0);
        r.gauge("hftfw_policy_noisy_signals", "signals currently damped as noisy", () -> p.policy().noisySignals().size());
        r.counters("hftfw_migrations_total", "state migrations by outcome", "outcome", () -> Map.of(
                "handed_over", p.migrator().completed(), "failed", p.migrator().failed(),
                "refused", p.migrator().refused()));
        r.gauge("hftfw_migration_running", "1 while a migration runs", () -> p.migrator().isRunning() ? 1 : 0);
        r.gauges("hftfw_migration_last_seconds", "the last migration: Tprop and its steps (decision, dump, send, ack, "
                + "commit)", "step", () -> {
                    Map<String, Number> v = new TreeMap<>();
                    ProactivePath.Migration m = p.lastMigration();
                    if (m != null) {
                        v.put("tprop", m.tpropNanos() / 1e9);
                        v.put("decision", m.decisionNanos() / 1e9);
                        v.put("dump", m.report().dumpNanos() / 1e9);
                        v.put("send", m.report().sendNanos() / 1e9);
                        v.put("ack", m.report().ackNanos() / 1e9);
                        v.put("commit", m.report().handoverNanos() / 1e9);
                    }
                    return v;
                });
        r.gauge("hftfw_migration_last_entries", "entries sent by the last migration",
                () -> p.lastMigration() == null ? 0 : p.lastMigration().report().entries());
        r.gauge("hftfw_migration_last_missing_flows", "flows of the last migration the backup is not known to hold "
                + "(0 for a complete one)", () -> p.lastMigration() == null ? 0 : p.lastMigration().report().missing());
        r.counters("hftfw_demotions_total", "demotion hooks run, by outcome", "outcome",
                () -> Map.of("done", p.demotionsOk(), "failed", p.demotionsFailed()));
    }

    /**
     * The lazy replicator, one family per quantity (all 0 while it is off): counts as counters, shares as
     * {@code _ratio} gauges, and the settings in force (barrier, latency, mode) as gauges.
     */
    private static void lazy(MetricsRegistry r, Supplier<Replication> replication) {
        Supplier<ReplicatorMetrics> m = () -> replication.get() instanceof Replication.Lazy l ? l.metrics() : null;
        for (LazyMetric l : LazyMetric.values()) {
            DoubleSupplier value = () -> {
                ReplicatorMetrics x = m.get();
                return x == null ? 0 : l.read(x);
            };
            if (l.counter) {
                r.counter(l.metricName, l.help, value);
            } else {
                r.gauge(l.metricName, l.help, value);
            }
        }
        r.counters("hftfw_lazy_sent_by_state_total", "state changes sent, by conntrack state", "state", () -> {
            Map<String, Number> v = new TreeMap<>();
            ReplicatorMetrics x = m.get();
            if (x != null) {
                x.perState().forEach((state, cm) -> v.put(state, cm.sent()));
            }
            return v;
        });
        Supplier<LazyConfig> c = () -> replication.get() instanceof Replication.Lazy l ? l.config() : null;
        r.gauge("hftfw_lazy_barrier_ratio", "the barrier in force: states with P(stable) at or below it are held back",
                () -> c.get() == null ? 0 : c.get().barrier());
        r.gauge("hftfw_lazy_latency_seconds", "l, the latency in force (B = 2 l)",
                () -> c.get() == null ? 0 : c.get().latency().toNanos() / 1e9);
        r.gauges("hftfw_lazy_mode", "1 for the mode in force (drop or defer)", "mode", () -> {
            Map<String, Number> v = new TreeMap<>();
            for (Mode mode : Mode.values()) {
                v.put(mode.name().toLowerCase(Locale.ROOT), c.get() != null && c.get().mode() == mode ? 1 : 0);
            }
            return v;
        });
    }
}
