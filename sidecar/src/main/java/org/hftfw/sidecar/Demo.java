package org.hftfw.sidecar;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.log.ConntrackLogReader;
import org.hftfw.conntrack.log.LogClock;
import org.hftfw.conntrack.log.ReplayClock;
import org.hftfw.conntrack.log.ReplaySource;
import org.hftfw.conntrack.memory.InMemoryConntrackTable;
import org.hftfw.ftfw.FtfwChannel;
import org.hftfw.ftfw.FtfwConfig;
import org.hftfw.ftfw.FtfwStats;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LazyReplicator;
import org.hftfw.lazy.Mode;
import org.hftfw.lazy.ReplicatorMetrics;
import org.hftfw.migrator.MigrationOrders;
import org.hftfw.models.DefaultModel;
import org.hftfw.migrator.StateMigrator;
import org.hftfw.policy.MigrationActions;
import org.hftfw.policy.PolicyConfig;
import org.hftfw.policy.Reason;
import org.hftfw.policy.PolicyDaemon;
import org.hftfw.predictor.Alert;
import org.hftfw.predictor.FakeSysfs;
import org.hftfw.predictor.FaultInjector;
import org.hftfw.predictor.FaultKind;
import org.hftfw.predictor.FaultSources;
import org.hftfw.predictor.Predictor;
import org.hftfw.predictor.PredictorConfig;
import org.hftfw.predictor.SamplingLoop;
import org.hftfw.predictor.Ticker;

/**
 * The whole of hFT-FW in one JVM, on loopback, without root: a primary replica whose conntrack table is driven
 * by a replayed real capture, a backup replica, the Bayes lazy replicator between the primary's events and an
 * FT-FW channel over UDP, and the proactive chain — a predictor watching a fake sysfs tree, the policy daemon,
 * the state migrator. Part-way through the replay, memory errors are injected into the fake tree; the policy
 * orders a migration, the whole table goes to the backup, the backup commits it, the primary is demoted, and
 * the demo checks that the backup holds every flow the primary had, in its current state.
 */
final class Demo {
    /** What to run. */
    record Options(LogSource log, String logName, double speed, double faultAt, boolean lazy, Mode mode, double barrier) {}

    /** Opens the log; called twice (a scan for its time span, then the replay). */
    @FunctionalInterface
    interface LogSource {
        Reader open() throws IOException;
    }

    private final PrintStream out;
    private final long start = System.nanoTime();

    Demo(PrintStream out) {
        this.out = out;
    }

    private void say(String fmt, Object... args) {
        out.printf(Locale.ROOT, "[%5.2fs] " + fmt + "%n",
                java.util.stream.Stream.concat(java.util.stream.Stream.of((System.nanoTime() - start) / 1e9),
                        java.util.Arrays.stream(args)).toArray());
    }

