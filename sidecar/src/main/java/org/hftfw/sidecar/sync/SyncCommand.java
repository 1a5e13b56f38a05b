package org.hftfw.sidecar.sync;

import org.hftfw.sidecar.logging.SafeText;
import org.hftfw.conntrack.lab.NetnsLab;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.common.InvalidConfigException;
import org.hftfw.common.Scheduler;
import org.hftfw.sidecar.systemd.SdNotify;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.hftfw.sidecar.config.JdkSignals;
import org.hftfw.sidecar.config.ReloadableConfig;
import org.hftfw.sync.SyncNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hftfw sync …}: the replication daemon (primary, backup, or both, like a conntrackd node in FTFW mode) and
 * the commands that talk to it over its control socket ({@code stats}, {@code flush}, {@code resync},
 * {@code bulk}); {@code hftfw commit} is {@link CommitCommand}.
 */
@Command(name = "sync", mixinStandardHelpOptions = true,
        description = "Replicate the conntrack table to a peer over conntrackd's FT-FW protocol (a stock conntrackd "
                + "can be the peer), and control the running daemon.",
        subcommands = {SyncCommand.Primary.class, SyncCommand.Backup.class, SyncCommand.Both.class,
            SyncCommand.Stats.class, SyncCommand.Flush.class, SyncCommand.Resync.class, SyncCommand.Bulk.class,
            SyncCommand.Bench.class, SyncCommand.EventBench.class, SyncCommand.BackupBench.class,
            SyncCommand.Soak.class})
