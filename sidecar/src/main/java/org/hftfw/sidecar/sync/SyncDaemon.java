package org.hftfw.sidecar.sync;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.netlink.Ctnetlink;
import org.hftfw.conntrack.netlink.KernelConntrackTable;
import org.hftfw.ftfw.FtfwChannel;
import org.hftfw.ftfw.FtfwConfig;
import org.hftfw.common.InvalidConfigException;
import org.hftfw.lazy.LazyReplicator;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.ModelFile;
import org.hftfw.migrator.CommandHandover;
import org.hftfw.migrator.StateMigrator;
import org.hftfw.predictor.Scheduler;
import org.hftfw.sidecar.config.ReloadableConfig;
import org.hftfw.sidecar.metrics.MetricsRegistry;
import org.hftfw.sidecar.metrics.MetricsServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication daemon ({@code hftfw sync primary|backup|both}): the wiring of kernel table, FT-FW channel, lazy
 * replicator, control socket, metrics endpoint and configuration reload.
 *
 * <p>Design note. It plays conntrackd's role in FTFW mode (conntrack-tools src/run.c, src/sync-mode.c,
 * src/sync-ftfw.c). A primary subscribes to the kernel's conntrack events (big buffer, as {@code NetlinkBufferSize})
 * and replicates them through the {@link Publisher}; it answers the peer's RESYNC and {@code bulk} by dumping the
 * kernel table (filtered). A backup keeps the peer's states in the channel's external cache and commits them to its
 * kernel table on request ({@code hftfw commit}, conntrackd {@code -c}). {@code both} does each, as a conntrackd
 * node does: it publishes its own table and caches the peer's. With {@code --netns NAME} the kernel table and the
 * sync socket live in that network namespace (labs and tests); the control socket and the metrics endpoint stay in
 * the caller's.
 */
