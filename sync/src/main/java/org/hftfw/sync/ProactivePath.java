package org.hftfw.sync;

import org.hftfw.common.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.hftfw.migrator.MigrationOrders;
import org.hftfw.migrator.StateMigrator;
import org.hftfw.policy.Decision;
import org.hftfw.policy.MigrationActions;
import org.hftfw.policy.PolicyDaemon;
import org.hftfw.policy.Reason;
import org.hftfw.predictor.Alert;
import org.hftfw.predictor.FaultSource;
import org.hftfw.predictor.FaultSources;
import org.hftfw.predictor.Predictor;
import org.hftfw.predictor.SamplingLoop;
import org.hftfw.common.Scheduler;
import org.hftfw.predictor.SourceSample;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proactive path inside the running replication daemon: fault predictor → policy daemon → state migrator →
 * handover hooks (hFT-FW paper §V, "Proactive: migration on errors"), over the node's own table and FT-FW channel; {@code hftfw demo}
 * runs this same path on an in-memory table.
 *
 * <p>Design note. A {@link SamplingLoop} reads the fault sources every {@code predictor.interval} and hands each
 * round's alerts (also an empty round: quiet periods and timeouts advance) to the {@link PolicyDaemon}. Its orders
 * arrive here: MIGRATE and MIGRATE_NOW first switch the replication stage to replicate-all (the failure is now
 * expected, so the lazy replicator must not hold any state back until the handover), then go to
 * {@link MigrationOrders}, which runs the {@link StateMigrator} on its own thread: snapshot the internal cache (no
 * kernel dump), send it through the FT-FW channel's paced bulk path until every flow is acknowledged (resending
 * what was lost), run the commit hook (the backup installs the table in its
 * kernel). The outcome goes back to the policy as {@code migration-done}/{@code migration-failed}; the default
 * policy then orders DEMOTE, whose hook (e.g. a keepalived track file) runs on a handover thread — so the backup has
 * committed before this node gives up the VIPs, which closes keepalived's notify race (keepalived #2254, shared
 * testbed "keepalived"). Replicate-all ends when the demotion hook has run, when a planned migration gave up and
 * this node stays primary, or when the policy is back in its initial state. Tprop is the decision time (from the
 * sample whose alerts triggered the order to the order) plus the migration's own time (dump, send, ACKs, commit).
 * Time comes from the injected clock and scheduler.
 */
