package org.hftfw.sidecar.sync;

import org.hftfw.common.Clock;
import org.hftfw.common.Scheduler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.hftfw.sync.CommittedBackup;
import org.hftfw.sync.ConntrackdControl;
import org.hftfw.sync.ExpectationSync;
import org.hftfw.conntrack.netlink.Ctnetlink;
import org.hftfw.conntrack.netlink.KernelConntrackTable;
import org.hftfw.conntrack.netlink.KernelExpectationTable;
import org.hftfw.sidecar.config.ReloadableConfig;
import org.hftfw.sidecar.logging.LogLevels;
import org.hftfw.sidecar.logging.SyslogOutput;
import org.hftfw.predictor.DeferredLog;
import org.hftfw.sidecar.metrics.MetricsServer;
import org.hftfw.sync.MetricsRegistry;
import org.hftfw.sync.Namespace;
import org.hftfw.sync.NodeCommands;
import org.hftfw.sync.NodeSettings;
import org.hftfw.sync.SyncNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication daemon's process ({@code hftfw sync primary|backup|both}): opens the kernel table (event buffer,
 * reliable destroy, {@code --netns}), runs a {@link SyncNode} over it, serves the node's commands on the control
 * socket and its metrics over HTTP, and hands reloaded settings to the node. With {@code --netns NAME} the kernel
 * table and the sync socket live in that network namespace (labs and tests); the control socket and the metrics
 * endpoint stay in the caller's.
 */