public final class SyncCommand {
    private static final Logger LOG = LoggerFactory.getLogger(SyncCommand.class);


    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "FT-FW channel throughput on loopback (messages/s, bytes/message, messages/datagram) beside "
                    + "the codec alone in the same run.")
    static final class Bench implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Option(names = "--entries", defaultValue = "100000",
                description = "flows per round (default: ${DEFAULT-VALUE})")
        int entries;
        @picocli.CommandLine.Option(names = "--rounds", defaultValue = "3", description = "rounds (default: ${DEFAULT-VALUE})")
        int rounds;

        @Override
        public Integer call() throws Exception {
            org.hftfw.ftfw.SyncChannelBench.run(entries, rounds);
            return 0;
        }
    }

    @Command(name = "event-bench", mixinStandardHelpOptions = true,
            description = "A burst of new flows loaded into a namespace by batched ctnetlink writes (paced to each "
                    + "--rate, 0: as fast as they go) or by parallel conntrack -R: the loader's events/s, event "
                    + "socket overruns and resyncs, time until the backup holds every flow; hFT-FW's event path in "
                    + "the bench's JVM with a 16 MiB buffer growing to 64 MiB and with 64 MiB from the start, and the "
                    + "hftfw sync daemons as deployed (their JVM options, the configuration's defaults), beside a "
                    + "stock conntrackd pair on the same burst in the same run. Needs root.")
    static final class EventBench implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Option(names = "--flows", defaultValue = "200000",
                description = "flows loaded (default: ${DEFAULT-VALUE})")
        int flows;
        @picocli.CommandLine.Option(names = "--loaders", defaultValue = "4",
                description = "loader threads (netlink) or parallel conntrack -R processes (default: ${DEFAULT-VALUE})")
        int loaders;
        @picocli.CommandLine.Option(names = "--rate", split = ",", defaultValue = "120000,0",
                description = "target event rates of the netlink loader, one run each; 0: unpaced "
                        + "(default: ${DEFAULT-VALUE})")
        java.util.List<Long> rates;
        @picocli.CommandLine.Option(names = "--conntrack-tool",
                description = "load with parallel conntrack -R processes instead (the issue's loader; --rate ignored)")
        boolean conntrackTool;
        @picocli.CommandLine.Option(names = "--reader-nice", defaultValue = "-10",
                description = "nice value of hFT-FW's event reading thread (events.reader-nice), or inherit "
                        + "(default: ${DEFAULT-VALUE}, the daemon's)")
        String readerNice;
        @picocli.CommandLine.Option(names = "--jvm-options", paramLabel = "FILE|none",
                description = "the daemons' JVM options file (default: conf/daemon.jvm of this checkout, as "
                        + "deployed; none: JVM defaults)")
        String jvmOptions;
        @picocli.CommandLine.Option(names = "--daemons-only",
                description = "only the daemons' row, beside conntrackd's (no in-process rows)")
        boolean daemonsOnly;

        @Override
        public Integer call() throws Exception {
            java.util.OptionalInt nice = readerNice.equals("inherit") ? java.util.OptionalInt.empty()
                    : java.util.OptionalInt.of(Integer.parseInt(readerNice));
            org.hftfw.sync.EventBurstBench.run(flows, loaders, rates, conntrackTool, nice,
                    org.hftfw.sidecar.DaemonJvmOptions.resolve(jvmOptions), daemonsOnly);
            return 0;
        }
    }

    @Command(name = "backup-bench", mixinStandardHelpOptions = true,
            description = "The always-committed backup's cost: NEW, UPDATE and DESTROY of N flows over FT-FW on "
                    + "loopback into a kernel table in a namespace; states/s and CPU per message beside the external "
                    + "cache and conntrackd's one-request-per-state injection in the same run, the kernel's batched "
                    + "ceiling, and the takeover pass beside an external-cache commit. Needs root.")
    static final class BackupBench implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Option(names = "--flows", defaultValue = "50000",
                description = "flows (default: ${DEFAULT-VALUE})")
        int flows;

        @Override
        public Integer call() throws Exception {
            org.hftfw.sync.BackupCommitBench.run(flows);
            return 0;
        }
    }

    @Command(name = "soak", mixinStandardHelpOptions = true,
            description = "Fault soak: primary and backup daemons as processes in two namespaces, a bounded churn of "
                    + "flows in the primary's table, seeded random faults (kill -9 of either daemon, sync link loss "
                    + "bursts, churn while the primary is down, a backup restart during a bulk, forged datagrams from "
                    + "a non-peer); after each, the wait until the backup's conntrack -L equals the primary's. Exit "
                    + "status 1 when a flow is lost or stale at the end, or a forged datagram was not counted. Needs "
                    + "root.")
    static final class Soak implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Option(names = "--duration", defaultValue = "3m",
                description = "how long faults are injected, e.g. 90s, 3m, 2h (default: ${DEFAULT-VALUE})")
        String duration;
        @picocli.CommandLine.Option(names = "--flows", defaultValue = "2000",
                description = "flows kept in the primary's table (default: ${DEFAULT-VALUE})")
        int flows;
        @picocli.CommandLine.Option(names = "--seed", defaultValue = "1",
                description = "seed of the fault schedule (default: ${DEFAULT-VALUE})")
        long seed;

        @Override
        public Integer call() throws Exception {
            return org.hftfw.sync.SyncSoak.run(org.hftfw.common.Durations.parse("--duration", duration), flows, seed);
        }
    }

    static final String DEFAULT_CONFIG = "/etc/hftfw/hftfw.conf";
    /** How often the running daemon looks whether its config file changed (a stat on the timer thread). */
    static final java.time.Duration CONFIG_POLL = java.time.Duration.ofSeconds(1);

    /**
     * Loads and validates a config file (relative paths inside it are taken from its directory): hftfw.conf, or a
     * conntrackd.conf recognised by its syntax.
     */
    static ReloadableConfig<SyncSettings> load(Path file) {
        if (ConntrackdSettings.isConntrackdConf(file)) {
            return ConntrackdSettings.load(file, null);
        }
        Path base = file.toAbsolutePath().getParent();
        return ReloadableConfig.load(file, ReloadableConfig.Format.hocon(), SyncSettings.defaults(),
                SyncSettings.CHECKED_ELSEWHERE, c -> SyncSettings.from(c, base));
    }

    /**
     * The settings of {@code --conntrackd-conf FILE} when given (with {@code --config} as the file of hFT-FW's own
     * settings, if it was given or the default one exists), else of {@code --config}.
     */
    static ReloadableConfig<SyncSettings> load(Path config, Path conntrackdConf, boolean configGiven) {
        if (conntrackdConf == null) {
            return load(config);
        }
        return ConntrackdSettings.load(conntrackdConf, configGiven || java.nio.file.Files.exists(config) ? config : null);
    }

    /** Runs the daemon until SIGTERM/SIGINT (or {@code --run-for}). */
    abstract static class Daemon implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-C", "--config"}, paramLabel = "FILE", defaultValue = DEFAULT_CONFIG,
                description = "HOCON config file (default: ${DEFAULT-VALUE}); see conf/hftfw.conf. A conntrackd.conf "
                        + "is recognised by its syntax.")
        Path config;

        @Option(names = "--conntrackd-conf", paramLabel = "FILE",
                description = "read the sync link, filter, control socket and buffers from conntrackd's config file "
                        + "(e.g. /etc/conntrackd/conntrackd.conf); --config then holds hFT-FW's own settings only "
                        + "(docs/conntrackd.md)")
        Path conntrackdConf;

        @Option(names = "--netns", paramLabel = "NAME",
                description = "open the kernel table and the sync socket in network namespace NAME (labs, tests)")
        String netns;

        @Option(names = "--run-for", paramLabel = "SECONDS", defaultValue = "0",
                description = "stop after SECONDS (0: run until SIGTERM/SIGINT)")
        long runFor;

        abstract SyncNode.Role role();

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter err = spec.commandLine().getErr();
            Path ns = null;
            if (netns != null) {
                try {
                    ns = NetnsLab.existing(netns);
                } catch (java.nio.file.NoSuchFileException e) {
                    err.println("hftfw: " + e.getReason() + " (" + e.getFile() + ")");
                    return 1;
                }
            }
            ReloadableConfig<SyncSettings> rc;
            try {
                rc = load(config, conntrackdConf, spec.commandLine().getParseResult().hasMatchedOption("--config"));
            } catch (InvalidConfigException e) {
                err.println(SafeText.line("hftfw: " + e.getMessage()));     // it may quote a hostile value
                return 1;
            }
            SdNotify systemd = SdNotify.fromEnvironment();
            SystemdReload reloads = new SystemdReload(systemd, rc);
            SyncDaemon d;
            try {
                rc.reloadOnSighup(reloads);
                d = SyncDaemon.start(role(), rc, ns, System::nanoTime);
                rc.reloadOnChange(d.timers(), CONFIG_POLL);
            } catch (IOException | IllegalStateException | ConntrackException e) {
                rc.close();
                systemd.close();
                err.println("hftfw: cannot start the sync daemon: " + e.getMessage());
                return 1;
            }
            // where the no-JVM control client finds this daemon's socket (hftfw-client.c), under the file the socket
            // came from: with --conntrackd-conf that file, not --config, where the Java client would look elsewhere
            ControlSocketRegistry registry = ControlSocketRegistry.register(ControlSocketRecords.directory(),
                    d.control().path(), conntrackdConf != null ? conntrackdConf : config);
            // systemd (Type=notify): ready once the kernel table is open and the sync and control sockets are bound
            String running = "sync " + role().label() + " running, control socket " + d.control().path();
            reloads.running(running);
            systemd.ready(running);
            // on the shared timer thread, as every periodic task of the daemon (docs/daemon.md, "Footprint")
            Scheduler.Cancellable watchdog = systemd.feedWatchdog(d.timers(), d::eventLoopAnswers);
            // SIGTERM/SIGINT ask the main thread to stop: it closes everything and returns 0, as a service manager
            // expects of a clean stop (a JVM ended by the signal itself exits 143 with no word of what it did)
            CountDownLatch stop = d.stopRequested();
            String[] why = {"conntrackd -k on the control socket"};
            for (String sig : new String[] {"TERM", "INT"}) {
                JdkSignals.handle(sig, () -> {
                    why[0] = "SIG" + sig;
                    stop.countDown();
                });
            }
            err.printf("hftfw: sync %s running (control socket %s); stop with SIGTERM%n", role().label(),
                    d.control().path());
            err.flush();
            if (runFor > 0) {
                if (!stop.await(runFor, TimeUnit.SECONDS)) {
                    why[0] = "--run-for elapsed";
                }
            } else {
                stop.await();
            }
            LOG.info("stopping ({})", why[0]);
            systemd.stopping("stopping (" + why[0] + ")");
            watchdog.cancel();
            registry.close();
            d.close();
            rc.close();
            systemd.close();
            LOG.info("hftfw sync {} stopped cleanly", role().label());
            return 0;
        }
    }

    /**
     * A SIGHUP's reload as systemd sees it: RELOADING=1 on the signal, READY=1 once the file was read and applied or
     * refused (systemctl reload, and {@code Type=notify-reload} units, wait for that READY=1), the refusal in STATUS.
     */
    static final class SystemdReload implements ReloadableConfig.SighupObserver {
        private final SdNotify systemd;
        private final ReloadableConfig<?> config;
        private volatile String running = "starting";

        SystemdReload(SdNotify systemd, ReloadableConfig<?> config) {
            this.systemd = systemd;
            this.config = config;
        }

        void running(String status) {
            running = status;
        }

        @Override
        public void reloading() {
            systemd.reloading("reloading the configuration (SIGHUP)");
        }

        @Override
        public void reloaded() {
            String error = config.lastError();
            systemd.ready(running + (error == null ? "; configuration reloaded"
                    : "; reload refused, previous configuration kept: " + error));
        }
    }

    @Command(name = "primary", mixinStandardHelpOptions = true,
            description = "Replicate this node's conntrack table to the peer (and cache what the peer sends).")
    static final class Primary extends Daemon {
        @Override
        SyncNode.Role role() {
            return SyncNode.Role.PRIMARY;
        }
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = "Cache the peer's replicated states, to be committed with 'hftfw commit' on takeover.")
    static final class Backup extends Daemon {
        @Override
        SyncNode.Role role() {
            return SyncNode.Role.BACKUP;
        }
    }

    @Command(name = "both", mixinStandardHelpOptions = true,
            description = "Publish this node's table and cache the peer's, as a conntrackd node does.")
    static final class Both extends Daemon {
        @Override
        SyncNode.Role role() {
            return SyncNode.Role.BOTH;
        }
    }

    /** A command sent to the running daemon. */
    abstract static class Client implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-C", "--config"}, paramLabel = "FILE", defaultValue = DEFAULT_CONFIG,
                description = "the daemon's config file, to find its control socket (default: ${DEFAULT-VALUE})")
        Path config;

        @Option(names = "--conntrackd-conf", paramLabel = "FILE",
                description = "find the control socket in conntrackd's config file (its UNIX { Path })")
        Path conntrackdConf;

        @Option(names = "--socket", paramLabel = "PATH", description = "the control socket (overrides --config)")
        Path socket;

        abstract String command();

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            Path s = socket;
            if (s == null) {
                try (ReloadableConfig<SyncSettings> rc = load(config, conntrackdConf,
                        spec.commandLine().getParseResult().hasMatchedOption("--config"))) {
                    s = rc.get().control().socket();
                } catch (InvalidConfigException e) {
                    err.println(SafeText.line("hftfw: " + e.getMessage()));
                    return 1;
                }
            }
            return ControlClient.call(s, command(), spec.commandLine().getOut(), err);
        }
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "FT-FW, caches, lazy replicator and event source counters (like 'conntrackd -s').")
    static final class Stats extends Client {
        @Override
        String command() {
            return "stats";
        }
    }

    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = "Empty the external and internal caches (like 'conntrackd -f').")
    static final class Flush extends Client {
        @Override
        String command() {
            return "flush";
        }
    }

    @Command(name = "resync", mixinStandardHelpOptions = true,
            description = "Ask the peer to resend its whole table (like 'conntrackd -n').")
    static final class Resync extends Client {
        @Override
        String command() {
            return "resync";
        }
    }

    @Command(name = "bulk", mixinStandardHelpOptions = true,
            description = "Send the whole kernel table to the peer (like 'conntrackd -B').")
    static final class Bulk extends Client {
        @Override
        String command() {
            return "bulk";
        }
    }
}