final class SyncDaemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncDaemon.class);

    /** What the daemon does. */
    enum Role {
        PRIMARY, BACKUP, BOTH;

        boolean publishes() {
            return this != BACKUP;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Role role;
    private final ReloadableConfig<SyncSettings> config;
    private final SyncSettings started;
    private final Path netns;
    private final LongSupplier clock;
    private final long startNanos;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private KernelConntrackTable table;
    private FtfwChannel channel;
    private FtfwConfig ftfwConfig;
    private Publisher publisher;
    private ConntrackTable.EventSubscription subscription;
    private ScheduledExecutorService timer;
    private ProactivePath proactive;
    private ControlServer control;
    private MetricsServer metricsServer;
    private final MetricsRegistry metrics = new MetricsRegistry();
    private volatile String modelStatus = "none";
    private volatile CommitSummary lastCommit;
    private SyncSettings.Lazy appliedLazy;

    /** The outcome of the last commit, for {@code sync stats}. */
    record CommitSummary(ConntrackTable.BatchResult result, long millis) {}

    private SyncDaemon(Role role, ReloadableConfig<SyncSettings> config, Path netns, LongSupplier clock) {
        this.role = role;
        this.config = config;
        this.started = config.get();
        this.netns = netns;
        this.clock = clock;
        this.startNanos = clock.getAsLong();
    }

    /**
     * Starts the daemon. On failure everything already opened is closed again and the exception says what failed.
     *
     * @param netns network namespace file (e.g. /var/run/netns/NAME) for the kernel table and the sync socket, or
     *              null for the caller's namespace
     */
    static SyncDaemon start(Role role, ReloadableConfig<SyncSettings> config, Path netns, LongSupplier clock)
            throws IOException, InterruptedException {
        SyncDaemon d = new SyncDaemon(role, config, netns, clock);
        try {
            d.open();
        } catch (IOException | InterruptedException | RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    private void open() throws IOException, InterruptedException {
        SyncSettings s = started;
        Ctnetlink.Options o = Ctnetlink.Options.defaults().withEventBufferBytes(s.events().bufferBytes())
                .withReliableDestroy(s.events().reliableDestroy())
                .withClocks(clock, Ctnetlink.Options.defaults().epochMicros());
        table = Ctnetlink.open(netns == null ? o : o.withNetns(netns));
        resources.add(table);

        int mtu = s.link().mtu() > 0 ? s.link().mtu() : inNetns(() -> interfaceMtu(s.link().iface()));
        ftfwConfig = s.link().ftfw(mtu);
        FlowFilter filter = new FlowFilter(ignoreList(s), s.filter().protocols());
        publisher = new Publisher(filter, (type, entry) -> channel.publish(type, entry), clock);
        FtfwChannel.Builder b = FtfwChannel.builder(ftfwConfig);
        if (role.publishes()) {
            b.resyncSource(() -> publisher.bulkSnapshot(table.list()));
        } else {
            b.resyncSource(List::of);
        }
        channel = inNetns(b::start);
        resources.add(channel);

        if (role.publishes()) {
            if (s.lazy().enabled()) {
                publisher.useLazy(newLazy(s.lazy()));
            }
            timer = Executors.newSingleThreadScheduledExecutor(
                    r -> Thread.ofPlatform().daemon(true).name("hftfw-lazy-tick").unstarted(r));
            long tick = s.lazy().tick().toNanos();
            timer.scheduleAtFixedRate(this::tickSafely, tick, tick, TimeUnit.NANOSECONDS);
            subscription = table.subscribe(publisher);
        }
        if (s.proactive().enabled()) {
            if (role.publishes()) {
                startProactive(s.proactive());
            } else {
                LOG.warn("predictor.enabled is ignored on a backup: it has no table to migrate (run as primary or "
                        + "both)");
            }
        }

        control = ControlServer.start(s.control().socket(), this::handle);
        resources.add(control);
        SyncMetrics.register(metrics, this);
        if (s.metrics().enabled()) {
            metricsServer = MetricsServer.start(s.metrics().address(), metrics);
            resources.add(metricsServer);
            LOG.info("metrics on http://{}:{}/metrics", metricsServer.address().getAddress().getHostAddress(),
                    metricsServer.address().getPort());
        }
        appliedLazy = s.lazy();
        config.onChange(this::applyReload);
        LOG.info("hftfw sync {} running: FT-FW {} -> {} (mtu {}), lazy {}, filter ignores {}, protocols {}",
                role.label(), ftfwConfig.bind(), ftfwConfig.peer(), mtu,
                StatsReport.describe(role.publishes() && s.lazy().enabled() ? s.lazy().config() : null),
                filter.ignoreList(), s.filter().protocols().isEmpty() ? "all"
                        : s.filter().protocols().stream().map(org.hftfw.conntrack.IpProto::name).sorted().toList());
    }

    /** The proactive path over this daemon's kernel table (filtered, as a bulk send) and FT-FW channel. */
    private void startProactive(ProactiveSettings p) {
        ProactiveSettings.Migration m = p.migration();
        proactive = new ProactivePath(p, () -> new ArrayList<>(publisher.bulkSnapshot(table.list())),
                new org.hftfw.migrator.FtfwBulkLink(channel), new CommandHandover(m.commitCommand(), m.demoteCommand(),
                        m.commandTimeout()), publisher::replicateAll, clock, StateMigrator.Pause.sleeping())
                .quiesce(new StateMigrator.Quiesce() {
                    // deliver what the kernel already queued, then hold the event thread and the publisher (deferred
                    // sends, bulk commands) still while the migrator dumps and queues the table
                    @Override
                    public <T> T whileQuiet(java.util.concurrent.Callable<T> step) throws Exception {
                        return subscription.whileQuiet(() -> publisher.quiesce().whileQuiet(step));
                    }
                });
        resources.add(proactive);
        proactive.start(Scheduler.daemon("hftfw-predictor"));
    }

    private void tickSafely() {
        try {
            publisher.tick();
        } catch (RuntimeException e) {
            LOG.warn("lazy replicator tick failed", e);
        }
    }

    private <T> T inNetns(Callable<T> action) throws InterruptedException {
        if (netns == null) {
            try {
                return action.call();
            } catch (InterruptedException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        return Ctnetlink.callInNetns(netns, action);
    }

    private static int interfaceMtu(String iface) throws SocketException {
        NetworkInterface ni = NetworkInterface.getByName(iface);
        if (ni == null) {
            throw new IllegalStateException("sync.interface '" + iface + "' does not exist (needed for sync.mtu = auto)");
        }
        return ni.getMTU();
    }

    /** The address filter: the configured ranges, the sync link's addresses, the firewall's own addresses. */
    private List<Cidr> ignoreList(SyncSettings s) throws InterruptedException {
        List<Cidr> ignore = new ArrayList<>(s.filter().ignore());
        if (s.filter().ignoreSyncAddresses()) {
            ignore.add(Cidr.host(s.link().local().getAddress()));
            ignore.add(Cidr.host(s.link().peer().getAddress()));
        }
        if (s.filter().ignoreLocalAddresses()) {
            for (InetAddress a : inNetns(SyncDaemon::localAddresses)) {
                Cidr c = Cidr.host(a);
                if (!ignore.contains(c)) {
                    ignore.add(c);
                }
            }
        }
        return List.copyOf(ignore);
    }

    /**
     * Every address of the calling thread's network namespace. IPv4 comes from the JDK (an ioctl on a socket opened
     * here); IPv6 is read from /proc/thread-self/net/if_inet6, because the JDK reads /proc/net/if_inet6, which
     * shows the process's namespace, not the thread's.
     */
    private static List<InetAddress> localAddresses() throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof java.net.Inet4Address) {
                    out.add(a);
                }
            }
        }
        Path v6 = Path.of("/proc/thread-self/net/if_inet6");
        if (Files.isReadable(v6)) {
            for (String line : Files.readAllLines(v6)) {
                String hex = line.trim().split("\\s+")[0];
                if (hex.length() == 32) {
                    byte[] b = java.util.HexFormat.of().parseHex(hex);
                    InetAddress a = InetAddress.getByAddress(b);
                    if (!a.isLinkLocalAddress()) {
                        out.add(a);
                    }
                }
            }
        }
        return out;
    }

    private LazyReplicator newLazy(SyncSettings.Lazy l) {
        return new LazyReplicator(l.config(), publisher.lazySink(), clock, loadModel(l.modelFile()));
    }

    /** The model to start from; a missing or bad file is logged and the replicator starts empty (replicates all). */
    private LearnedModel loadModel(Path file) {
        if (file == null) {
            modelStatus = "none";
            return LearnedModel.empty();
        }
        try {
            LearnedModel m = ModelFile.load(file);
            modelStatus = "loaded " + file + " (" + m.keyCount() + " tuples)";
            LOG.info("lazy replicator model: {}", modelStatus);
            return m;
        } catch (NoSuchFileException e) {
            modelStatus = "missing " + file + " (starting empty)";
            LOG.warn("lazy.model-file {} does not exist: starting with no knowledge (every change is replicated "
                    + "until the replicator has learned)", file);
        } catch (IOException | RuntimeException e) {
            modelStatus = "rejected " + file + ": " + e.getMessage();
            LOG.error("lazy.model-file {} is not usable ({}): starting with no knowledge, every change is "
                    + "replicated until the replicator has learned", file, e.getMessage());
        }
        return LearnedModel.empty();
    }

    /** Applies a reloaded configuration: the lazy replicator's settings take effect now; the rest needs a restart. */
    synchronized void applyReload(SyncSettings next) {
        SyncSettings.Lazy now = appliedLazy;
        if (!next.link().equals(started.link()) || !next.events().equals(started.events())
                || !next.filter().equals(started.filter()) || !next.control().equals(started.control())
                || !next.metrics().equals(started.metrics()) || !next.proactive().equals(started.proactive())) {
            LOG.warn("configuration reloaded: changes outside 'lazy' (sync link, events, filter, control, metrics, "
                    + "predictor, policy, migration) take effect at the next restart");
        }
        if (!role.publishes()) {
            return;
        }
        SyncSettings.Lazy l = next.lazy();
        appliedLazy = l;
        boolean active = publisher.stats().lazyActive();
        if (!l.enabled()) {
            if (active) {
                publisher.useLazy(null);
                LOG.info("lazy replication disabled by reload: every change is replicated");
            }
            return;
        }
        if (!active || !Objects.equals(l.modelFile(), now.modelFile())) {
            publisher.useLazy(newLazy(l));
            LOG.info("lazy replication (re)started by reload: {}", StatsReport.describe(l.config()));
            return;
        }
        try {
            publisher.reconfigureLazy(l.config());
        } catch (InvalidConfigException e) {
            appliedLazy = now;
            LOG.error("lazy configuration refused, keeping the previous one: {}", e.getMessage());
        }
    }

    /** Serves one control-socket command. */
    ControlProtocol.Reply handle(String request) {
        String[] words = request.trim().split("\\s+", 3);
        String first = words[0].toLowerCase(Locale.ROOT);
        if (first.equals("policy") || first.equals("migrate")) {
            return proactiveCommand(words);
        }
        String cmd = request.trim().toLowerCase(Locale.ROOT);
        return switch (cmd) {
            case "commit" -> commit();
            case "stats" -> ControlProtocol.Reply.ok(StatsReport.format(this));
            case "flush" -> {
                int n = channel.externalCache().size();
                channel.externalCache().flush();
                int held = publisher.stats().backupHolds();
                publisher.flush();
                yield ControlProtocol.Reply.ok("flushed the external cache (" + n + " flows) and the internal cache ("
                        + held + " flows)");
            }
            case "resync" -> {
                channel.requestResync();
                yield ControlProtocol.Reply.ok("asked the peer " + ftfwConfig.peer() + " to resend its table");
            }
            case "bulk" -> {
                if (!role.publishes()) {
                    yield ControlProtocol.Reply.error("a backup has no table to bulk-send (run as primary or both)");
                }
                channel.sendBulk();
                yield ControlProtocol.Reply.ok("bulk send of the kernel table to " + ftfwConfig.peer() + " started");
            }
            default -> ControlProtocol.Reply.error("unknown command '" + request + "' (commit, stats, flush, resync, "
                    + "bulk, policy status, policy manual COMMAND [WHY], migrate now [WHY])");
        };
    }

    /** {@code policy status}, {@code policy manual COMMAND [WHY]}, {@code migrate now [WHY]}. */
    private ControlProtocol.Reply proactiveCommand(String[] words) {
        if (proactive == null) {
            return ControlProtocol.Reply.error("the proactive path is not running here (it needs predictor.enabled = "
                    + "true and the role primary or both; this daemon is " + role.label()
                    + (started.proactive().enabled() ? "" : ", predictor.enabled = false") + ")");
        }
        String sub = words.length > 1 ? words[1].toLowerCase(Locale.ROOT) : "";
        String rest = words.length > 2 ? words[2] : "";
        if (words[0].equalsIgnoreCase("policy") && sub.equals("status")) {
            return ControlProtocol.Reply.ok(PolicyStatusReport.format(proactive));
        }
        String command;
        String why;
        if (words[0].equalsIgnoreCase("migrate") && sub.equals("now")) {
            command = "migrate-now";
            why = rest;
        } else if (words[0].equalsIgnoreCase("policy") && sub.equals("manual") && !rest.isBlank()) {
            String[] cw = rest.split("\\s+", 2);
            command = cw[0];
            why = cw.length > 1 ? cw[1] : "";
        } else {
            return ControlProtocol.Reply.error("unknown command '" + String.join(" ", words)
                    + "' (policy status, policy manual COMMAND [WHY], migrate now [WHY])");
        }
        try {
            org.hftfw.policy.Decision d = proactive.manual(command, why);
            boolean dry = started.proactive().policy().dryRun() && d.action() != org.hftfw.policy.Action.NONE;
            return ControlProtocol.Reply.ok(d + (dry ? "\n(dry-run: nothing was done)" : "") + "\n");
        } catch (IllegalStateException e) {
            return ControlProtocol.Reply.error(e.getMessage());
        }
    }

    private ControlProtocol.Reply commit() {
        long t0 = clock.getAsLong();
        ConntrackTable.BatchResult r = channel.externalCache().commit(table);
        long ms = (clock.getAsLong() - t0) / 1_000_000;
        lastCommit = new CommitSummary(r, ms);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "committed %d flows from the external cache in %d ms: %d created, "
                + "%d updated, %d failed", r.requested(), ms, r.created(), r.updated(), r.failed()));
        for (String e : r.firstErrors()) {
            sb.append("\n  ").append(e);
        }
        LOG.info("{}", sb);
        return r.allSucceeded() ? ControlProtocol.Reply.ok(sb.toString()) : ControlProtocol.Reply.error(sb.toString());
    }

    Role role() {
        return role;
    }

    SyncSettings settings() {
        return config.get();
    }

    ReloadableConfig<SyncSettings> config() {
        return config;
    }

    FtfwConfig ftfwConfig() {
        return ftfwConfig;
    }

    FtfwChannel channel() {
        return channel;
    }

    KernelConntrackTable table() {
        return table;
    }

    Publisher publisher() {
        return publisher;
    }

    ControlServer control() {
        return control;
    }

    /** The proactive path, or null when it does not run here. */
    ProactivePath proactive() {
        return proactive;
    }

    MetricsRegistry metrics() {
        return metrics;
    }

    /** The metrics endpoint's bound address, or null when it is off. */
    java.net.InetSocketAddress metricsAddress() {
        return metricsServer == null ? null : metricsServer.address();
    }

    String modelStatus() {
        return modelStatus;
    }

    CommitSummary lastCommit() {
        return lastCommit;
    }

    Duration uptime() {
        return Duration.ofNanos(clock.getAsLong() - startNanos);
    }

    @Override
    public void close() {
        if (subscription != null) {
            subscription.close();
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        SyncSettings.Lazy l = config.get().lazy();
        if (publisher != null && l.saveOnExit() && l.modelFile() != null) {
            LearnedModel m = publisher.lazySnapshot();
            if (m != null) {
                try {
                    ModelFile.save(m, l.modelFile());
                    LOG.info("saved the lazy replicator's knowledge ({} tuples) to {}", m.keyCount(), l.modelFile());
                } catch (IOException | RuntimeException e) {
                    LOG.error("cannot save lazy.model-file {}: {}", l.modelFile(), e.getMessage());
                }
            }
        }
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