final class SyncDaemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncDaemon.class);

    private final ReloadableConfig<SyncSettings> config;
    private final SyncSettings started;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final MetricsRegistry metrics = new MetricsRegistry();
    private final LogLevels logLevels = new LogLevels();
    private final SyslogOutput syslog = new SyslogOutput();
    private volatile SyncNode node;
    private ControlServer control;
    private ConntrackdControl conntrackd;
    private final CountDownLatch stop = new CountDownLatch(1);
    private MetricsServer metricsServer;
    private Scheduler.Daemon timers;

    private SyncDaemon(ReloadableConfig<SyncSettings> config) {
        this.config = config;
        this.started = config.get();
    }

    /**
     * Starts the daemon. On failure everything already opened is closed again and the exception says what failed.
     *
     * @param netns network namespace file (e.g. /var/run/netns/NAME) for the kernel table and the sync socket, or
     *              null for the caller's namespace
     */
    static SyncDaemon start(SyncNode.Role role, ReloadableConfig<SyncSettings> config, Path netns, Clock clock)
            throws IOException, InterruptedException {
        SyncDaemon d = new SyncDaemon(config);
        try {
            d.open(role, netns, clock);
        } catch (IOException | InterruptedException | RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void open(SyncNode.Role role, Path netns, Clock clock) throws IOException, InterruptedException {
        SyncSettings s = started;
        Ctnetlink.Options o = Ctnetlink.Options.defaults().withEventBufferBytes(s.events().bufferBytes())
                .withEventBufferMaxBytes(s.events().bufferMaxBytes())
                .withReliableDestroy(s.events().reliableDestroy())
                .withClock(clock);
        // the running daemon's lock first: a second one started with its config must not touch its files (the
        // resync file's 1 would lower the live node's keepalived priority) nor talk to its peer
        ControlServer.refuseIfTaken(s.control().socket());
        // before anything else, and so before the control socket listens (keepalived's daemon check): a returning
        // node must not look ready with the 0 an earlier run left in the file
        ResyncTrackFile resync = s.control().resyncFile() == null ? null
                : ResyncTrackFile.waiting(s.control().resyncFile());
        if (s.events().readerNice().isPresent()) {
            o = o.withEventThreadNice(s.events().readerNice().getAsInt());
        }
        KernelConntrackTable table = Ctnetlink.open(netns == null ? o : o.withNetns(netns));
        resources.add(table);
        // one timer thread for the lazy replicator's sweeps, the predictor's sampling rounds and the decision path's
        // deferred log lines (all short, periodic) instead of one thread each: the daemon's thread budget (docs/daemon.md, "Footprint")
        timers = Scheduler.daemon("hftfw-timers");
        resources.add(timers);
        DeferredLog.shared().drainOn(timers);
        NativeHeapTrim.every(timers);
        HeapWatch.every(timers);
        // no full collection while the always-committed backup's writer trails a bulk (it would stop the writer)
        HeapShrink.every(timers, this::writerTrails);
        SyncNode.Builder nb = SyncNode.builder(role, s.node(), table).clock(clock).scheduler(timers)
                .namespace(namespace(netns));
        if (role.keepsPeerStates() && s.node().backup().commit() == NodeSettings.Commit.ALWAYS) {
            // the backup's writes on a socket of their own: its port id marks their events, and no dump delays them
            KernelConntrackTable writer = Ctnetlink.open(netns == null ? o : o.withNetns(netns));
            resources.add(writer);
            nb.backupWriter(writer);
        }
        if (role.keepsPeerStates() || s.expectations().enabled()) {
            // the peer's expectations are applied whatever sync.expectation-sync says, as conntrackd does
            KernelExpectationTable exps = KernelExpectationTable.open(netns == null ? o : o.withNetns(netns));
            resources.add(exps);
            nb.expectations(exps, role.publishes() ? s.expectations() : ExpectationSync.OFF);
        }
        node = nb.start();
        resources.add(node);
        if (resync != null) {
            var _ = node.peerTableHeld().thenRun(resync::held);
        }
        if (role.publishes()) {
            warnUnlessEveryFlowReportsEvents(namespace(netns));
        }

        NodeCommands commands = new NodeCommands(node, this::configStats);
        Scheduler.Daemon purgeTimer = Scheduler.daemon("hftfw-purge");
        resources.add(purgeTimer);
        String device = s.node().link().iface().isEmpty() ? "any" : s.node().link().iface();
        conntrackd = new ConntrackdControl(node, s.control().purgeTimeout(), purgeTimer, stop::countDown,
                new ConntrackdControl.DaemonFacts(s.events().bufferBytes(), device,
                        () -> commands.handle("stats").text()));
        resources.add(conntrackd);
        control = ControlServer.start(s.control().socket(), commands::handle, conntrackd);
        resources.add(control);
        conntrackd.registerMetrics(metrics);
        control.registerMetrics(metrics);
        node.registerMetrics(metrics);
        metrics.gauges("hftfw_build_info", "1, labelled with the running version", "version",
                () -> java.util.Map.of(org.hftfw.sidecar.Version.number(), 1));
        metrics.counter("hftfw_config_reloads_total", "configuration reloads applied", config::reloads);
        metrics.counter("hftfw_config_rejected_total", "configuration reloads rejected", config::rejected);
        if (s.metrics().enabled()) {
            // on the FT-FW loop, rendered on the timer thread: no thread of its own (docs/daemon.md, "Footprint")
            Scheduler render = timers;
            metricsServer = MetricsServer.start(s.metrics().address(), metrics, node.channel().eventLoop(),
                    task -> render.schedule(task, 0));
            resources.add(metricsServer);
            LOG.info("metrics on http://{}:{}/metrics", metricsServer.address().getAddress().getHostAddress(),
                    metricsServer.address().getPort());
        }
        logLevels.apply(s.log().level(), s.log().components());
        syslog.apply(s.log().syslog(), s.log().facility());
        config.onChange(this::applyReload);
    }

    /**
     * The kernel reports a flow's changes only if events were enabled for it when it was created: with
     * nf_conntrack_events = 2 (the default on recent kernels) only while some listener exists. Flows created before
     * this daemon started, or while it was down, would then never report their updates or deletes, and the peer
     * would keep them until their timeout (the soak found 382 such stale flows after one restart at 2 000 flows).
     */
    private static void warnUnlessEveryFlowReportsEvents(Namespace ns) {
        String value;
        try {
            // readAllLines: readString trusts the size /proc reports and returned a truncated value
            value = ns.call(() -> java.nio.file.Files.readAllLines(EVENTS_SYSCTL).getFirst().strip());
        } catch (Exception e) {
            LOG.debug("cannot read {}: {}", EVENTS_SYSCTL, e.toString());
            return;
        }
        if (!"1".equals(value)) {
            LOG.warn("net.netfilter.nf_conntrack_events = {}: flows created while no event listener runs (before this "
                    + "daemon started, or while it is down) never report their changes or deletes, so the peer keeps "
                    + "them until they time out; set it to 1 (sysctl -w net.netfilter.nf_conntrack_events=1, and in "
                    + "/etc/sysctl.d)", value);
        }
    }

    private static final Path EVENTS_SYSCTL = Path.of("/proc/sys/net/netfilter/nf_conntrack_events");

    /** The node's sockets in {@code netns} (entered on a short-lived thread), or in the caller's namespace. */
    private static Namespace namespace(Path netns) {
        if (netns == null) {
            return Namespace.current();
        }
        return new Namespace() {
            @Override
            public <T> T call(Callable<T> action) {
                return Ctnetlink.callInNetns(netns, action);
            }
        };
    }

    /** The node takes the lazy replicator's settings at once; the process's own sections need a restart. */
    void applyReload(SyncSettings next) {
        if (!next.events().equals(started.events()) || !next.control().equals(started.control())
                || !next.metrics().equals(started.metrics())) {
            LOG.warn("configuration reloaded: changes to events, control or metrics take effect at the next restart");
        }
        logLevels.apply(next.log().level(), next.log().components());
        syslog.apply(next.log().syslog(), next.log().facility());
        node.reload(next.node());
    }

    /** The process's line of {@code hftfw sync stats}. */
    private String configStats() {
        return String.format(Locale.ROOT, "config: %d reloads, %d rejected%s%n", config.reloads(), config.rejected(),
                config.lastError() == null ? "" : " (last: " + config.lastError() + ")");
    }

    /**
     * The daemon's one timer thread: the lazy replicator's sweeps, the predictor's rounds, the config file's poll,
     * the systemd watchdog.
     */
    Scheduler timers() {
        return timers;
    }

    /** More received states wait for the always-committed backup's kernel writer than one batch of its writes. */
    private boolean writerTrails() {
        SyncNode n = node;
        return n != null && n.committedBackup().map(CommittedBackup::trails).orElse(false);
    }

    SyncNode node() {
        return node;
    }

    /**
     * True when the FT-FW event loop answers a stats request (within 5 s): the systemd watchdog is fed only then, so
     * a hung loop gets the daemon restarted.
     */
    boolean eventLoopAnswers() {
        try {
            node.channel().stats();
            return true;
        } catch (IllegalStateException e) {
            LOG.warn("watchdog: the FT-FW event loop does not answer ({}): not telling systemd we are alive",
                    e.getMessage());
            return false;
        }
    }

    ReloadableConfig<SyncSettings> config() {
        return config;
    }

    /** Counted down when the daemon is asked to stop through its control socket ({@code conntrackd -k}). */
    CountDownLatch stopRequested() {
        return stop;
    }

    ConntrackdControl conntrackd() {
        return conntrackd;
    }

    ControlServer control() {
        return control;
    }

    MetricsRegistry metrics() {
        return metrics;
    }

    /** The metrics endpoint's bound address, or null when it is off. */
    InetSocketAddress metricsAddress() {
        return metricsServer == null ? null : metricsServer.address();
    }

    @Override
    public void close() {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("closing {}: {}", resources.get(i).getClass().getSimpleName(), e.getMessage());
            }
        }
        resources.clear();
    }
}
