package org.hftfw.sync;

import org.hftfw.common.Clock;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.compact.FlowStore;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.ExpectationTable;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.IpProto;
import org.hftfw.ftfw.BulkListener;
import org.hftfw.ftfw.ExpectationCache;
import org.hftfw.ftfw.FtfwChannel;
import org.hftfw.ftfw.FtfwConfig;
import org.hftfw.migrator.CommandHandover;
import org.hftfw.migrator.FtfwBulkLink;
import org.hftfw.migrator.SocketCommitHandover;
import org.hftfw.migrator.StateMigrator;
import org.hftfw.common.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of a firewall cluster's sync: a conntrack table, an FT-FW channel to the peer, the {@link Publisher} with
 * its internal cache between them, and (on a primary) the {@link ProactivePath}. The same node runs on the kernel's
 * table ({@code hftfw sync}) and on an in-memory table ({@code hftfw demo}, tests): the caller opens the table, this
 * class wires the rest and owns it until {@link #close()}.
 *
 * <p>Design note. It plays conntrackd's role in FTFW mode (conntrack-tools src/run.c, src/sync-mode.c,
 * src/sync-ftfw.c). A primary subscribes to the table's events and replicates them through the publisher; it answers
 * the peer's RESYNC and {@code bulk} with a filtered dump of the table. A backup keeps the peer's states in the
 * channel's external cache and commits them to its table on request ({@code commit}, conntrackd {@code -c}).
 * {@code both} does each, as a conntrackd node does. The sync socket, the MTU lookup and the local-address discovery
 * run in the caller's {@link Namespace}. Two clocks: the node's (the proactive path, commit timing, uptime) and the
 * time base of the table's events (the publisher and the lazy replicator compare against event stamps); they are the
 * same clock except when a replay stamps events with recorded time.
 */
