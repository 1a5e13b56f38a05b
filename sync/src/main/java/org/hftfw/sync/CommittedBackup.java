package org.hftfw.sync;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.common.Clock;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.ConntrackTable.Write;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.FlowId;
import org.hftfw.ftfw.ExternalCache;
import org.hftfw.ftfw.PeerStateListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The always-committed backup: the peer's replicated states go into this node's kernel table as they arrive, so a
 * takeover needs no bulk commit before traffic flows (conntrackd's {@code DisableExternalCache On},
 * src/external_inject.c, done in batches).
 *
 * <p>Design note.
 * <ul>
 * <li><b>Batches.</b> The channel's event loop hands over each state ({@link #onPeerState}) into a map of the latest
 *   change per flow, and at the end of every read pass ({@link #endOfBurst}) wakes the writer thread, which takes the
 *   whole map and writes it with one {@link ConntrackTable#writeAll} per {@code commitBatch} flows: a burst of
 *   datagrams costs one netlink batch, and the event loop never waits on the kernel. A writer that lags finds a bigger
 *   map, in which a newer state of a flow has replaced the older one (never written out of order). NEW creates first,
 *   UPD updates first (the other is the fallback: conntrackd's external_inject_new/upd), DEL deletes (an absent
 *   entry is counted, not failed).</li>
 * <li><b>Own events.</b> The writes go through their own handle ({@link ConntrackTable#origin()}); on a node that
 *   also publishes, {@link EchoFilter} drops the events they cause before the publisher (conntrackd's origin.c,
 *   CTD_ORIGIN_INJECT), so they are never sent back to the peer nor counted as local changes.</li>
 * <li><b>Timeouts.</b> The primary's kernel refreshes a flow's timeout on every packet without an event, so the
 *   received timeout is only a lower bound of the flow's life there. While standing by, an entry gets at least
 *   {@code standbyTimeout} and the writer re-arms every held entry to that every half of it (one batched
 *   timeout-only pass): it never expires here while the peer holds it; it leaves when the peer's DEL, a resync's
 *   purge ({@link #forget}) or a flush says so. At the takeover ({@link #takeover}) one batched pass sets each
 *   entry's timeout to what the peer last reported minus the time since, at least {@code takeoverGrace}: an entry
 *   never outlives the flow's last known deadline by more than the grace, and a flow the primary kept alive without
 *   events survives if a packet comes within the grace, after which the kernel refreshes it as usual. Packets pass
 *   during the pass, because the entries exist. The pass writes only timeouts (no state, mark or status), so it
 *   cannot undo what traffic taught the entry meanwhile.</li>
 * <li><b>Restarts.</b> The kernel table outlives this process: a restarted backup finds the entries it wrote before,
 *   and a new, empty external cache. Flows the peer deleted while this node was down would stay (their DELs went
 *   nowhere, and a resync purges only what the cache holds). So at start ({@link #adopt}) the entries of the filtered
 *   table that carry a standby timeout go into the cache as the peer's, with the oldest generation stamp: the peer's
 *   first full generation-marked bulk refreshes those it still has and removes the rest, here and in the kernel
 *   ({@link #forget}). An entry is taken for a standby one when its remaining timeout is at least a quarter of
 *   {@code standbyTimeout}: while the writer runs they hold at least half of it (the re-arm), so a process down for
 *   up to a quarter of it (30 h by default) still finds them; the kernel gives a flow of its own that much only in
 *   TCP ESTABLISHED (5 d), which a standby does not forward. A node that serves flows of its own too ({@code both})
 *   cannot tell its own ESTABLISHED flows from the peer's this way, so there those are adopted provisionally: the
 *   peer's first full table after the start decides. Those it holds are the peer's; those it does not are released
 *   as this node's own ({@link #onPeerForgot}: left in the kernel table, out of the external cache, and so in this
 *   node's bulk sends again), since a live connection of ours must not be deleted; the peer's flows that ended while
 *   this node was down and that only ESTABLISHED could hide then leave on their own timeout (at most the standby
 *   timeout), while every other stale entry is deleted at once, as on a backup. A {@code both} node that took over and
 *   stands by again ({@link #standBy}) holds the TCP ESTABLISHED flows it served provisionally in the same way.</li>
 * </ul>
 * The store of what is held is the channel's {@link ExternalCache} (received state, age): the takeover pass and the
 * refresh read it, so the external-cache mode and this one keep the same counters and the same generation purge.
 */
public final class CommittedBackup implements PeerStateListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CommittedBackup.class);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** The largest pass whose map of pending states is kept for the next one. */
    private static final int MAX_PRESIZED = 65_536;
    /** Flows per progress line of a takeover or re-arm pass (a million-flow pass logs 16). */
    static final int PASS_CHUNK = 65_536;
    /**
     * How long a command waits for the writer while it completes no batch ({@link WriterWait}): a pass of any size
     * is waited for as long as it makes progress.
     */
    static final java.time.Duration WRITER_STALL = java.time.Duration.ofSeconds(60);

    /** One received change waiting for the writer; {@code entry} is null for a purge. */
    private record Change(EventType type, FlowId id, ConntrackEntry entry, long receivedNanos) {}

    /**
     * The writer's counters.
     *
     * @param received      peer states handed over by the channel
     * @param coalesced     states replaced by a newer one of the same flow before the writer took them
     * @param batches       {@link ConntrackTable#writeAll} calls (received states, re-arm and takeover passes)
     * @param writes        writes in them
     * @param failed        writes the kernel refused (first errors are logged)
     * @param absent        deletes of entries that were not there
     * @param maxLagNanos   longest time from a state's arrival to its write being confirmed
     * @param lastLagNanos  the same for the last batch
     * @param writerCpuNanos CPU time of the writer thread (user + system, the netlink syscalls included)
     * @param refreshes     standby timeout re-arm passes
     * @param purged        flows deleted by {@link #forget}
     * @param notHeld       states not written because the external cache does not hold the flow (full, or flushed)
     * @param tookOver      a takeover pass ran and no resync since
     * @param adopted       entries of the kernel table taken into the external cache at start ({@link #adopt})
     * @param released      of those, provisionally adopted TCP ESTABLISHED entries of a {@code both} node that the
     *                      peer's first full table did not hold (after the start, or after standing by again
     *                      once it took over): left in the kernel table as this node's own
     * @param asMaster      the peer's states and purges not applied because this node had taken over (kept in the
     *                      external cache only)
     */
    public record Stats(long received, long coalesced, long batches, long writes, long created, long updated,
                        long deleted, long absent, long failed, long maxLagNanos, long lastLagNanos,
                        long writerCpuNanos, long refreshes, long purged, long notHeld, boolean tookOver,
                        long adopted, long released, long asMaster) {}

    /** The outcome of a takeover pass. */
    public record Takeover(int flows, ConntrackTable.WriteResult result, long nanos) {}

    private final ConntrackTable table;
    private final NodeSettings.Backup cfg;
    private final int batchSize;
    private final Clock clock;
    private final Object lock = new Object();
    private final List<Runnable> tasks = new ArrayList<>();              // guarded by lock
    private LinkedHashMap<FlowId, Change> dirty = new LinkedHashMap<>(); // guarded by lock
    /**
     * The map the next pass's states go into, emptied by the writer (writer thread): two maps take turns, so a
     * migration's passes do not grow a new map each (a cleared map keeps its table).
     */
    private LinkedHashMap<FlowId, Change> spare = new LinkedHashMap<>();
    /** The writes of one batch of a pass of received states, reused from batch to batch (writer thread). */
    private final List<Write> batch = new ArrayList<>();
    /** States of the writer's running pass not yet written (written by the writer thread, read by {@link #trails}). */
    private volatile int passRemaining;
    private final Thread writer;
    private final WriterWait writerWait;
    /** The clock's time when the writer last completed a batch (any: received states, a pass); read by waiters. */
    private volatile long lastBatchNanos;
    /** Where the running takeover or re-arm pass stands, for a waiter that gives up on it; "" when none runs. */
    private volatile String passProgress = "";
    private volatile ExternalCache cache;
    private volatile boolean tookOver;
    private final AtomicLong asMaster = new AtomicLong();
    private volatile boolean closed;
    private long nextRefreshNanos;
    /** The writer's {@code failed} count when {@link #applied} last answered (writer thread only). */
    private long failedAtLastApplied;

    private final AtomicLong received = new AtomicLong();
    private final AtomicLong coalesced = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong created = new AtomicLong();
    private final AtomicLong updated = new AtomicLong();
    private final AtomicLong deleted = new AtomicLong();
    private final AtomicLong absent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong maxLagNanos = new AtomicLong();
    private final AtomicLong lastLagNanos = new AtomicLong();
    private final AtomicLong refreshes = new AtomicLong();
    private final AtomicLong purged = new AtomicLong();
    private final AtomicLong notHeld = new AtomicLong();
    private final AtomicLong adopted = new AtomicLong();
    private final AtomicLong released = new AtomicLong();
    /**
     * Adopted at start but possibly this node's own (a {@code both} node's TCP ESTABLISHED entries), until the peer's
     * first full table decides ({@link #onPeerForgot}, {@link #peerTableEnded}); on the channel's event loop after
     * {@link #adopt}.
     */
    private volatile Set<FlowId> provisional = Set.of();
    /** Whether this node may hold flows of its own in the table ({@code both}, told by {@link #adopt}). */
    private volatile boolean ownFlowsPossible;
    /** Provisional entries released since the start, until {@link #peerTableEnded} (event loop). */
    private int releasedAtFirstTable;

    /**
     * @param table     the handle the writes go through: its {@link ConntrackTable#origin()} marks their events
     * @param batchSize flows per {@link ConntrackTable#writeAll} ({@code sync.commit-batch})
     */
    public CommittedBackup(ConntrackTable table, NodeSettings.Backup cfg, int batchSize, Clock clock) {
        this.table = Objects.requireNonNull(table);
        this.cfg = Objects.requireNonNull(cfg);
        this.batchSize = batchSize;
        this.clock = Objects.requireNonNull(clock);
        this.writer = Thread.ofPlatform().daemon(true).name("hftfw-backup-writer").unstarted(this::run);
        this.writerWait = new WriterWait(clock, WRITER_STALL);
    }

    /** Starts writing, with {@code cache} as the record of what the peer holds (the channel's external cache). */
    public void start(ExternalCache c) {
        cache = Objects.requireNonNull(c);
        nextRefreshNanos = clock.nanos() + refreshPeriodNanos();
        writer.start();
    }

    /**
     * Takes the entries of this node's filtered kernel table that an earlier run wrote for the peer into the external
     * cache, as the peer's flows not yet confirmed (see the class note); the cache keeps what it received since.
     * Returns how many were adopted.
     */
    public int adopt(Collection<ConntrackEntry> filteredTable) {
        return adopt(filteredTable, false);
    }

    /**
     * The same on a node that may hold flows of its own in the table ({@code both}, {@code ownFlowsPossible}): its TCP
     * ESTABLISHED entries are adopted provisionally, until the peer's first full table (see the class note).
     */
    public int adopt(Collection<ConntrackEntry> filteredTable, boolean ownFlowsPossible) {
        long floor = cfg.standbyTimeout().toSeconds() / 4;
        List<ConntrackEntry> standby = new ArrayList<>();
        Set<FlowId> maybeOwn = new java.util.HashSet<>();
        for (ConntrackEntry e : filteredTable) {
            if (e.timeout() >= floor) {
                standby.add(e);
                if (ownFlowsPossible && e.tcpState() == org.hftfw.conntrack.TcpState.ESTABLISHED) {
                    maybeOwn.add(e.flowId());
                }
            }
        }
        provisional = maybeOwn;
        this.ownFlowsPossible = ownFlowsPossible;
        int n = cache.seed(standby);
        adopted.addAndGet(n);
        if (n > 0) {
            LOG.info("{} entries of the kernel table with a standby timeout (>= {} s) taken for the peer's until its "
                    + "next full resync (of {} in the filtered table){}", n, floor, filteredTable.size(),
                    maybeOwn.isEmpty() ? "" : ", " + maybeOwn.size() + " TCP ESTABLISHED ones provisionally (they may "
                            + "be this node's own)");
        }
        return n;
    }

    /**
     * The peer's first full table since the start has ended: the provisionally adopted entries it still held are
     * the peer's; those it did not were released by {@link #onPeerForgot} before this call. On the event loop.
     * Returns how many were released (a node that publishes sends its table again: its bulk sends so far left them
     * out as the peer's).
     */
    public int peerTableEnded() {
        provisional = Set.of();
        int n = releasedAtFirstTable;
        releasedAtFirstTable = 0;
        return n;
    }

    // ------------------------------------------------------------------ the channel's event loop

    /**
     * {@inheritDoc} Not once this node has taken over: its kernel table then holds the flows it serves, refreshed by
     * their own packets, and what the old primary sends afterwards (the expiry DESTROYs of the flows that left it, a
     * restarted daemon's stale table pushed on first contact, with TCP windows from before the takeover) would
     * delete or roll back live entries. The state stays in the external cache, so the node can commit it if asked;
     * the kernel follows the peer again once the node stands by ({@link #standBy}: keepalived's notify_backup runs
     * {@code resync}, which also asks the peer for its whole table).
     */
    @Override
    public void onPeerState(EventType type, ConntrackEntry entry) {
        onPeerState(type, entry, entry.flowId());
    }

    @Override
    public void onPeerState(EventType type, ConntrackEntry entry, FlowId id) {
        if (tookOver) {
            asMaster.incrementAndGet();
            return;
        }
        long now = clock.nanos();
        synchronized (lock) {
            Change before = dirty.put(id, new Change(type, id, entry, now));
            if (before != null) {
                coalesced.incrementAndGet();
                // a flow whose NEW is not written yet is still new to the kernel table: created first by its update
                // too (mended after the put: one map operation for the common state, which replaces nothing)
                if (before.type() == EventType.NEW && type == EventType.UPDATE) {
                    dirty.put(id, new Change(EventType.NEW, id, entry, now));
                }
            }
            received.incrementAndGet();
        }
    }

    @Override
    public void endOfBurst() {
        synchronized (lock) {
            if (!dirty.isEmpty()) {
                lock.notifyAll();
            }
        }
    }

    /**
     * {@inheritDoc} Here: once the writer has written every state handed over before this call, with the writes the
     * kernel refused since the previous call and the states left out because this node had taken over (a migration
     * toward a node that never stood by again must not be confirmed as held).
     */
    @Override
    public java.util.concurrent.CompletionStage<Long> applied() {
        CompletableFuture<Long> done = new CompletableFuture<>();
        synchronized (lock) {
            if (closed || !writer.isAlive()) {
                return CompletableFuture.failedFuture(new IllegalStateException("the backup writer is not running"));
            }
            tasks.add(() -> {                          // runs after the states taken with it are written
                long f = failed.get() + asMaster.get();
                done.complete(f - failedAtLastApplied);
                failedAtLastApplied = f;
            });
            lock.notifyAll();
        }
        return done;
    }

    // ------------------------------------------------------------------ commands (any thread)

    /**
     * The takeover pass ({@code commit} in this mode): writes what is still pending, then sets every held entry's
     * timeout to its takeover value in batches (see the class note), logging its progress every {@link #PASS_CHUNK}
     * flows. Blocks until done, for as long as the writer completes a batch at least every {@link #WRITER_STALL}
     * (a million-flow pass on a loaded machine takes longer than any one deadline for the whole would allow).
     */
    public Takeover takeover() {
        return onWriter(() -> {
            long t0 = clock.nanos();
            List<Write> all = new ArrayList<>();
            long graceSeconds = cfg.takeoverGrace().toSeconds();
            cache.forEachHeld((e, age) -> {
                long remaining = e.timeout() < 0 ? 0 : e.timeout() - age / NANOS_PER_SECOND;
                all.add(new Write.Timeout(e.original(), e.zone(), Math.max(remaining, graceSeconds)));
            });
            ConntrackTable.WriteResult r = writeInBatches(all, "takeover pass", t0);
            tookOver = true;
            return new Takeover(all.size(), r, clock.nanos() - t0);
        });
    }

    /**
     * Back to standing by (the node is a backup again, e.g. keepalived's notify_backup ran {@code resync}): entries
     * written from now on get the standby timeout, and the held ones are re-armed at once. On a node that serves
     * flows of its own too, the TCP ESTABLISHED flows it served since its takeover are provisional again, as at a
     * restart: keepalived does not wait for its notify scripts, so a returning node's {@code resync} of its FAULT ->
     * BACKUP transition can come after the {@code commit} of its BACKUP -> MASTER one; the peer, standing by too, then
     * leaves them out of its table as ours, and its purge must not delete the flows this node serves.
     */
    public void standBy() {
        onWriter(() -> {
            if (tookOver && ownFlowsPossible) {
                Set<FlowId> served = new java.util.HashSet<>();
                cache.forEachHeld((e, age) -> {
                    if (e.tcpState() == org.hftfw.conntrack.TcpState.ESTABLISHED) {
                        served.add(e.flowId());
                    }
                });
                provisional = served;
            }
            tookOver = false;
            refresh();
            return null;
        });
    }

    /**
     * Deletes these flows of the peer's from the kernel table (the hook for a generation-marked resync: the flows the
     * peer did not resend are gone there). Queued like received DELs, so a newer state of the same flow that arrived
     * before wins only if it arrived after this call.
     */
    public void forget(Collection<FlowId> stale) {
        long now = clock.nanos();
        synchronized (lock) {
            for (FlowId id : stale) {
                dirty.put(id, new Change(EventType.DESTROY, id, null, now));
            }
            purged.addAndGet(stale.size());
            lock.notifyAll();
        }
    }

    /**
     * {@inheritDoc} They leave the kernel table too ({@link #forget}), unless this node has taken over, or they are
     * provisionally adopted entries that may be this node's own ({@code both}): those stay as its own (the class note).
     */
    @Override
    public void onPeerForgot(Collection<FlowId> stale) {
        if (tookOver) {
            asMaster.addAndGet(stale.size());
            return;
        }
        Set<FlowId> maybeOwn = provisional;
        if (maybeOwn.isEmpty()) {
            forget(stale);
            return;
        }
        List<FlowId> gone = new ArrayList<>(stale.size());
        int kept = 0;
        for (FlowId id : stale) {
            if (maybeOwn.contains(id)) {
                kept++;
            } else {
                gone.add(id);
            }
        }
        released.addAndGet(kept);
        releasedAtFirstTable += kept;
        if (kept > 0) {
            LOG.info("{} provisionally adopted TCP ESTABLISHED entries are not in the peer's table: kept as this "
                    + "node's own", kept);
        }
        forget(gone);
    }

    /**
     * Runs {@code action} on the writer thread once every state and purge handed over before this call is written
     * (the end of a peer's full table: the node then holds it in its kernel table); never waits. Dropped once the
     * backup is closed.
     */
    public void afterWrites(Runnable action) {
        synchronized (lock) {
            if (closed) {
                LOG.debug("backup writer stopped: not running {}", action);
                return;
            }
            tasks.add(action);                          // before start() too: the writer's first pass runs it
            lock.notifyAll();
        }
    }

    /** Waits until every state handed over so far is written (tests, benches). */
    public void drain() {
        onWriter(() -> null);
    }

    /**
     * Whether more received states wait to be written into the kernel table (the rest of the writer's running pass
     * and those queued for the next) than one batch of writes: fewer while the writer keeps up; a migration's bulk
     * into a lagging writer leaves hundreds of thousands (1 000 000 flows: the writer trailed the receive by 9-36 s,
     * docs/performance.md §5).
     */
    public boolean trails() {
        int next;
        synchronized (lock) {
            next = dirty.size();
        }
        return next + passRemaining > batchSize;
    }

    /** True while the node stands by (no takeover pass since the last resync). */
    public boolean standingBy() {
        return !tookOver;
    }

    /** The standby timeout re-arm pass, now (tests; the writer runs it every half standby timeout). */
    void refreshNow() {
        onWriter(() -> {
            refresh();
            return null;
        });
    }

    public Stats stats() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long cpu = writer.isAlive() ? mx.getThreadCpuTime(writer.threadId()) : -1;
        return new Stats(received.get(), coalesced.get(), batches.get(), writes.get(), created.get(), updated.get(),
                deleted.get(), absent.get(), failed.get(), maxLagNanos.get(), lastLagNanos.get(), cpu, refreshes.get(),
                purged.get(), notHeld.get(), tookOver, adopted.get(), released.get(), asMaster.get());
    }

    private <T> T onWriter(java.util.concurrent.Callable<T> step) {
        CompletableFuture<T> done = new CompletableFuture<>();
        synchronized (lock) {
            if (closed || !writer.isAlive()) {
                throw new IllegalStateException("the backup writer is not running");
            }
            tasks.add(() -> {
                try {
                    done.complete(step.call());
                } catch (Exception | Error e) {
                    done.completeExceptionally(e);
                }
            });
            lock.notifyAll();
        }
        return writerWait.await(done, () -> lastBatchNanos,
                () -> passProgress.isEmpty() ? "before the step began" : passProgress);
    }

    // ------------------------------------------------------------------ the writer thread

    private void run() {
        while (true) {
            LinkedHashMap<FlowId, Change> work;
            List<Runnable> steps;
            synchronized (lock) {
                while (!closed && dirty.isEmpty() && tasks.isEmpty() && !refreshDue()) {
                    long waitMillis = Math.max(1, (nextRefreshNanos - clock.nanos()) / 1_000_000);
                    try {
                        lock.wait(Math.min(waitMillis, 1000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                work = dirty;
                // the emptied map of the pass before: a migration's passes are alike, and growing a map of thousands
                // of states by doubling cost the event loop a rehash of each on the way
                dirty = spare;
                steps = List.copyOf(tasks);
                tasks.clear();
            }
            try {
                try {
                    if (!work.isEmpty()) {
                        write(work);
                    }
                } finally {
                    passRemaining = 0;
                    // the written map, emptied, takes the next pass (never the map the event loop now fills); a new one
                    // after a pass of more than MAX_PRESIZED states, whose table would stay while the node stands by
                    if (work.size() > MAX_PRESIZED) {
                        spare = LinkedHashMap.newLinkedHashMap(MAX_PRESIZED);
                    } else {
                        work.clear();
                        spare = work;
                    }
                }
                for (Runnable s : steps) {
                    s.run();
                }
                if (refreshDue()) {
                    refresh();
                }
            } catch (RuntimeException e) {
                LOG.warn("backup writer: a batch failed", e);
            }
        }
    }

    private boolean refreshDue() {
        return !tookOver && clock.nanos() - nextRefreshNanos >= 0;
    }

    private long refreshPeriodNanos() {
        return cfg.standbyTimeout().toNanos() / 2;
    }

    /**
     * Writes a pass of received states, one batch of writes built at a time: a migration's pass holds hundreds of
     * thousands of states when the writer lags, and their writes built all at once outlived many young collections
     * (promoted, then garbage in the old generation) where a batch's die young.
     */
    private void write(Map<FlowId, Change> work) {
        ExternalCache c = cache;
        List<Write> out = batch;
        long oldest = Long.MAX_VALUE;
        int left = work.size();
        passRemaining = left;
        for (Change ch : work.values()) {
            left--;
            oldest = Math.min(oldest, ch.receivedNanos());
            if (ch.type() != EventType.DESTROY && !c.holds(ch.id())) {
                // the cache dropped it (full: sync.external-cache-limit) or was flushed since: a flow the takeover
                // pass and the re-arm would not see must not be written, or it would keep its standby timeout
                notHeld.incrementAndGet();
                continue;
            }
            out.add(switch (ch.type()) {
                case DESTROY -> new Write.Delete(ch.id().original(), ch.id().zone());
                case NEW -> c.asWrite(ch.entry(), timeoutFor(ch.entry()), true);
                case UPDATE -> c.asWrite(ch.entry(), timeoutFor(ch.entry()), false);
            });
            if (out.size() == batchSize) {
                writeInBatches(out, "", 0);
                out.clear();
                passRemaining = left;
            }
        }
        writeInBatches(out, "", 0);
        out.clear();
        long lag = clock.nanos() - oldest;
        lastLagNanos.set(lag);
        maxLagNanos.accumulateAndGet(lag, Math::max);
    }

    /** The timeout an entry is written with: standing by, at least the standby timeout; after a takeover, the grace. */
    private long timeoutFor(ConntrackEntry e) {
        long floor = tookOver ? cfg.takeoverGrace().toSeconds() : cfg.standbyTimeout().toSeconds();
        return Math.min(0xffffffffL, Math.max(e.timeout(), floor));
    }

    private void refresh() {
        long t0 = clock.nanos();
        nextRefreshNanos = t0 + refreshPeriodNanos();
        if (tookOver) {
            return;
        }
        List<Write> all = new ArrayList<>();
        long standby = cfg.standbyTimeout().toSeconds();
        cache.forEachHeld((e, age) -> all.add(new Write.Timeout(e.original(), e.zone(),
                Math.min(0xffffffffL, Math.max(e.timeout(), standby)))));
        refreshes.incrementAndGet();
        ConntrackTable.WriteResult r = writeInBatches(all, "standby re-arm", t0);
        LOG.debug("standby timeouts re-armed: {} flows, {} absent, {} failed", all.size(), r.absent(), r.failed());
    }

    /**
     * Writes {@code all} in batches of {@code commitBatch}; a named {@code pass} (not received states) that began at
     * {@code t0} logs a progress line every {@link #PASS_CHUNK} flows and says where it stands to a waiter that gives
     * up on it.
     */
    private ConntrackTable.WriteResult writeInBatches(List<Write> all, String pass, long t0) {
        ConntrackTable.WriteResult.Tally t = new ConntrackTable.WriteResult.Tally();
        List<String> errors = new ArrayList<>();
        boolean logged = !pass.isEmpty() && all.size() > PASS_CHUNK;
        if (!pass.isEmpty()) {
            passProgress = pass + ": 0 of " + all.size() + " timeouts set";
        }
        for (int i = 0; i < all.size(); i += batchSize) {
            int end = Math.min(all.size(), i + batchSize);
            ConntrackTable.WriteResult r = table.writeAll(all.subList(i, end));
            lastBatchNanos = clock.nanos();
            if (!pass.isEmpty()) {
                passProgress = pass + ": " + end + " of " + all.size() + " timeouts set";
                if (logged && (end / PASS_CHUNK != i / PASS_CHUNK || end == all.size())) {
                    LOG.info("{}: {} of {} timeouts set, {} ms", pass, end, all.size(),
                            (lastBatchNanos - t0) / 1_000_000);
                }
            }
            t.created += r.created();
            t.updated += r.updated();
            t.deleted += r.deleted();
            t.absent += r.absent();
            t.failed += r.failed();
            if (errors.size() < 10) {
                errors.addAll(r.firstErrors());
            }
            batches.incrementAndGet();
            writes.addAndGet(r.requested());
            created.addAndGet(r.created());
            updated.addAndGet(r.updated());
            deleted.addAndGet(r.deleted());
            absent.addAndGet(r.absent());
            failed.addAndGet(r.failed());
            if (r.failed() > 0) {
                LOG.warn("backup writer: {} of {} writes failed, first: {}", r.failed(), r.requested(),
                        r.firstErrors());
            }
        }
        passProgress = "";
        ConntrackTable.WriteResult sum = t.result(all.size());
        return new ConntrackTable.WriteResult(sum.requested(), sum.created(), sum.updated(), sum.deleted(),
                sum.absent(), sum.failed(), List.copyOf(errors.subList(0, Math.min(10, errors.size()))));
    }

    /** Stops the writer; what was not written yet is dropped (the table stays as it is). */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