public final class ProactivePath implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProactivePath.class);
    private static final int RECENT_DECISIONS = 10;

    /** One migration as the operator sees it: why, when ordered, how long the decision took, the migrator's report. */
    public record Migration(String reason, long orderedAtNanos, long decisionNanos, StateMigrator.Report report) {
        public long tpropNanos() {
            return decisionNanos + report.totalNanos();
        }
    }

    /** The last demotion: when, and the hook's failure (null when it succeeded). */
    public record Demotion(long atNanos, String reason, String failure) {}

    /** One sampling round as an observer sees it: its alerts and the policy state before and after them. */
    public record Round(long atNanos, List<Alert> alerts, String policyBefore, String policyAfter) {}

    private final ProactiveSettings settings;
    private final Clock clock;
    private final Consumer<Boolean> replicateAll;
    private final StateMigrator.Handover handover;
    private final Predictor predictor;
    private final SamplingLoop sampling;
    private final StateMigrator migrator;
    private final MigrationOrders orders;
    private final PolicyDaemon policy;
    private final ExecutorService handoverThread = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon(true).name("hftfw-handover").unstarted(r));
    private final AtomicLong decisionsTotal = new AtomicLong();
    private final AtomicLong demotionsOk = new AtomicLong();
    private final AtomicLong demotionsFailed = new AtomicLong();
    private final Object switchLock = new Object();
    private Decision lastSeen;
    private volatile Consumer<Round> observer = r -> { };
    private volatile boolean replicatingAll;
    private volatile Migration pending;
    private volatile Migration last;
    private volatile Demotion lastDemotion;

    /**
     * @param dump         the table to migrate (the node's internal cache)
     * @param link         the FT-FW channel's bulk path
     * @param handover     commit on the backup, demote this node (normally {@code CommandHandover} from the config)
     * @param replicateAll switches the replication stage to replicate-all (true) and back
     */
    ProactivePath(ProactiveSettings settings, Supplier<? extends StateMigrator.Snapshot> dump,
                  StateMigrator.BulkLink link, StateMigrator.Handover handover, Consumer<Boolean> replicateAll,
                  Clock clock, StateMigrator.Pause pause) {
        this.settings = Objects.requireNonNull(settings);
        this.clock = Objects.requireNonNull(clock);
        this.replicateAll = Objects.requireNonNull(replicateAll);
        this.handover = Objects.requireNonNull(handover);
        this.predictor = new Predictor(settings.predictor());
        List<FaultSource> sources = settings.allSources() ? FaultSources.standard(settings.roots())
                : FaultSources.sysfsOnly(settings.roots());
        this.migrator = new StateMigrator(dump, link, MigrationOrders.commitOnly(handover),
                settings.migration().migrator(), clock, pause);
        this.orders = new MigrationOrders(migrator, handover, this::onMigrationEvent, this::onReport);
        this.policy = new PolicyDaemon(settings.policy(), new Actions(), clock);
        this.sampling = new SamplingLoop(sources, predictor, clock, this::onRound);
    }

    /** Keeps the migration's dump-and-send consistent with live replication (see {@code StateMigrator.Quiesce}). */
    ProactivePath quiesce(StateMigrator.Quiesce q) {
        migrator.quiesce(q);
        return this;
    }

    /** Hands every sampling round to {@code o} (after the policy has seen it), e.g. for a console; set before start. */
    ProactivePath observe(Consumer<Round> o) {
        observer = Objects.requireNonNull(o);
        return this;
    }

    /**
     * Starts the sources and the sampling schedule. Each source's availability is logged once here by the sampling
     * loop ({@code fault source kmsg: UNAVAILABLE(reason)}); later changes come as INFO alerts of the predictor.
     */
    void start(Scheduler scheduler) {
        LOG.info("proactive path: predictor over {} ({} sources, every {}), policy {}{}, commit hook {}, demote hook {}",
                settings.roots().isHost() ? "the host" : settings.roots().sysfs(),
                settings.allSources() ? "all" : "sysfs", PolicyStatusReport.duration(settings.interval()),
                settings.policy().initial(),
                settings.policy().dryRun() ? " DRY-RUN (decisions are only logged)" : "",
                describe(settings.migration().commitCommand()), describe(settings.migration().demoteCommand()));
        sampling.start(scheduler, settings.interval());
    }

    private static String describe(List<String> cmd) {
        return cmd.isEmpty() ? "none" : cmd.toString();
    }

    /** One sampling round: alerts to the policy (logged with their evidence by the predictor). */
    private void onRound(long now, List<Alert> alerts) {
        String before = policy.state();
        policy.onAlerts(now, alerts);
        noteDecisions();
        observer.accept(new Round(now, List.copyOf(alerts), before, policy.state()));
    }

    /** Counts the decisions taken since the last call; ends replicate-all when the policy is back where it starts. */
    // lastSeen is found by identity: two equal decisions (same time, same step) are still two decisions
    @SuppressWarnings("ReferenceEquality")
    private synchronized void noteDecisions() {
        List<Decision> all = policy.decisions();
        int fresh = 0;
        for (int i = all.size() - 1; i >= 0 && all.get(i) != lastSeen; i--) {
            fresh++;
        }
        if (!all.isEmpty()) {
            lastSeen = all.getLast();
        }
        decisionsTotal.addAndGet(fresh);
        if (fresh > 0 && replicatingAll && policy.state().equals(policy.config().initial()) && !migrator.isRunning()) {
            setReplicateAll(false, "the policy is back in " + policy.state());
        }
    }

    private void setReplicateAll(boolean on, String why) {
        synchronized (switchLock) {
            if (replicatingAll != on) {
                replicatingAll = on;
                replicateAll.accept(on);
                LOG.info(on ? "replication: every change is replicated from now on ({})"
                        : "replication: back to the configured mode ({})", why);
            }
        }
    }

    /** The policy's orders. Runs under the policy daemon's lock: nothing here blocks. */
    private final class Actions implements MigrationActions {
        @Override
        public void migrate(Reason r) {
            order(r);
            orders.migrate(r);
        }

        @Override
        public void migrateNow(Reason r) {
            order(r);
            orders.migrateNow(r);
        }

        @Override
        public void demote(Reason r) {
            handoverThread.execute(() -> demoteNow(r));
        }

        private void order(Reason r) {
            long now = clock.nanos();
            long evidenceAt = r.alerts().stream().mapToLong(Alert::timeNanos).max().orElse(now);
            pending = new Migration(r.summary(), now, Math.max(0, now - evidenceAt), null);
            setReplicateAll(true, "migration ordered: " + r.summary());
        }
    }

    private void demoteNow(Reason r) {
        long t0 = clock.nanos();
        try {
            handover.demoteSelf();
            demotionsOk.incrementAndGet();
            lastDemotion = new Demotion(t0, r.summary(), null);
            LOG.info("demoted ({}): demote hook {} done in {} ms", r.summary(),
                    describe(settings.migration().demoteCommand()), (clock.nanos() - t0) / 1_000_000);
            setReplicateAll(false, "handed over");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            demotionsFailed.incrementAndGet();
            lastDemotion = new Demotion(t0, r.summary(), e.getMessage());
            LOG.error("demotion failed ({}): {}", r.summary(), e.getMessage());
        }
    }

    private void onReport(StateMigrator.Report report) {
        Migration p = pending;
        long now = clock.nanos();
        Migration m = p == null ? new Migration(report.reason(), now, 0, report)
                : new Migration(p.reason(), p.orderedAtNanos(), p.decisionNanos(), report);
        last = m;
        String outcome = report.complete() ? "handed over"
                : report.handedOver() ? "handed over INCOMPLETE (" + report.missing() + " flows missing)" : "FAILED";
        LOG.info("migration {}: {} entries, Tprop {} ms (decision {} ms + snapshot {} + send {} + ACKs {} + commit {} "
                        + "ms){}", outcome, report.entries(), ms(m.tpropNanos()),
                ms(m.decisionNanos()), ms(report.dumpNanos()), ms(report.sendNanos()), ms(report.ackNanos()),
                ms(report.handoverNanos()), report.failure() == null ? "" : ": " + report.failure());
        if (!report.handedOver() && report.urgency() == StateMigrator.Urgency.PLANNED) {
            setReplicateAll(false, "planned migration gave up, staying primary");
        }
    }

    private static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6);
    }

    private void onMigrationEvent(String event) {
        policy.event(event);
        noteDecisions();
    }

    /**
     * An operator command for the policy ({@code migrate-now}, {@code migrate}, {@code demote}, {@code recover}, or
     * any manual trigger of the configured machine); throws IllegalStateException when the state does not allow it.
     */
    Decision manual(String command, String why) {
        Decision d = policy.manual(command, why);
        noteDecisions();
        return d;
    }

    public PolicyDaemon policy() {
        return policy;
    }

    public Predictor predictor() {
        return predictor;
    }

    public StateMigrator migrator() {
        return migrator;
    }

    public ProactiveSettings settings() {
        return settings;
    }

    public Map<String, SourceSample> sources() {
        return sampling.latest();
    }

    public boolean replicatingAll() {
        return replicatingAll;
    }

    public Migration lastMigration() {
        return last;
    }

    public Demotion lastDemotion() {
        return lastDemotion;
    }

    public long decisionsTotal() {
        return decisionsTotal.get();
    }

    public long demotionsOk() {
        return demotionsOk.get();
    }

    public long demotionsFailed() {
        return demotionsFailed.get();
    }

    public List<Decision> recentDecisions() {
        List<Decision> all = policy.decisions();
        return all.subList(Math.max(0, all.size() - RECENT_DECISIONS), all.size());
    }

    public long nowNanos() {
        return clock.nanos();
    }

    @Override
    public void close() {
        sampling.close();
        orders.close();
        handoverThread.shutdownNow();
    }
}