    /** Runs the demo; returns true if the backup ended up with every flow of the primary. */
    boolean run(Options o, Path work) throws IOException, InterruptedException {
        List<ConntrackEvent> events = new ArrayList<>();
        try (ConntrackLogReader reader = ConntrackLogReader.of(o.log().open(), o.logName())) {
            reader.readAll(events::add);
        }
        if (events.isEmpty()) {
            throw new Failures.UserError(o.logName() + ": no conntrack events in it");
        }
        long t0 = events.getFirst().monotonicNanos();
        long span = events.getLast().monotonicNanos() - t0;
        long flows = events.stream().filter(e -> e.type() == org.hftfw.conntrack.EventType.NEW).count();
        say("primary and backup replicas start in this JVM; FT-FW runs between them over loopback UDP");
        say("replaying %s: %d events of %d flows over %.0f s, at %sx", o.logName(), events.size(), flows, span / 1e9,
                o.speed() == 0 ? "max" : fmt(o.speed()));

        LogClock logClock = new LogClock();
        InMemoryConntrackTable primary = InMemoryConntrackTable.create(logClock::nanos, logClock::epochMicros);
        Primary node = new Primary(primary);
        InMemoryConntrackTable backup = InMemoryConntrackTable.create(System::nanoTime,
                () -> System.currentTimeMillis() * 1000);
        InetSocketAddress pAddr = freeLoopbackPort();
        InetSocketAddress bAddr = freeLoopbackPort();
        try (FtfwChannel toBackup = FtfwChannel.builder(FtfwConfig.of(pAddr, bAddr)).resyncSource(primary).start();
             FtfwChannel fromPrimary = FtfwChannel.builder(FtfwConfig.of(bAddr, pAddr)).start()) {

            AtomicLong published = new AtomicLong();
            LazyReplicator lazy = o.lazy()
                    ? new LazyReplicator(LazyConfig.defaults().withBarrier(o.barrier()).withMode(o.mode()),
                            (e, at) -> { published.incrementAndGet(); toBackup.publish(e.type(), e.entry()); },
                            logClock::nanos, DefaultModel.load())
                    : null;
            say(lazy == null ? "replication: every state change (conntrackd's FT-FW default)"
                    : "replication: Bayes lazy replication, barrier %s, mode %s, starting from the shipped model "
                            + "(trained on other recorded traces) and learning online",
                    fmt(o.barrier()), o.mode().name().toLowerCase(Locale.ROOT));

            // the proactive chain: fake sysfs -> predictor -> policy daemon -> state migrator
            FakeSysfs tree = FaultCommand.FakeTree.build(work.resolve("sysfs"));
            FaultInjector injector = new FaultInjector(tree.roots());
            CountDownLatch demoted = new CountDownLatch(1);
            AtomicReference<StateMigrator.Report> migration = new AtomicReference<>();
            AtomicReference<ConntrackTable.BatchResult> committed = new AtomicReference<>();
            AtomicReference<List<ConntrackEntry>> primaryAtHandover = new AtomicReference<>();
            StateMigrator.Handover handover = new StateMigrator.Handover() {
                @Override
                public void commitOnBackup() {
                    committed.set(fromPrimary.externalCache().commit(backup));
                }

                @Override
                public void demoteSelf() {
                    primaryAtHandover.set(node.die());
                    demoted.countDown();
                }
            };
            StateMigrator migrator = new StateMigrator(primary, new org.hftfw.migrator.FtfwBulkLink(toBackup),
                    MigrationOrders.commitOnly(handover), StateMigrator.Config.defaults(), System::nanoTime,
                    StateMigrator.Pause.sleeping()).quiesce(node.quiesce());
            AtomicReference<PolicyDaemon> policyRef = new AtomicReference<>();
            MigrationOrders orders = new MigrationOrders(migrator, handover, ev -> policyRef.get().event(ev),
                    migration::set);
            // once a migration is ordered the failure is expected: nothing is held back any more
            java.util.concurrent.atomic.AtomicBoolean eager = new java.util.concurrent.atomic.AtomicBoolean();
            MigrationActions actions = new MigrationActions() {
                @Override
                public void migrate(Reason r) {
                    eager.set(true);
                    orders.migrate(r);
                }

                @Override
                public void migrateNow(Reason r) {
                    eager.set(true);
                    orders.migrateNow(r);
                }

                @Override
                public void demote(Reason r) {
                    orders.demote(r);
                }
            };
            PolicyDaemon policy = new PolicyDaemon(PolicyConfig.defaults(), actions, Ticker.system());
            policyRef.set(policy);
            List<Alert> alerts = new ArrayList<>();
            SamplingLoop sampling = new SamplingLoop(FaultSources.sysfsOnly(tree.roots()),
                    new Predictor(PredictorConfig.defaults()), Ticker.system(), (now, a) -> {
                        alerts.addAll(a);
                        policy.onAlerts(now, a);
                    });
            sampling.sampleOnce();
            say("fault predictor watches a fake sysfs tree (EDAC, AER, hwmon, thermal, NIC): policy %s", policy.state());

            long faultTime = t0 + (long) (span * o.faultAt());
            long[] nextSample = {t0 + 1_000_000_000L};
            int[] faultStep = {0};
            long[] kernelEvents = {0};
            ConntrackLogReader replayReader = ConntrackLogReader.of(o.log().open(), o.logName());
            ReplaySource replay = ReplaySource.from(replayReader).logClock(logClock).to(e -> {
                node.handle(e, ev -> {
                    kernelEvents[0]++;
                    if (lazy != null && !eager.get()) {
                        lazy.onEvent(ev);
                    } else {
                        published.incrementAndGet();
                        toBackup.publish(ev.type(), ev.entry());
                    }
                });
                long t = e.monotonicNanos();
                if (t >= nextSample[0]) {
                    nextSample[0] = t + 1_000_000_000L;
                    if (t >= faultTime && faultStep[0] == 0) {
                        faultStep[0] = 1;
                        say("fault: %s", injector.inject(FaultKind.EDAC_CE, 12, "mc0/dimm0"));
                    } else if (faultStep[0] == 1) {
                        faultStep[0] = 2;
                        say("fault: %s", injector.inject(FaultKind.EDAC_UE, 1, "mc0/dimm0"));
                    }
                    int before = alerts.size();
                    String was = policy.state();
                    sampling.sampleOnce();
                    for (Alert a : alerts.subList(before, alerts.size())) {
                        say("  alert %s %s: %s", a.severity(), a.source(), a.reason());
                    }
                    if (!was.equals(policy.state())) {
                        say("  policy: %s -> %s", was, policy.state());
                    }
                }
            });
            if (o.speed() > 0) {
                replay.paced(ReplayClock.system(), o.speed());
            }
            try (replayReader) {
                replay.run();
            } catch (Stop stop) {
                // the replay ends where the primary was demoted
            }
            if (!demoted.await(15, TimeUnit.SECONDS)) {
                say("no handover happened (policy state %s)", policy.state());
            }
            StateMigrator.Report m = migration.get();
            if (m != null) {
                say("migration: %s", m.describe());
                say("  backup pre-commit (before the primary is demoted): %d created, %d updated, %d failed",
                        committed.get().created(), committed.get().updated(), committed.get().failed());
                say("  policy: %s; the primary is demoted and stops", policy.state());
                toBackup.stats();                                   // the channel has taken every publish so far
                for (int i = 0; i < 300 && toBackup.pendingFlows() > 0; i++) {
                    Thread.sleep(10);                               // what was in flight when it stopped
                }
                ConntrackTable.BatchResult takeover = fromPrimary.externalCache().commit(backup);
                say("  backup takes over: final commit of its external cache (changes since the pre-commit included): %d created, %d updated",
                        takeover.created(), takeover.updated());
            }
            if (node.skipped() > 0) {
                say("%d recorded changes could not be applied to the primary's table (the log starts mid-flow) and were "
                        + "skipped", node.skipped());
            }
            boolean ok = report(o, kernelEvents[0], published.get(), lazy, toBackup, primaryAtHandover.get(), backup);
            orders.close();
            sampling.close();
            return ok;
        }
    }