public final class SyncNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncNode.class);

    /** What the node does. */
    public enum Role {
        PRIMARY, BACKUP, BOTH;

        /** True when the node replicates its own table. */
        public boolean publishes() {
            return this != BACKUP;
        }

        /** True when the node keeps the peer's states (its external cache), to commit at a takeover. */
        public boolean keepsPeerStates() {
            return this != PRIMARY;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What a commit of the external cache did (the last one is kept for {@code stats}): its flows, and the peer's expectations after them ({@code null} when
     * there were none to commit).
     */
    public record CommitSummary(ConntrackTable.BatchResult result, long millis,
            ExpectationCache.CommitResult expectations) {

        /** Whether every flow and every expectation was written. */
        public boolean allSucceeded() {
            return result.allSucceeded() && (expectations == null || expectations.failed() == 0);
        }
    }

    /** What {@link #flushExternalCache} emptied: how many flows, and whether they also left the kernel table. */
    public record Flush(int flows, boolean deletedFromKernel) {}

    private final Role role;
    private final NodeSettings settings;
    private final ConntrackTable table;
    private final Clock clock;
    private final Clock eventClock;
    private final Namespace namespace;
    private final Scheduler scheduler;
    private final StateMigrator.Handover handover;
    private final Consumer<ProactivePath.Round> rounds;
    private final ConntrackTable backupWriter;
    private final long startNanos;
    private final ModelStore models = new ModelStore();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private FtfwConfig ftfwConfig;
    private FtfwChannel channel;
    private Publisher publisher;
    private ConntrackTable.EventSubscription subscription;
    private Scheduler.Cancellable lazyTicks;
    private ProactivePath proactive;
    private Reload reload;
    private volatile CommitSummary lastCommit;
    private CommittedBackup committed;
    private volatile EchoFilter echo;
    private volatile CommittedBackup.Takeover lastTakeover;
    private final ExpectationTable expectations;
    private final ExpectationSync expectationSync;
    private ExpectationWriter expectationWriter;
    private volatile ExpectationCache.CommitResult lastExpectationCommit;
    /** Completes once this node holds the peer's table after its start (see {@link #peerTableHeld}). */
    private final CompletableFuture<Void> peerTable = new CompletableFuture<>();
    private volatile long peerTableNanos = -1;
    /**
     * Open once the node knows which flows of its table are the peer's (echo filter, adoption): a bulk send asked for
     * before (the peer's RESYNC can arrive as soon as the channel runs) waits for it, or it would carry them as ours.
     */
    private final java.util.concurrent.CountDownLatch ownFlowsKnown = new java.util.concurrent.CountDownLatch(1);

    private SyncNode(Builder b) {
        this.role = b.role;
        this.settings = b.settings;
        this.table = b.table;
        this.clock = b.clock;
        this.eventClock = b.eventClock != null ? b.eventClock : b.clock;
        this.namespace = b.namespace;
        this.scheduler = b.scheduler;
        this.handover = b.handover;
        this.rounds = b.rounds;
        this.backupWriter = b.backupWriter != null ? b.backupWriter : b.table;
        this.expectations = b.expectations;
        this.expectationSync = b.expectationSync;
        this.startNanos = clock.nanos();
    }

    /** A node of {@code role} over {@code table}, which the caller opened and closes after the node. */
    public static Builder builder(Role role, NodeSettings settings, ConntrackTable table) {
        return new Builder(role, settings, table);
    }

    /** How to start a node; everything but the role, the settings and the table has a default. */
    public static final class Builder {
        private final Role role;
        private final NodeSettings settings;
        private final ConntrackTable table;
        private Clock clock = Clock.system();
        private Clock eventClock;
        private Namespace namespace = Namespace.current();
        private Scheduler scheduler;
        private StateMigrator.Handover handover;
        private Consumer<ProactivePath.Round> rounds = r -> { };
        private ConntrackTable backupWriter;
        private ExpectationTable expectations;
        private ExpectationSync expectationSync = ExpectationSync.OFF;

        private Builder(Role role, NodeSettings settings, ConntrackTable table) {
            this.role = Objects.requireNonNull(role);
            this.settings = Objects.requireNonNull(settings);
            this.table = Objects.requireNonNull(table);
        }

        /** The node's clock (default {@link Clock#system()}). */
        public Builder clock(Clock c) {
            clock = Objects.requireNonNull(c);
            return this;
        }

        /** The time base of the table's event stamps, when it is not the node's clock (a replay on recorded time). */
        public Builder eventClock(Clock c) {
            eventClock = Objects.requireNonNull(c);
            return this;
        }

        /** Where the sync socket lives and the MTU and local addresses are read (default: the caller's namespace). */
        public Builder namespace(Namespace ns) {
            namespace = Objects.requireNonNull(ns);
            return this;
        }

        /** Runs the lazy replicator's sweeps and the predictor's rounds (default: a daemon thread for each). */
        public Builder scheduler(Scheduler s) {
            scheduler = Objects.requireNonNull(s);
            return this;
        }

        /** Commits on the backup and demotes this node (default: the configured migration hook commands). */
        public Builder handover(StateMigrator.Handover h) {
            handover = Objects.requireNonNull(h);
            return this;
        }

        /**
         * The handle the always-committed backup writes the peer's states through (default: the node's table). A
         * handle of its own (a second netlink socket on the same kernel table) has an origin of its own, so the
         * events of its writes are told apart from every other write's, and its writes never wait behind a dump.
         */
        public Builder backupWriter(ConntrackTable t) {
            backupWriter = Objects.requireNonNull(t);
            return this;
        }

        /**
         * The expectation table (conntrackd's ExpectationSync): a publishing node replicates the local expectations
         * {@code sync} accepts; a node that keeps the peer's states writes the peer's expectations into it (as they
         * arrive when always committed, after the flows at {@code commit} otherwise). Default: none.
         */
        public Builder expectations(ExpectationTable t, ExpectationSync sync) {
            expectations = Objects.requireNonNull(t);
            expectationSync = Objects.requireNonNull(sync);
            return this;
        }

        /** Sees every round of the proactive path's sampling (a console's view of alerts and policy changes). */
        public Builder onProactiveRound(Consumer<ProactivePath.Round> o) {
            rounds = Objects.requireNonNull(o);
            return this;
        }

        /** Starts the node. On failure everything already opened is closed again; the table stays open. */
        public SyncNode start() throws InterruptedException {
            SyncNode n = new SyncNode(this);
            try {
                n.open();
            } catch (InterruptedException | RuntimeException e) {
                n.close();
                throw e;
            }
            return n;
        }
    }

    private void open() throws InterruptedException {
        NodeSettings s = settings;
        int mtu = s.link().mtu() > 0 ? s.link().mtu() : namespace.call(() -> interfaceMtu(s.link().iface()));
        ftfwConfig = s.link().ftfw(mtu);
        FlowFilter filter = new FlowFilter(s.filter().accept(), ignoreList(s), s.filter().protocols(),
                s.filter().tcpStates());
        ChannelOutbound out = new ChannelOutbound();
        publisher = new Publisher(filter, out, eventClock);
        FtfwChannel.Builder b = FtfwChannel.builder(ftfwConfig);
        List<ConntrackEntry> leftByLastRun = List.of();
        if (role.keepsPeerStates() && s.backup().commit() == NodeSettings.Commit.ALWAYS) {
            committed = new CommittedBackup(backupWriter, s.backup(), s.link().commitBatch(), clock);
            b.peerStates(committed);
            if (expectations != null) {
                CommittedBackup flows = committed;
                expectationWriter = new ExpectationWriter(expectations, flows::drain, clock, ftfwConfig.cacheLimit());
                b.peerExpectations(expectationWriter);
            }
            // read before the channel runs: what arrives from the peer from then on is newer (CommittedBackup#adopt);
            // a node that publishes too ('both') adopts its TCP ESTABLISHED entries provisionally
            leftByLastRun = table.list().stream().filter(filter::admits).toList();
        }
        if (role.publishes()) {
            // off the event loop: every table send (a RESYNC answer, -B, a restarted peer, a migration) carries the
            // expectations too, as conntrackd's resync sends its expectation cache with the flows
            b.resyncSource(() -> {
                awaitOwnFlowsKnown();
                publishExpectations();
                return publisher.bulkSnapshot(ownTable());
            });
        } else {
            b.resyncSource(List::of);
        }
        // a restarted peer lost what it held: a primary sends it the whole table again (a stock conntrackd backup
        // without StartupResync would otherwise stay empty), and a backup asks the restarted primary for its table
        // (flows it created while down); within sync.resync-interval the two meet in one bulk send
        b.onPeerRestart(() -> {
            LOG.info("the peer {} restarted: {}", ftfwConfig.peer(), role.publishes() && role.keepsPeerStates()
                    ? "sending it our table and asking for its own" : role.publishes() ? "sending it our table"
                    : "asking it for its table");
            FtfwChannel c = channel;                    // null only while the channel is still being started
            if (c != null && role.publishes()) {
                c.sendBulk();                           // the expectations with it (the resync source)
            }
            if (c != null && role.keepsPeerStates()) {
                c.requestResync();
            }
        });
        if (role.publishes()) {
            // a backup started before us asked for our table when nobody listened: push it on first contact, unless
            // its RESYNC (it started after us, or saw us restart) arrives within two alive intervals
            b.pushTableOnFirstContact(ftfwConfig.aliveInterval().multipliedBy(2));
        }
        if (role.keepsPeerStates() && s.link().extensions()) {
            b.bulkListener(new BulkListener() {
                @Override
                public void onPeerTable() {
                    peerTableArrived();
                }
            });
        }
        Callable<FtfwChannel> startChannel = b::start;
        channel = namespace.call(startChannel);
        resources.add(channel);
        if (committed != null) {
            if (role.publishes()) {
                if (backupWriter.origin() == org.hftfw.conntrack.ConntrackEvent.ORIGIN_KERNEL) {
                    LOG.warn("the backup writer's table cannot tell its writes from the kernel's: the events of the "
                            + "peer's flows written here would be replicated back to it");
                }
                CommittedBackup c = committed;
                echo = new EchoFilter(publisher, backupWriter.origin(), channel.externalCache(), c::standingBy);
            }
            committed.start(channel.externalCache());
            resources.add(committed);
            // provisional adoption needs the peer's confirmed full table to end (an hFT-FW peer's BULK_END)
            if (!role.publishes() || s.link().extensions()) {
                committed.adopt(leftByLastRun, role.publishes());
            }
            if (expectationWriter != null) {
                expectationWriter.start();
                resources.add(expectationWriter);
            }
        } else if (role.publishes() && role.keepsPeerStates()
                && table.origin() != org.hftfw.conntrack.ConntrackEvent.ORIGIN_KERNEL) {
            // an external-cache node that also publishes: the events of its own commit (the peer's flows written
            // through this table's handle) are not local changes and must not go back to the peer, as conntrackd
            // drops its commit's events (src/origin.c, CTD_ORIGIN_COMMIT); otherwise the peer would take its own
            // flows for ours and leave them out of its bulk sends
            echo = new EchoFilter(publisher, table.origin(), channel.externalCache(), () -> false);
        }
        ownFlowsKnown.countDown();
        out.attach(channel);
        if (!role.keepsPeerStates()) {
            holdPeerTable();                            // nothing of the peer's to hold
        } else if (!s.link().extensions()) {
            LOG.info("sync.extensions = false: the peer cannot confirm the end of its table, so this node counts as "
                    + "holding it at once (a returning node may then take the VIPs back before it has the peer's "
                    + "current states: use keepalived's nopreempt)");
            holdPeerTable();
        }
        reload = new Reload(role, s, publisher, models);
        if (role.keepsPeerStates() && s.link().startupResync()) {
            channel.requestResync();
            LOG.info("asked the peer {} for its whole table (sync.startup-resync)", ftfwConfig.peer());
        }

        if (role.publishes()) {
            if (s.lazy().enabled()) {
                publisher.replicateLazily(s.lazy().config(), models.load(s.lazy().modelFile()));
            }
            lazyTicks = scheduler("hftfw-lazy-tick").every(s.lazy().tick(), this::tickSafely);
            // the writes' own events are left out by the kernel where it can (a socket filter), the rest by the filter
            subscription = echo != null ? table.subscribe(echo, echo.writerOrigin()) : table.subscribe(publisher);
            fillInternalCache();
            if (expectations != null && expectationSync.enabled()) {
                resources.add(expectations.subscribe(new ExpectationPublisher(expectationSync,
                        channel::publishExpectation)));
                publishExpectations();
                LOG.info("expectation sync: replicating the expectations of {} helpers", expectationSync.describe());
            }
        }
        warmUp();
        if (s.proactive().enabled()) {
            if (role.publishes()) {
                startProactive(s.proactive());
            } else {
                LOG.warn("predictor.enabled is ignored on a backup: it has no table to migrate (run as primary or "
                        + "both)");
            }
        }
        LOG.info("hftfw sync {} running: FT-FW {} -> {} ({}, mtu {}), lazy {}, filter {}ignores {}, protocols {}",
                role.label(), ftfwConfig.bind(), ftfwConfig.peer(), ftfwConfig.link().describe(), mtu,
                role.publishes() ? publisher.replication().describe() : "off",
                filter.acceptList().isEmpty() ? "" : "accepts " + filter.acceptList() + ", ", filter.ignoreList(),
                s.filter().protocols().isEmpty() ? "all"
                        : s.filter().protocols().stream().map(IpProto::name).sorted().toList());
    }

    /** On the bulk executor: waits (bounded) until the node has told its own flows from the peer's at start. */
    private void awaitOwnFlowsKnown() {
        try {
            if (!ownFlowsKnown.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                LOG.warn("bulk send: the node's start did not finish within 30 s; sending the table as it is");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * On the event loop: the peer's full table ended. Held once it is where this node keeps it: in the kernel table
     * (the always-committed backup's writer has written every state of it, and deleted what it no longer has), or
     * in the external cache.
     */
    private void peerTableArrived() {
        CommittedBackup c = committed;
        if (c != null) {
            int released = c.peerTableEnded();
            FtfwChannel ch = channel;
            if (released > 0 && role.publishes() && ch != null) {
                LOG.info("sending our table again: it now carries our {} flows that were adopted provisionally",
                        released);
                ch.sendBulk();
            }
            c.afterWrites(this::holdPeerTable);
        } else {
            holdPeerTable();
        }
    }

    private void holdPeerTable() {
        if (peerTable.isDone()) {
            return;
        }
        peerTableNanos = clock.nanos() - startNanos;
        peerTable.complete(null);
        if (role.keepsPeerStates()) {
            LOG.info("holding the peer's table ({} flows) {} ms after start: ready to be master, also by preemption",
                    channel == null ? 0 : channel.externalCache().size(), peerTableNanos / 1_000_000);
        }
    }

    /** Flows sent through the warm-up at start: enough for the JIT to compile the path (C2 needs ~10k calls). */
    private static final int WARM_UP_FLOWS = 50_000;

    /**
     * Reads the table once into the publisher's internal cache, with the events held (those queued before are
     * applied first, those after it follow it), so a migration does not dump the kernel table (issue 10: 643 ms of
     * dump in a fresh daemon).
     */
    private void fillInternalCache() throws InterruptedException {
        long t0 = clock.nanos();
        int n;
        try {
            n = subscription.whileQuiet(() -> publisher.quiesce().whileQuiet(() -> publisher.fillCache(ownTable())));
        } catch (InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the table into the internal cache: " + e.getMessage(), e);
        }
        LOG.info("internal cache: {} flows read from the table in {} ms", n, (clock.nanos() - t0) / 1_000_000);
    }

    /**
     * Sends sample flows (the table's own, or made-up ones) between two in-memory FT-FW engines, so the first
     * migration (or the first bulk a backup receives) does not run cold: issue 10 measured a fresh daemon's first
     * migration several times slower than the next. Each round walks the samples in a store of their own, as a
     * migration walks the internal cache (each state decoded as the walk reaches it): warmed from a list, the first
     * migration still compiled that walk and decode once it had begun (session 10, the primary's
     * {@code -XX:+LogCompilation}).
     */
    private void warmUp() {
        long t0 = clock.nanos();
        List<ConntrackEntry> samples = role.publishes() ? publisher.cacheSample(1_000) : List.of();
        if (samples.isEmpty()) {
            samples = WarmUpSamples.flows(1_000);
        }
        FlowStore rehearsal = new FlowStore();
        samples.forEach(rehearsal::put);
        int rounds = Math.ceilDiv(WARM_UP_FLOWS, Math.max(1, rehearsal.size()));
        int confirmed = channel.warmUp(rehearsal::entries, rounds);
        LOG.info("FT-FW path warmed up on {} flows ({} of {} marked bulks confirmed in-band) in {} ms", WARM_UP_FLOWS,
                confirmed, rounds, (clock.nanos() - t0) / 1_000_000);
    }

    /** The caller's scheduler, or a daemon thread of the node's own, ended when the node closes. */
    private Scheduler scheduler(String threadName) {
        if (scheduler != null) {
            return scheduler;
        }
        Scheduler.Daemon own = Scheduler.daemon(threadName);
        resources.add(own);
        return own;
    }

    /** The proactive path over this node's table (filtered, as a bulk send) and FT-FW channel. */
    private void startProactive(ProactiveSettings p) {
        ProactiveSettings.Migration m = p.migration();
        StateMigrator.Handover h = handover;
        if (h == null && !m.commitSocket().isEmpty()) {
            h = new SocketCommitHandover(java.nio.file.Path.of(m.commitSocket()), m.commandTimeout(),
                    new CommandHandover(List.of(), m.demoteCommand(), m.commandTimeout()));
        } else if (h == null) {
            h = new CommandHandover(m.commitCommand(), m.demoteCommand(), m.commandTimeout());
            if (m.commitCommand().isEmpty() && !p.policy().dryRun()) {
                LOG.warn("migration.commit-command is empty: a migration sends the table but nothing makes the backup "
                        + "commit it before this node is demoted (keepalived's notify must then run 'hftfw commit', "
                        + "after the VIPs moved: keepalived #2254)");
            }
        }
        proactive = new ProactivePath(p, publisher::migrationSnapshot, new FtfwBulkLink(channel), h,
                publisher::replicateAll, clock, StateMigrator.Pause.sleeping())
                // the snapshot is taken under the publisher's lock; the event delivery is not held (it would wait up
                // to a receive timeout, 200 ms): each flow is read from the cache as it is sent, so a change delivered
                // after the order goes out live at a state no older than the one the migration reads (replicate-all
                // is on by then), and a flow the cache does not hold yet arrives with its event
                .quiesce(publisher.quiesce())
                .observe(rounds);
        resources.add(proactive);
        proactive.start(scheduler("hftfw-predictor"));
    }

    /**
     * The table as this node may send it to the peer (bulk sends, migrations): without the peer's own flows while an
     * always-committed node stands by, or the peer would get its flows back as ours.
     */
    private List<ConntrackEntry> ownTable() {
        EchoFilter f = echo;
        return f == null ? table.list() : f.ownFlows(table.list());
    }

    private void tickSafely() {
        try {
            publisher.tick();
        } catch (RuntimeException e) {
            LOG.warn("lazy replicator tick failed", e);
        }
    }

    private static int interfaceMtu(String iface) throws SocketException {
        NetworkInterface ni = NetworkInterface.getByName(iface);
        if (ni == null) {
            throw new IllegalStateException("sync.interface '" + iface + "' does not exist (needed for sync.mtu = auto)");
        }
        return ni.getMTU();
    }

    /** The address filter: the configured ranges, the sync link's addresses, the firewall's own addresses. */
    private List<Cidr> ignoreList(NodeSettings s) throws InterruptedException {
        List<Cidr> ignore = new ArrayList<>(s.filter().ignore());
        if (s.filter().ignoreSyncAddresses()) {
            ignore.add(Cidr.host(s.link().local().getAddress()));
            ignore.add(Cidr.host(s.link().peer().getAddress()));
        }
        if (s.filter().ignoreLocalAddresses()) {
            Callable<List<InetAddress>> read = LocalAddresses::read;
            for (InetAddress a : namespace.call(read)) {
                Cidr c = Cidr.host(a);
                if (!ignore.contains(c)) {
                    ignore.add(c);
                }
            }
        }
        return List.copyOf(ignore);
    }

    /**
     * Commits the external cache (the peer's replicated flows) to this node's table, in batches, then the peer's
     * expectations (their masters must exist first: conntrackd's {@code -c} commits both caches in this order).
     */
    CommitSummary commit() {
        long t0 = clock.nanos();
        ConntrackTable.BatchResult r = channel.externalCache().commit(table);
        long millis = (clock.nanos() - t0) / 1_000_000;
        ExpectationCache.CommitResult x = null;
        if (expectations != null && channel.expectationCache().size() > 0) {
            x = channel.expectationCache().commit(expectations);
            lastExpectationCommit = x;
            LOG.info("committed {} of the peer's {} expectations ({} expired, {} failed)", x.created(),
                    x.requested(), x.expired(), x.failed());
        }
        CommitSummary c = new CommitSummary(r, millis, x);
        lastCommit = c;
        return c;
    }

    /**
     * The node is a backup again and asks its peer for the whole table (keepalived's notify_backup: {@code hftfw sync
     * resync}, {@code conntrackd -n} in the stock primary-backup.sh): an always-committed backup that took over stands
     * by first, so the peer's states are written into the kernel table again, with standby timeouts.
     */
    void requestPeerTable() {
        if (committed != null && !committed.standingBy()) {
            committed.standBy();
        }
        channel.requestResync();
    }

    /**
     * Empties the external cache ({@code hftfw sync flush}, {@code conntrackd -f}). On an always-committed backup
     * standing by, that cache is the record of the peer's flows in the kernel table: they are deleted there too, or
     * they would keep their standby timeouts with no re-arm, takeover pass or delete to correct them. After a takeover
     * they are this node's own flows and stay (the stock primary-backup.sh runs {@code -f} right after {@code -c}).
     */
    Flush flushExternalCache() {
        int n = channel.externalCache().size();
        boolean delete = committed != null && committed.standingBy();
        if (delete) {
            List<FlowId> ids = new ArrayList<>(n);
            for (ConntrackEntry e : channel.externalCache().entries()) {
                ids.add(e.flowId());
            }
            committed.forget(ids);
        }
        channel.externalCache().flush();
        return new Flush(n, delete);
    }

    /**
     * Sends every local expectation {@code sync.expectation-sync} accepts as NEW (at start, and to a restarted peer:
     * conntrackd's resync sends its expectation cache with the flows).
     */
    private void publishExpectations() {
        FtfwChannel c = channel;
        if (expectations == null || !expectationSync.enabled() || c == null) {
            return;
        }
        try {
            expectations.dump(e -> {
                if (expectationSync.accepts(e)) {
                    c.publishExpectation(org.hftfw.conntrack.EventType.NEW, e);
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("could not read the expectation table to send it: {}", e.getMessage());
        }
    }

    /**
     * The local expectations {@code sync.expectation-sync} accepts, read from the kernel now: what conntrackd's
     * internal expectation cache holds ({@code conntrackd -i expect}; hFT-FW keeps no copy and reads the table when
     * it sends). Null without an expectation table or with expectation sync off (conntrackd then answers nothing).
     */
    List<org.hftfw.conntrack.Expectation> localExpectations() {
        if (expectations == null || !expectationSync.enabled()) {
            return null;
        }
        List<org.hftfw.conntrack.Expectation> out = new java.util.ArrayList<>();
        expectations.dump(e -> {
            if (expectationSync.accepts(e)) {
                out.add(e);
            }
        });
        return out;
    }

    /**
     * Deletes every expectation of the kernel table ({@code conntrackd -F expect}: nl_flush_expect_table); the
     * number deleted, or -1 without an expectation table or with expectation sync off (as conntrackd, which serves
     * its expectation verbs only with ExpectationSync).
     */
    int flushKernelExpectations() {
        if (expectations == null || !expectationSync.enabled()) {
            return -1;
        }
        List<org.hftfw.conntrack.Expectation> all = new java.util.ArrayList<>();
        expectations.dump(all::add);
        int n = 0;
        for (org.hftfw.conntrack.Expectation e : all) {
            try {
                expectations.delete(e);
                n++;
            } catch (org.hftfw.conntrack.ConntrackException.NoSuchEntryException x) {
                LOG.debug("expectation gone before its delete: {}", x.getMessage());
            }
        }
        return n;
    }

    /** Commits the peer's expectations alone ({@code conntrackd -c expect}); null without an expectation table. */
    ExpectationCache.CommitResult commitExpectations() {
        if (expectations == null) {
            return null;
        }
        ExpectationCache.CommitResult x = channel.expectationCache().commit(expectations);
        lastExpectationCommit = x;
        return x;
    }

    /** The last expectation commit (external-cache mode), or null before the first. */
    public ExpectationCache.CommitResult lastExpectationCommit() {
        return lastExpectationCommit;
    }

    /** The always-committed backup's expectation writer, when this node has one. */
    public Optional<ExpectationWriter> expectationWriter() {
        return Optional.ofNullable(expectationWriter);
    }

    /**
     * Completes once this node holds the peer's current table, the first time after its start: at once on a node
     * that keeps no peer states (primary) or whose peer cannot confirm a bulk's end ({@code sync.extensions = false});
     * otherwise when the peer's first full table (its answer to our RESYNC, or its push when it saw us start) has
     * ended and is in the kernel table (always committed) or the external cache. Until then a node that returns
     * after a takeover must not take the VIPs back (issue 10, preempt failback): its own kernel entries of the flows
     * its peer serves still have the TCP windows of before the takeover, and their packets would be INVALID.
     */
    public CompletionStage<Void> peerTableHeld() {
        return peerTable.minimalCompletionStage();
    }

    /** Milliseconds from start until the peer's table was held ({@link #peerTableHeld}), or -1 while waiting. */
    public long peerTableMillis() {
        long n = peerTableNanos;
        return n < 0 ? -1 : n / 1_000_000;
    }

    /** The always-committed backup's takeover pass (timeouts only: the flows are in the table already). */
    CommittedBackup.Takeover takeover() {
        CommittedBackup.Takeover t = committed.takeover();
        lastTakeover = t;
        return t;
    }

    /** The always-committed backup, when this node keeps the peer's states in that mode. */
    public Optional<CommittedBackup> committedBackup() {
        return Optional.ofNullable(committed);
    }

    /** The last takeover pass, or null before the first. */
    public CommittedBackup.Takeover lastTakeover() {
        return lastTakeover;
    }

    /** Events of the backup writer's own writes kept out of replication, and the peer's flows' expiries here. */
    long[] echoCounts() {
        EchoFilter f = echo;
        return f == null ? new long[] {0, 0} : new long[] {f.echoes(), f.peerExpiries()};
    }

    /** Applies reloaded settings: the lazy replicator's take effect now; the rest needs a restart. */
    public void reload(NodeSettings next) {
        reload.apply(next);
    }

    /** Registers the node's metrics (FT-FW, caches, replication, event source, proactive path) on {@code r}. */
    public void registerMetrics(MetricsRegistry r) {
        NodeMetrics.register(r, this);
    }

    public Role role() {
        return role;
    }

    /** The settings the node started with. */
    public NodeSettings settings() {
        return settings;
    }

    public FtfwConfig ftfwConfig() {
        return ftfwConfig;
    }

    public FtfwChannel channel() {
        return channel;
    }

    public ConntrackTable table() {
        return table;
    }

    public Publisher publisher() {
        return publisher;
    }

    /** The proactive path, when it runs here (enabled, on a primary or both). */
    public Optional<ProactivePath> proactive() {
        return Optional.ofNullable(proactive);
    }

    /** How the lazy replicator's model file was loaded: {@code none}, {@code loaded …}, {@code missing …}, … */
    public String modelStatus() {
        return models.status();
    }

    /** The last commit, or null before the first. */
    public CommitSummary lastCommit() {
        return lastCommit;
    }

    Duration uptime() {
        return Duration.ofNanos(clock.nanos() - startNanos);
    }

    /** Stops replicating, saves the lazy model when configured, closes the channel and the proactive path. */
    @Override
    public void close() {
        ownFlowsKnown.countDown();                      // a bulk send waiting for the start goes on (and finds it closed)
        if (subscription != null) {
            subscription.close();
        }
        if (lazyTicks != null) {
            lazyTicks.cancel();
        }
        NodeSettings.Lazy l = reload == null ? settings.lazy() : reload.lazy();
        if (publisher != null && l.saveOnExit() && l.modelFile() != null) {
            publisher.lazySnapshot().ifPresent(m -> models.save(m, l.modelFile()));
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
