package org.hftfw.migrator;

import org.hftfw.common.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
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
 * <p>A migration is four timed steps: take a {@link Snapshot} of the table (the daemon's internal cache, kept from
 * its events as conntrackd keeps one, so there is no kernel dump at migration time); send it through the sync
 * link's paced bulk path (FT-FW data messages, as {@code conntrackd -B} does, but never more in flight than the
 * resend queue holds, and each flow counted until the peer acknowledges it); resend what was lost; hand over —
 * commit on the backup first, then demote this node. Committing before demoting closes the window in which
 * keepalived's notify-after-VIP-move order drops replicated flows (keepalived #2254, shared/testbed "keepalived").
 *
 * <p>A migration never reports success with a flow missing. The transfer counts every flow the peer acknowledged;
 * flows lost on the way (dropped from a full queue) are resent from the snapshot, at their latest state, up to
 * {@link #RESEND_ROUNDS} times; a {@link Confirmation} from the backup (its own count of the flows it holds, where
 * the peer can give one) is checked against the count sent; whatever is still missing is reported with its count.
 * Urgency decides what happens then, or when the ACKs stall for {@code ackTimeout}: a {@link Urgency#PLANNED}
 * migration stays primary and reports the failure (the predictor said there is time: better keep serving than
 * hand over a partial table); an {@link Urgency#IMMEDIATE} one hands over anyway, since the box is expected to
 * die and partial state beats none, and its report says how many flows are missing.
 *
 * <p>Only one migration runs at a time; a second request while one runs is refused and counted.
 */
public final class StateMigrator {
    private static final Logger LOG = LoggerFactory.getLogger(StateMigrator.class);

    /** How urgent a migration is; see the class comment. */
    public enum Urgency { PLANNED, IMMEDIATE }

    /** Lost flows are resent at most this many times before the migration reports them missing. */
    public static final int RESEND_ROUNDS = 3;
    /**
     * The longest wait for a transfer's next milestone on a link that signals it ({@link Transfer#awaitMilestone}):
     * how often the ACK stall ({@code ack-timeout}) is checked and progress reported, instead of every
     * {@code poll-interval}.
     */
    static final long MILESTONE_WAIT_NANOS = 100_000_000L;

    /** The sync link's paced bulk path. */
    public interface BulkLink {
        /** Starts sending {@code entries} (read by the link as the peer's window makes room) and returns at once. */
        Transfer send(Iterator<ConntrackEntry> entries);

        /**
         * How the peer at the other end confirms what it holds; none by default (a stock conntrackd peer cannot
         * say). Asked once per migrator: migrations never overlap, so one confirmation serves them all.
         */
        default Confirmation confirmation() {
            return Confirmation.none();
        }
    }

    /** One bulk send on the link. */
    public interface Transfer {
        /** Where it stands now. */
        Sent progress();

        /** The states lost on the way (not acknowledged and no longer resendable by the link), once complete. */
        List<ConntrackEntry> lost();

        /** Stops sending further entries. */
        void cancel();

        /**
         * Waits at most {@code nanos} for the transfer's next milestone: fed (when {@code fedSeen} is false),
         * complete, or cancelled; returns at once when it is there already. Returns false without waiting when the
         * link cannot say (the migrator then polls every {@code poll-interval}).
         */
        default boolean awaitMilestone(boolean fedSeen, long nanos) throws InterruptedException {
            return false;
        }
    }

    /**
     * Where a transfer stands: entries queued so far, of those acknowledged by the peer and lost for good, and
     * whether the source is exhausted.
     */
    public record Sent(long queued, long acknowledged, long lost, boolean fed) {
        public long outstanding() {
            return queued - acknowledged - lost;
        }

        public boolean complete() {
            return fed && outstanding() == 0;
        }
    }

    /**
     * What a migration sends: the table's flows, each read at its latest state as the link sends it (a snapshot
     * of a live internal cache holds the keys; a list holds the states as they were).
     */
    public interface Snapshot {
        /** Flows in the snapshot (some may be gone when their turn comes: they are skipped). */
        int size();

        /** The flows' states, read as the link asks for them. */
        Iterator<ConntrackEntry> entries();

        /** The latest states of {@code lost} for a resend, without the flows gone since. */
        Iterator<ConntrackEntry> again(List<ConntrackEntry> lost);

        /**
         * Called once the migration has ended, outside its timed steps (e.g. to note that the backup holds these
         * flows, which is bookkeeping a migration need not wait for).
         */
        default void ended() {
        }

        /** A snapshot of fixed states, e.g. a dumped table. */
        static Snapshot of(List<ConntrackEntry> entries) {
            List<ConntrackEntry> copy = List.copyOf(entries);
            return new Snapshot() {
                @Override
                public int size() {
                    return copy.size();
                }

                @Override
                public Iterator<ConntrackEntry> entries() {
                    return copy.iterator();
                }

                @Override
                public Iterator<ConntrackEntry> again(List<ConntrackEntry> lost) {
                    return lost.iterator();
                }
            };
        }
    }

    /**
     * The backup's own word on how many of the migrated flows it holds, asked once every flow is acknowledged.
     * Between two hFT-FW peers this is an in-band exchange on the FT-FW channel (bulk end / holds count); a stock
     * conntrackd peer cannot say, and there the commit hook's exit status is the confirmation. One migration:
     * {@link #begin} before its first entry is sent, {@link #holds} once all are acknowledged, {@link #end} always.
     */
    @FunctionalInterface
    public interface Confirmation {
        /** The migration starts sending: what is sent from now on is counted. */
        default void begin() {
        }

        /**
         * Flows of the migration ({@code sent} of them) the backup holds, flows deleted here meanwhile counted as
         * held (the backup rightly dropped them); empty when it cannot tell. Waits at most {@code wait}.
         */
        OptionalLong holds(long sent, Duration wait) throws Exception;

        /** The migration ended (also when {@link #holds} was never asked): releases what {@link #begin} took. */
        default void end() {
        }

        /** No in-band confirmation: the ACK count and the commit hook decide. */
        static Confirmation none() {
            return (sent, wait) -> OptionalLong.empty();
        }
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

    /**
     * Tunables: a migration fails when its transfer makes no progress (no entry queued, no flow acknowledged) for
     * {@code ackTimeout}; the transfer's progress is read every {@code pollInterval}.
     */
    public record Config(Duration ackTimeout, Duration pollInterval) {
        public Config {
            Objects.requireNonNull(ackTimeout, "ackTimeout");
            Objects.requireNonNull(pollInterval, "pollInterval");
            if (ackTimeout.isNegative() || ackTimeout.isZero()) {
                throw new IllegalArgumentException("migration.ack-timeout must be positive");
            }
            if (pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("migration.poll-interval must be positive");
            }
        }

        public static Config defaults() {
            return new Config(Duration.ofSeconds(10), Duration.ofMillis(2));
        }
    }

    /**
     * What a migration did, with the time of each step: {@code dumpNanos} takes the snapshot, {@code sendNanos} runs
     * until every entry is queued (paced by the ACKs, so most of the ACK wait is in it), {@code ackNanos} from then
     * until every flow is acknowledged (resends and the backup's confirmation included). {@code missing} is the
     * number of flows not known to be held by the backup (0 when {@code allAcknowledged}).
     */
    public record Report(String reason, Urgency urgency, int entries, long dumpNanos, long sendNanos, long ackNanos,
                         long handoverNanos, boolean allAcknowledged, boolean handedOver, String failure,
                         long missing) {
        /** Tprop: from the order to the end of the handover (or of the attempt). */
        public long totalNanos() {
            return dumpNanos + sendNanos + ackNanos + handoverNanos;
        }

        /** Handed over with every flow acknowledged: the only outcome that is a success. */
        public boolean complete() {
            return handedOver && allAcknowledged && missing == 0;
        }

        public String describe() {
            return String.format(java.util.Locale.ROOT,
                    "migration (%s, %s): %d entries; snapshot %.1f ms, send %.1f ms, acknowledged %s after %.1f ms, "
                            + "handover %s %.1f ms; Tprop %.1f ms%s%s",
                    reason, urgency, entries, dumpNanos / 1e6, sendNanos / 1e6,
                    allAcknowledged ? "all" : "NOT all (" + missing + " missing)", ackNanos / 1e6,
                    handedOver ? "done in" : "not done,", handoverNanos / 1e6, totalNanos() / 1e6,
                    handedOver && !complete() ? "; INCOMPLETE" : "", failure == null ? "" : "; " + failure);
        }
    }

    /** Progress of a running migration, for logs and the CLI. */
    @FunctionalInterface
    public interface Progress {
        void update(String step, int done, int total);
    }

    private final Supplier<? extends Snapshot> dump;
    private final BulkLink link;
    private final Handover handover;
    private final Clock clock;
    private final Pause pause;
    private volatile Quiesce quiesce = Quiesce.none();
    private volatile Confirmation confirmation;
    private volatile Config config;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    /** A migrator of a whole table, dumped at each migration (benches, in-memory tables). */
    public StateMigrator(ConntrackTable local, BulkLink link, Handover handover, Config config, Clock clock,
                         Pause pause) {
        this(() -> Snapshot.of(Objects.requireNonNull(local).list()), link, handover, config, clock, pause);
    }

    /**
     * A migrator whose table comes from {@code dump} instead of a whole kernel table, e.g. the replication daemon's
     * internal cache (conntrackd's {@code -B} sends its internal cache, i.e. the filtered table, too).
     */
    public StateMigrator(Supplier<? extends Snapshot> dump, BulkLink link, Handover handover, Config config,
                         Clock clock, Pause pause) {
        this.dump = Objects.requireNonNull(dump);
        this.link = Objects.requireNonNull(link);
        this.confirmation = link.confirmation();
        this.handover = Objects.requireNonNull(handover);
        this.config = Objects.requireNonNull(config);
        this.clock = Objects.requireNonNull(clock);
        this.pause = Objects.requireNonNull(pause);
    }

    /** Sets how the backup confirms what it holds (see {@link Confirmation}); the link's by default. */
    public StateMigrator confirmation(Confirmation c) {
        this.confirmation = Objects.requireNonNull(c);
        return this;
    }

    /** Sets how the snapshot step is kept consistent with live replication (see {@link Quiesce}). */
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
            (r.complete() ? completed : failed).incrementAndGet();
            if (r.complete()) {
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
        Snapshot table;
        try {
            table = quiesce.whileQuiet(dump::get);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            long now = clock.nanos();
            return new Report(reason, urgency, 0, now - t0, 0, 0, 0, false, false, "snapshot failed: " + e.getMessage(),
                    0);
        }
        Confirmation confirm = confirmation;
        confirm.begin();
        try {
            return sendAndHandOver(reason, urgency, progress, cfg, table, confirm, t0);
        } finally {
            confirm.end();
        }
    }

    private Report sendAndHandOver(String reason, Urgency urgency, Progress progress, Config cfg, Snapshot table,
                                   Confirmation confirm, long t0) throws InterruptedException {
        long t1 = clock.nanos();
        int total = table.size();
        progress.update("send", 0, total);
        Delivery d = deliver(link.send(table.entries()), total, cfg, progress);
        long t2 = d.fedAt < 0 ? clock.nanos() : d.fedAt;
        long sent = d.sent.queued();
        long acknowledged = d.sent.acknowledged();
        long missing = d.sent.complete() ? d.sent.lost() : d.sent.queued() - d.sent.acknowledged();
        for (int round = 1; round <= RESEND_ROUNDS && d.sent.complete() && d.sent.lost() > 0; round++) {
            List<ConntrackEntry> lost = d.transfer.lost();
            LOG.warn("migration: {} flows lost on the way, resending them (round {} of {})", lost.size(), round,
                    RESEND_ROUNDS);
            d = deliver(link.send(table.again(lost)), lost.size(), cfg, progress);
            acknowledged += d.sent.acknowledged();
            missing = d.sent.complete() ? d.sent.lost() : d.sent.queued() - d.sent.acknowledged();
        }
        String failure = null;
        if (missing > 0) {
            failure = missing + " of " + sent + " flows not acknowledged by the backup"
                    + (d.sent.complete() ? " after " + RESEND_ROUNDS + " resends"
                    : " (no ACK for " + cfg.ackTimeout().toMillis() + " ms)");
        } else {
            try {
                OptionalLong holds = confirm.holds(acknowledged, cfg.ackTimeout());
                if (holds.isPresent() && holds.getAsLong() < acknowledged) {
                    missing = acknowledged - holds.getAsLong();
                    failure = "the backup holds " + holds.getAsLong() + " of the " + acknowledged
                            + " flows it acknowledged (" + missing + " missing)";
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                missing = acknowledged;
                failure = "the backup did not confirm what it holds: " + e.getMessage();
            }
        }
        boolean allAcked = missing == 0;
        long t3 = clock.nanos();
        progress.update("acknowledged", (int) Math.max(0, sent - missing), total);
        if (!allAcked && urgency == Urgency.PLANNED) {
            table.ended();
            return new Report(reason, urgency, (int) sent, t1 - t0, t2 - t1, t3 - t2, 0, false, false,
                    failure + ": staying primary (planned migration)", missing);
        }
        if (!allAcked) {
            failure = failure + ": handing over anyway (immediate)";
        }
        try {
            handover.commitOnBackup();
            progress.update("committed", (int) sent, total);
            handover.demoteSelf();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            long t4 = clock.nanos();
            table.ended();
            return new Report(reason, urgency, (int) sent, t1 - t0, t2 - t1, t3 - t2, t4 - t3, allAcked, false,
                    "handover failed: " + e.getMessage(), missing);
        }
        long t4 = clock.nanos();
        table.ended();
        return new Report(reason, urgency, (int) sent, t1 - t0, t2 - t1, t3 - t2, t4 - t3, allAcked, true, failure,
                missing);
    }

    /** One transfer waited for: where it ended, and when its last entry was queued (-1: never). */
    private record Delivery(Transfer transfer, Sent sent, long fedAt) {}

    /**
     * Waits until {@code t} is complete, or until neither an entry is queued nor a flow acknowledged or lost for
     * {@code ackTimeout} (then it is cancelled).
     */
    private Delivery deliver(Transfer t, int total, Config cfg, Progress progress) throws InterruptedException {
        long lastChange = clock.nanos();
        long lastReport = lastChange;
        long fedAt = -1;
        Sent before = t.progress();
        Sent now = before;
        while (!now.complete()) {
            if (!t.awaitMilestone(now.fed(), MILESTONE_WAIT_NANOS)) {
                pause.pause(cfg.pollInterval().toNanos());
            }
            now = t.progress();
            long at = clock.nanos();
            if (now.fed() && fedAt < 0) {
                fedAt = at;
                progress.update("send", (int) now.queued(), total);
            }
            if (!now.equals(before)) {
                before = now;
                lastChange = at;
            } else if (at - lastChange >= cfg.ackTimeout().toNanos()) {
                t.cancel();
                break;
            }
            if (at - lastReport >= 1_000_000_000L) {
                lastReport = at;
                progress.update("acknowledged", (int) now.acknowledged(), total);
            }
        }
        if (now.complete() && fedAt < 0) {
            fedAt = clock.nanos();
        }
        return new Delivery(t, now, fedAt);
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
