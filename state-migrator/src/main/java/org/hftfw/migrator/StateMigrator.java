package org.hftfw.migrator;

import org.hftfw.common.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proactive half's actuator (hFT-FW paper, "Proactive: migration on errors"): pushes the <b>whole</b>
 * local conntrack table to the healthy backup and hands over, so that the propagation time Tprop stays
 * below the predicted time to failure Tfail.
 *
 * <p>A migration is four timed steps: dump the local table; send every entry through the sync link's bulk
 * path (FT-FW data messages, as {@code conntrackd -B} does); wait until the peer has acknowledged all of
 * them; hand over — commit on the backup first, then demote this node. Committing before demoting closes
 * the window in which keepalived's notify-after-VIP-move order drops replicated flows (keepalived #2254,
 * shared/testbed "keepalived").
 *
 * <p>Urgency decides what happens when acknowledgements do not all arrive within the timeout: a
 * {@link Urgency#PLANNED} migration stays primary and reports the failure (the predictor said there is
 * time: better keep serving than hand over a partial table); an {@link Urgency#IMMEDIATE} one hands over
 * anyway, since the box is expected to die and partial state beats none.
 *
 * <p>Only one migration runs at a time; a second request while one runs is refused and counted.
 */
public final class StateMigrator {
    private static final Logger LOG = LoggerFactory.getLogger(StateMigrator.class);

    /** How urgent a migration is; see the class comment. */
    public enum Urgency { PLANNED, IMMEDIATE }

    /** The sync link's bulk path. */
    public interface BulkLink {
        /** Queues one entry as a data message to the peer. */
        void send(ConntrackEntry entry);

        /** Flushes queued messages to the wire. */
        void flush();

        /** Data messages sent but not yet acknowledged by the peer. */
        long unacknowledged();
    }

    /** The handover steps, e.g. commands from the config or calls into an in-process backup. */
    public interface Handover {
        /** Makes the backup install the migrated states in its kernel table ({@code conntrackd -c}). */
        void commitOnBackup() throws Exception;

        /** Gives up the primary role (lower the VRRP priority, drop the VIPs). */
        void demoteSelf() throws Exception;
    }

    /** Waits between polls of the acknowledgement count; a virtual clock advances instead in tests. */
    @FunctionalInterface
    public interface Pause {
        void pause(long nanos) throws InterruptedException;

        static Pause sleeping() {
            return nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        }
    }

    /**
     * Runs the dump-and-send step while the local table's change stream is held still. A live change published
     * while the migrator sends an older snapshot of the same flow could otherwise be overwritten on the link by
     * that snapshot (the FT-FW queue keeps only the latest state per flow, whichever was published last). The
     * caller that publishes live changes supplies this: e.g. run the step under the lock its event path holds, or
     * on its event thread after draining the event socket (events generated during the dump are newer than what
     * the dump read, so they may follow it; events generated before it must not).
     */
    @FunctionalInterface
    public interface Quiesce {
        <T> T whileQuiet(java.util.concurrent.Callable<T> step) throws Exception;

        /** No coordination: for tables nobody else publishes from. */
        static Quiesce none() {
            return new Quiesce() {
                @Override
                public <T> T whileQuiet(java.util.concurrent.Callable<T> step) throws Exception {
                    return step.call();
                }
            };
        }
    }

    /** Tunables. */
    public record Config(Duration ackTimeout, Duration pollInterval, int progressEvery) {
        public Config {
            Objects.requireNonNull(ackTimeout, "ackTimeout");
            Objects.requireNonNull(pollInterval, "pollInterval");
            if (ackTimeout.isNegative() || ackTimeout.isZero()) {
                throw new IllegalArgumentException("migration.ack-timeout must be positive");
            }
            if (pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("migration.poll-interval must be positive");
            }
            if (progressEvery <= 0) {
                throw new IllegalArgumentException("migration.progress-every must be positive");
            }
        }

        public static Config defaults() {
            return new Config(Duration.ofSeconds(10), Duration.ofMillis(2), 5_000);
        }
    }

    /** What a migration did, with the time of each step. */
    public record Report(String reason, Urgency urgency, int entries, long dumpNanos, long sendNanos, long ackNanos,
                         long handoverNanos, boolean allAcknowledged, boolean handedOver, String failure) {
        /** Tprop: from the order to the end of the handover (or of the attempt). */
        public long totalNanos() {
            return dumpNanos + sendNanos + ackNanos + handoverNanos;
        }

        public String describe() {
            return String.format(java.util.Locale.ROOT,
                    "migration (%s, %s): %d entries; dump %.1f ms, send %.1f ms, acknowledged %s after %.1f ms, "
                            + "handover %s %.1f ms; Tprop %.1f ms%s",
                    reason, urgency, entries, dumpNanos / 1e6, sendNanos / 1e6, allAcknowledged ? "all" : "NOT all",
                    ackNanos / 1e6, handedOver ? "done in" : "not done,", handoverNanos / 1e6, totalNanos() / 1e6,
                    failure == null ? "" : "; " + failure);
        }
    }

    /** Progress of a running migration, for logs and the CLI. */
    @FunctionalInterface
    public interface Progress {
        void update(String step, int done, int total);
    }

    private final Supplier<? extends List<ConntrackEntry>> dump;
    private final BulkLink link;
    private final Handover handover;
    private final Clock clock;
    private final Pause pause;
    private volatile Quiesce quiesce = Quiesce.none();
    private volatile Config config;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    public StateMigrator(ConntrackTable local, BulkLink link, Handover handover, Config config, Clock clock,
                         Pause pause) {
        this(Objects.requireNonNull(local)::list, link, handover, config, clock, pause);
    }

    /**
     * A migrator whose table comes from {@code dump} instead of a whole kernel table, e.g. the replication daemon's
     * filtered dump (conntrackd's {@code -B} sends its internal cache, i.e. the filtered table, too).
     */
    public StateMigrator(Supplier<? extends List<ConntrackEntry>> dump, BulkLink link, Handover handover, Config config,
                         Clock clock, Pause pause) {
        this.dump = Objects.requireNonNull(dump);
        this.link = Objects.requireNonNull(link);
        this.handover = Objects.requireNonNull(handover);
        this.config = Objects.requireNonNull(config);
        this.clock = Objects.requireNonNull(clock);
        this.pause = Objects.requireNonNull(pause);
    }

    /** Sets how the dump-and-send step is kept consistent with live replication (see {@link Quiesce}). */
    public StateMigrator quiesce(Quiesce q) {
        this.quiesce = Objects.requireNonNull(q);
        return this;
    }

    public void reconfigure(Config next) {
        this.config = Objects.requireNonNull(next);
    }

    /**
     * Migrates the whole table and hands over. Returns null if another migration is running (the request
     * is counted in {@link #refused()}).
     */
    public Report migrate(String reason, Urgency urgency, Progress progress) throws InterruptedException {
        if (!running.compareAndSet(false, true)) {
            refused.incrementAndGet();
            LOG.warn("migration requested ({}) while one is running: ignored", reason);
            return null;
        }
        try {
            Report r = run(reason, urgency, progress);
            (r.handedOver() ? completed : failed).incrementAndGet();
            if (r.handedOver()) {
                LOG.info("{}", r.describe());
            } else {
                LOG.error("{}", r.describe());
            }
            return r;
        } finally {
            running.set(false);
        }
    }

    private Report run(String reason, Urgency urgency, Progress progress) throws InterruptedException {
        Config cfg = config;
        LOG.info("migrating the whole conntrack table to the backup: {} ({})", reason, urgency);
        long t0 = clock.nanos();
        long[] t1 = {t0};
        int[] sentCount = {0};
        try {
            quiesce.whileQuiet(() -> {
                List<ConntrackEntry> table = dump.get();
                t1[0] = clock.nanos();
                int total = table.size();
                progress.update("send", 0, total);
                for (ConntrackEntry e : table) {
                    link.send(e);
                    if (++sentCount[0] % cfg.progressEvery() == 0) {
                        link.flush();
                        progress.update("send", sentCount[0], total);
                    }
                }
                link.flush();
                progress.update("send", sentCount[0], total);
                return null;
            });
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            long now = clock.nanos();
            return new Report(reason, urgency, sentCount[0], t1[0] - t0, now - t1[0], 0, 0, false, false,
                    "dump/send failed: " + e.getMessage());
        }
        int total = sentCount[0];
        long t2 = clock.nanos();
        long deadline = t2 + cfg.ackTimeout().toNanos();
        long lastReport = t2;
        long pending;
        while ((pending = link.unacknowledged()) > 0 && clock.nanos() < deadline) {
            pause.pause(cfg.pollInterval().toNanos());
            if (clock.nanos() - lastReport >= 1_000_000_000L) {
                lastReport = clock.nanos();
                progress.update("acknowledged", (int) Math.max(0, total - pending), total);
            }
        }
        boolean allAcked = pending <= 0;
        long t3 = clock.nanos();
        progress.update("acknowledged", (int) Math.max(0, total - Math.max(0, pending)), total);
        if (!allAcked && urgency == Urgency.PLANNED) {
            return new Report(reason, urgency, total, t1[0] - t0, t2 - t1[0], t3 - t2, 0, false, false,
                    pending + " messages unacknowledged after " + cfg.ackTimeout().toMillis()
                            + " ms: staying primary (planned migration)");
        }
        String failure = allAcked ? null : pending + " messages unacknowledged: handing over anyway (immediate)";
        try {
            handover.commitOnBackup();
            progress.update("committed", total, total);
            handover.demoteSelf();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            long t4 = clock.nanos();
            return new Report(reason, urgency, total, t1[0] - t0, t2 - t1[0], t3 - t2, t4 - t3, allAcked, false,
                    "handover failed: " + e.getMessage());
        }
        long t4 = clock.nanos();
        return new Report(reason, urgency, total, t1[0] - t0, t2 - t1[0], t3 - t2, t4 - t3, allAcked, true, failure);
    }

    public boolean isRunning() {
        return running.get();
    }

    public int refused() {
        return refused.get();
    }

    public int completed() {
        return completed.get();
    }

    public int failed() {
        return failed.get();
    }
}
