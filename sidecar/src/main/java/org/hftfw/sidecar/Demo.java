package org.hftfw.sidecar;

import org.hftfw.common.Clock;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.ConntrackText;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.log.ConntrackLogReader;
import org.hftfw.conntrack.log.LogClock;
import org.hftfw.conntrack.log.ReplayClock;
import org.hftfw.conntrack.log.ReplaySource;
import org.hftfw.conntrack.memory.InMemoryConntrackTable;
import org.hftfw.ftfw.FtfwConfig;
import org.hftfw.ftfw.FtfwStats;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.Mode;
import org.hftfw.lazy.ReplicatorMetrics;
import org.hftfw.migrator.StateMigrator;
import org.hftfw.models.DefaultModel;
import org.hftfw.policy.PolicyConfig;
import org.hftfw.predictor.Alert;
import org.hftfw.predictor.FakeSysfs;
import org.hftfw.predictor.FaultInjector;
import org.hftfw.predictor.FaultKind;
import org.hftfw.predictor.PredictorConfig;
import org.hftfw.sync.NodeCommands;
import org.hftfw.sync.NodeSettings;
import org.hftfw.sync.ProactivePath;
import org.hftfw.sync.ProactiveSettings;
import org.hftfw.sync.Publisher;
import org.hftfw.sync.Replication;
import org.hftfw.sync.Reply;
import org.hftfw.sync.SyncNode;

/**
 * The whole of hFT-FW in one JVM, on loopback, without root: two {@link SyncNode}s, the very class {@code hftfw sync}
 * runs, on in-memory conntrack tables. The primary node's table is driven by a replayed real capture; its publisher
 * (Bayes lazy replication) sends over an FT-FW channel on loopback UDP to the backup node's external cache; its
 * proactive path (predictor over a fake sysfs tree, policy daemon, state migrator) runs as configured in production.
 * Part-way through the replay, memory errors are injected into the fake tree; the policy orders a migration, the
 * whole table goes to the backup, the backup node commits it ({@code commit}, the command {@code hftfw commit}
 * sends), the primary is demoted, and the demo checks that the backup holds every flow the primary had, in its
 * current state.
 *
 * <p>What is the demo's own: the traffic (the replayed log applied to the primary's table, stopped at the
 * demotion), the fault script, an in-process handover instead of the hook commands, and a scheduler on the log's
 * clock, so that sampling rounds, the lazy replicator's sweeps and the faults happen at recorded times whatever the
 * replay speed.
 */
final class Demo {
    /** What to run. */
    record Options(LogSource log, String logName, double speed, double faultAt, boolean lazy, Mode mode, double barrier) {}

    /** Opens the log; called twice (a scan for its time span, then the replay). */
    @FunctionalInterface
    interface LogSource {
        Reader open() throws IOException;
    }

    private static final Duration ROUND = Duration.ofSeconds(1);
    private static final Duration LAZY_TICK = Duration.ofMillis(20);

    private final PrintStream out;
    private final long start = System.nanoTime();

    Demo(PrintStream out) {
        this.out = out;
    }

