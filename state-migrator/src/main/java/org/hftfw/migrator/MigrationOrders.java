package org.hftfw.migrator;

import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.hftfw.policy.MigrationActions;
import org.hftfw.policy.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the policy daemon's orders with the {@link StateMigrator}. The daemon's decisions must stay fast,
 * so a migration runs on its own thread; when it ends, the daemon hears {@code migration-done} (the backup has
 * committed the table) or {@code migration-failed}. Demotion is a separate order: the default policy demotes once
 * the migration is done, after the commit on the backup — the order that closes keepalived's notify race.
 */
public final class MigrationOrders implements MigrationActions, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationOrders.class);

    public static final String DONE = "migration-done";
    public static final String FAILED = "migration-failed";

    private final StateMigrator migrator;
    private final StateMigrator.Handover handover;
    private final Consumer<String> events;
    private final Consumer<StateMigrator.Report> reports;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("state-migrator").unstarted(r));

    /**
     * @param migrator a migrator built with a handover that only commits (see {@link #commitOnly})
     * @param handover the handover whose {@code demoteSelf} the DEMOTE order calls
     * @param events   where the outcome goes, normally {@code policyDaemon::event}
     * @param reports  receives each migration report (logs, metrics, the demo's output)
     */
    public MigrationOrders(StateMigrator migrator, StateMigrator.Handover handover, Consumer<String> events,
                           Consumer<StateMigrator.Report> reports) {
        this.migrator = Objects.requireNonNull(migrator);
        this.handover = Objects.requireNonNull(handover);
        this.events = Objects.requireNonNull(events);
        this.reports = Objects.requireNonNull(reports);
    }

    /** The commit step of {@code h} alone: for a migrator whose demotion is ordered separately by the policy. */
    public static StateMigrator.Handover commitOnly(StateMigrator.Handover h) {
        return new StateMigrator.Handover() {
            @Override
            public void commitOnBackup() throws Exception {
                h.commitOnBackup();
            }

            @Override
            public void demoteSelf() {
                // ordered separately by the policy daemon (DEMOTE)
            }
        };
    }

    @Override
    public void migrate(Reason r) {
        run(r, StateMigrator.Urgency.PLANNED);
    }

    @Override
    public void migrateNow(Reason r) {
        run(r, StateMigrator.Urgency.IMMEDIATE);
    }

    @Override
    public void demote(Reason r) {
        try {
            handover.demoteSelf();
            LOG.info("demoted: {}", r.summary());
        } catch (Exception e) {
            LOG.error("demotion failed ({}): {}", r.summary(), e.getMessage());
        }
    }

    private void run(Reason r, StateMigrator.Urgency urgency) {
        worker.execute(() -> {
            StateMigrator.Report report;
            try {
                report = migrator.migrate(r.summary(), urgency,
                        (step, done, total) -> LOG.info("migration {}: {}/{}", step, done, total));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("migration failed", e);
                events.accept(FAILED);
                return;
            }
            if (report == null) {
                return;                                   // another migration is running; it will report
            }
            reports.accept(report);
            events.accept(report.handedOver() ? DONE : FAILED);
        });
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