    private boolean report(Options o, long kernelEvents, long published, LazyReplicator lazy, FtfwChannel link,
                           List<ConntrackEntry> primaryTable, InMemoryConntrackTable backup) {
        out.println();
        out.printf(Locale.ROOT, "replication: %d kernel events -> %d state messages published to FT-FW (%.1f%% saved)%n",
                kernelEvents, published, kernelEvents == 0 ? 0 : 100.0 * (kernelEvents - published) / kernelEvents);
        if (lazy != null) {
            ReplicatorMetrics m = lazy.metrics();
            out.printf(Locale.ROOT, "  lazy replicator: %d state changes, wrong predictions %.2f%% (%d), deferred then sent %d, "
                            + "exposure %.3f%% of stable state-time, knowledge base %d tuples%n",
                    m.stateChanges(), 100 * m.wrongRate(), m.wrong(), m.deferredThenSent(), 100 * m.exposure(),
                    m.knowledgeBaseSize());
        }
        FtfwStats s = link.stats();
        out.printf(Locale.ROOT, "  FT-FW link: %d messages in %d datagrams, %d bytes; %d resent, %d NACKs received%n",
                s.msgsTx(), s.datagramsTx(), s.bytesTx(), s.resent(), s.nacksRx());
        if (primaryTable == null) {
            out.println("result: no handover took place");
            return false;
        }
        Map<Tuple, String> backupStates = new HashMap<>();
        for (ConntrackEntry e : backup.list()) {
            backupStates.put(e.original(), e.stateLabel());
        }
        long held = primaryTable.stream().filter(e -> e.stateLabel().equals(backupStates.get(e.original()))).count();
        long missing = primaryTable.stream().filter(e -> !backupStates.containsKey(e.original())).count();
        out.printf(Locale.ROOT, "result: the backup holds %d of the primary's %d flows in their current state "
                + "(%d missing)%s%n", held, primaryTable.size(), missing,
                held == primaryTable.size() ? ": every established connection survives the failure" : "");
        primaryTable.stream().filter(e -> !e.stateLabel().equals(backupStates.get(e.original())))
                .sorted(Comparator.comparing(e -> e.original().toString())).limit(5)
                .forEach(e -> out.println("  differs: " + org.hftfw.conntrack.ConntrackText.entry(e)));
        return held == primaryTable.size();
    }