    private void say(String fmt, Object... args) {
        out.printf(Locale.ROOT, "[%5.2fs] " + fmt + "%n",
                Stream.concat(Stream.of((System.nanoTime() - start) / 1e9), Arrays.stream(args)).toArray());
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
        long flows = events.stream().filter(e -> e.type() == EventType.NEW).count();
        say("primary and backup replicas start in this JVM; FT-FW runs between them over loopback UDP");
        say("replaying %s: %d events of %d flows over %.0f s, at %sx", o.logName(), events.size(), flows, span / 1e9,
                o.speed() == 0 ? "max" : fmt(o.speed()));

        LogClock logClock = new LogClock();
        InMemoryConntrackTable primaryTable = InMemoryConntrackTable.create(logClock);
        InMemoryConntrackTable backupTable = InMemoryConntrackTable.create(Clock.system());
        DemoTraffic traffic = new DemoTraffic(primaryTable);
        RecordedTimeScheduler schedule = new RecordedTimeScheduler();
        FakeSysfs tree = FaultCommand.FakeTree.build(work.resolve("sysfs"));
        FaultScript faults = new FaultScript(new FaultInjector(tree.roots()), logClock, t0 + (long) (span * o.faultAt()));
        InetSocketAddress pAddr = freeLoopbackPort();
        InetSocketAddress bAddr = freeLoopbackPort();

        try (primaryTable; backupTable;
             SyncNode backup = SyncNode.builder(SyncNode.Role.BACKUP, backupSettings(bAddr, pAddr), backupTable)
                     .start()) {
            NodeCommands backupCommands = new NodeCommands(backup, () -> "");
            Handover handover = new Handover(backup, backupCommands, traffic);
            schedule.every(ROUND, faults);                       // before the primary's rounds: inject, then sample
            try (SyncNode primary = SyncNode.builder(SyncNode.Role.PRIMARY,
                            primarySettings(o, pAddr, bAddr, tree, work), primaryTable)
                    .eventClock(logClock).scheduler(schedule).handover(handover).onProactiveRound(this::show)
                    .start()) {
                ProactivePath proactive = primary.proactive().orElseThrow();
                say(o.lazy() ? "replication: Bayes lazy replication, barrier %s, mode %s, starting from the shipped "
                                + "model (trained on other recorded traces) and learning online"
                                : "replication: every state change (conntrackd's FT-FW default)",
                        fmt(o.barrier()), o.mode().name().toLowerCase(Locale.ROOT));
                say("fault predictor watches a fake sysfs tree (EDAC, AER, hwmon, thermal, NIC): policy %s",
                        proactive.policy().state());

                ConntrackLogReader replayReader = ConntrackLogReader.of(o.log().open(), o.logName());
                ReplaySource replay = ReplaySource.from(replayReader).logClock(logClock).to(e -> {
                    traffic.apply(e);
                    schedule.advanceTo(e.monotonicNanos());
                });
                if (o.speed() > 0) {
                    replay.paced(ReplayClock.system(), o.speed());
                }
                try (replayReader) {
                    replay.run();
                } catch (DemoTraffic.Stopped stopped) {
                    // the replay ends where the primary was demoted
                }
                if (!handover.demoted.await(15, TimeUnit.SECONDS)) {
                    say("no handover happened (policy state %s)", proactive.policy().state());
                }
                ProactivePath.Migration m = proactive.lastMigration();
                if (m != null && handover.demoted.getCount() == 0) {
                    takeOver(primary, backup, backupCommands, proactive, m.report(), handover);
                }
                if (traffic.skipped() > 0) {
                    say("%d recorded changes could not be applied to the primary's table (the log starts mid-flow) "
                            + "and were skipped", traffic.skipped());
                }
                return report(primary, handover.primaryAtHandover.get(), backupTable);
            }
        }
    }

    /** The migration's outcome, then the backup's takeover: it commits what arrived since the pre-commit. */
    private void takeOver(SyncNode primary, SyncNode backup, NodeCommands backupCommands, ProactivePath proactive,
                          StateMigrator.Report migration, Handover handover) throws InterruptedException {
        say("migration: %s", migration.describe());
        ConntrackTable.BatchResult pre = handover.preCommit.get().result();
        say("  backup pre-commit (before the primary is demoted): %d created, %d updated, %d failed", pre.created(),
                pre.updated(), pre.failed());
        say("  policy: %s; the primary is demoted and stops", proactive.policy().state());
        primary.channel().stats();                              // the channel has taken every publish so far
        for (int i = 0; i < 300 && primary.channel().pendingFlows() > 0; i++) {
            Thread.sleep(10);                                   // what was in flight when it stopped
        }
        Reply takeover = backupCommands.handle("commit");
        if (!takeover.ok()) {
            say("  backup takeover commit failed: %s", takeover.text());
            return;
        }
        ConntrackTable.BatchResult r = backup.lastCommit().result();
        say("  backup takes over: final commit of its external cache (changes since the pre-commit included): "
                + "%d created, %d updated", r.created(), r.updated());
    }

    /** A sampling round of the primary's proactive path: its alerts and any policy change. */
    private void show(ProactivePath.Round r) {
        for (Alert a : r.alerts()) {
            say("  alert %s %s: %s", a.severity(), a.source(), a.reason());
        }
        if (!r.policyBefore().equals(r.policyAfter())) {
            say("  policy: %s -> %s", r.policyBefore(), r.policyAfter());
        }
    }