    /**
     * The primary replica: applies its traffic's conntrack changes to its table and replicates them, atomically
     * with respect to its death (the demotion), so that the table seen at the demotion is exactly what the backup
     * had to hold.
     */
    private static final class Primary {
        private final ConntrackTable table;
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        private boolean dead;
        private long skipped;

        Primary(ConntrackTable table) {
            this.table = table;
        }

        /** Applies one recorded change to the table, then replicates it; refuses once the primary is dead. */
        void handle(ConntrackEvent e, java.util.function.Consumer<ConntrackEvent> replicate) {
            lock.lock();
            try {
                if (dead) {
                    throw new Stop();
                }
                apply(e.entry(), e.type());
                replicate.accept(e);
            } finally {
                lock.unlock();
            }
        }

        private void apply(ConntrackEntry entry, org.hftfw.conntrack.EventType type) {
            try {
                switch (type) {
                    case NEW -> {
                        table.get(entry.original(), entry.zone()).ifPresent(old -> table.delete(old.original(), old.zone()));
                        table.create(entry);
                    }
                    case UPDATE -> {
                        if (table.get(entry.original(), entry.zone()).isPresent()) {
                            table.update(entry);
                        } else {
                            table.create(entry.timeout() >= 0 ? entry : entry.toBuilder().timeout(120).build());
                        }
                    }
                    case DESTROY -> {
                        if (table.get(entry.original(), entry.zone()).isPresent()) {
                            table.delete(entry.original(), entry.zone());
                        }
                    }
                }
            } catch (org.hftfw.conntrack.ConntrackException refused) {
                // a log is not a perfect history (it may start mid-flow): the change is skipped, as a kernel would
                // refuse it, and counted in the summary
                skipped++;
            }
        }

        /** Holds the primary's changes still while {@code step} runs: the migrator's dump and bulk send. */
        StateMigrator.Quiesce quiesce() {
            return new StateMigrator.Quiesce() {
                @Override
                public <T> T whileQuiet(java.util.concurrent.Callable<T> step) throws Exception {
                    lock.lock();
                    try {
                        return step.call();
                    } finally {
                        lock.unlock();
                    }
                }
            };
        }

        /** Recorded changes the table refused (e.g. an update of a flow the log never created). */
        long skipped() {
            lock.lock();
            try {
                return skipped;
            } finally {
                lock.unlock();
            }
        }

        /** The demotion: from now on the primary changes nothing; returns its last table. */
        List<ConntrackEntry> die() {
            lock.lock();
            try {
                dead = true;
                return table.list();
            } finally {
                lock.unlock();
            }
        }
    }

    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    private static InetSocketAddress freeLoopbackPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