    private boolean report(SyncNode primary, List<ConntrackEntry> primaryTable, InMemoryConntrackTable backup) {
        Publisher.Stats p = primary.publisher().stats();
        long kernelEvents = p.events() + p.filtered();
        out.println();
        out.printf(Locale.ROOT, "replication: %d kernel events -> %d state messages published to FT-FW (%.1f%% saved)%n",
                kernelEvents, p.published(),
                kernelEvents == 0 ? 0 : 100.0 * (kernelEvents - p.published()) / kernelEvents);
        if (primary.publisher().replication() instanceof Replication.Lazy lazy) {
            ReplicatorMetrics m = lazy.metrics();
            out.printf(Locale.ROOT, "  lazy replicator: %d state changes, wrong predictions %.2f%% (%d), deferred then "
                            + "sent %d, exposure %.3f%% of stable state-time, knowledge base %d tuples%n",
                    m.stateChanges(), 100 * m.wrongRate(), m.wrong(), m.deferredThenSent(), 100 * m.exposure(),
                    m.knowledgeBaseSize());
        }
        FtfwStats s = primary.channel().stats();
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
                .forEach(e -> out.println("  differs: " + ConntrackText.entry(e)));
        return held == primaryTable.size();
    }

    /**
     * The backup: receives, caches, commits on request (the external-cache mode, whose pre-commit and final commit
     * the demo shows); no table of its own to publish, no proactive path.
     */
    private static NodeSettings backupSettings(InetSocketAddress self, InetSocketAddress peer) {
        return new NodeSettings(NodeSettings.Link.of(FtfwConfig.of(self, peer)),
                new NodeSettings.Lazy(false, LazyConfig.defaults(), null, false, LAZY_TICK),
                NodeSettings.Filter.acceptAll(), ProactiveSettings.disabled(),
                NodeSettings.Backup.DEFAULT.withCommit(NodeSettings.Commit.ON_TAKEOVER));
    }

    /**
     * The primary: lazy (or not) from the shipped model, written to a model file as an operator would; every flow
     * replicated (the replayed table is another machine's, so this host's addresses mean nothing to it); the
     * predictor on the fake tree's sysfs sources with the default thresholds and policy.
     */
    private static NodeSettings primarySettings(Options o, InetSocketAddress self, InetSocketAddress peer,
                                                FakeSysfs tree, Path work) throws IOException {
        Path model = work.resolve("model.hfm");
        Files.write(model, DefaultModel.bytes());
        LazyConfig lazy = LazyConfig.defaults().withBarrier(o.barrier()).withMode(o.mode());
        ProactiveSettings proactive = new ProactiveSettings(true, tree.roots(), false, ROUND,
                PredictorConfig.defaults(), PolicyConfig.defaults(), ProactiveSettings.Migration.noHooks());
        return new NodeSettings(NodeSettings.Link.of(FtfwConfig.of(self, peer)),
                new NodeSettings.Lazy(o.lazy(), lazy, model, false, LAZY_TICK), NodeSettings.Filter.acceptAll(),
                proactive);
    }

    /**
     * The in-process handover: the backup node's {@code commit} command (what the commit hook's {@code hftfw commit}
     * asks over the control socket), then the demotion, which stops the primary's traffic and keeps its last table.
     */
    private static final class Handover implements StateMigrator.Handover {
        private final SyncNode backup;
        private final NodeCommands commands;
        private final DemoTraffic traffic;
        final CountDownLatch demoted = new CountDownLatch(1);
        final AtomicReference<SyncNode.CommitSummary> preCommit = new AtomicReference<>();
        final AtomicReference<List<ConntrackEntry>> primaryAtHandover = new AtomicReference<>();

        Handover(SyncNode backup, NodeCommands commands, DemoTraffic traffic) {
            this.backup = backup;
            this.commands = commands;
            this.traffic = traffic;
        }

        @Override
        public void commitOnBackup() {
            Reply r = commands.handle("commit");
            if (!r.ok()) {
                throw new IllegalStateException(r.text());
            }
            preCommit.set(backup.lastCommit());
        }

        @Override
        public void demoteSelf() {
            primaryAtHandover.set(traffic.die());
            demoted.countDown();
        }
    }

    /** Twelve corrected memory errors once the log's time reaches the fault time, one uncorrected a round later. */
    private final class FaultScript implements Runnable {
        private final FaultInjector injector;
        private final LogClock clock;
        private final long faultAt;
        private int step;

        FaultScript(FaultInjector injector, LogClock clock, long faultAt) {
            this.injector = injector;
            this.clock = clock;
            this.faultAt = faultAt;
        }

        @Override
        public void run() {
            if (step == 0 && clock.nanos() >= faultAt) {
                step = 1;
                say("fault: %s", injector.inject(FaultKind.EDAC_CE, 12, "mc0/dimm0"));
            } else if (step == 1) {
                step = 2;
                say("fault: %s", injector.inject(FaultKind.EDAC_UE, 1, "mc0/dimm0"));
            }
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
