package org.hftfw.sync;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.hftfw.common.Scheduler;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.ftfw.ExpectationCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * conntrackd's UNIX control requests ({@link ConntrackdRequest}) served by a {@link SyncNode}, so the stock
 * {@code conntrackd -c/-f/-F/-R/-B/-n/-s/-t/-i/-e/-k} client and the stock keepalived script primary-backup.sh drive
 * hFT-FW unchanged. What each request does follows conntrackd in FTFW mode (src/sync-mode.c
 * {@code local_handler_sync}, src/ctnl.c {@code ctnl_local}, src/sync-ftfw.c {@code ftfw_local}):
 * <ul>
 *   <li>A request that succeeds answers what conntrackd answers: the statistics and cache dumps in its layout,
 *       nothing for the verbs. A commit answers only once it is done (conntrackd keeps the client's connection open
 *       until then, so a notify script's next step sees the committed table).</li>
 *   <li>{@code -t} arms one flush, {@code PurgeTimeout} later ({@code control.purge-timeout}), of every kernel flow
 *       the filter would replicate, plus the internal cache (conntrackd's {@code do_reset_cache_alarm}); a commit,
 *       {@code -f internal} and the internal-and-external flush disarm it, as in conntrackd.</li>
 *   <li>{@code -F} deletes every kernel flow the filter would replicate, at once
 *       ({@code nl_flush_conntrack_table_selective}).</li>
 *   <li>{@code -R}: hFT-FW keeps no copy of the kernel table (a bulk send reads the table itself), so the request
 *       reads the table and logs how many flows it holds.</li>
 *   <li>Expectations ({@code -c/-e/-i/-s/-F/-R expect}): the same verbs on the expectation caches; the internal one
 *       is the kernel's expectation table read at the request, filtered by {@code sync.expectation-sync}.</li>
 * </ul>
 * The stock client exits 0 whatever the daemon answers, so a request hFT-FW cannot carry out (an expectation verb on
 * a node without expectation sync, where conntrackd answers nothing; a bulk send from a backup; a request number conntrackd does not define; a commit with failed flows) is made visible the other ways: a line starting {@code hftfw:} on the client's output, a log line, and a
 * counter ({@link #refused()}, {@code -s runtime}'s "local unknown request", the metrics). Requests are served one at
 * a time by the caller.
 */
public final class ConntrackdControl implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConntrackdControl.class);

    /** What the process adds to the answers: its event buffer, the sync device, its own report for {@code -s}. */
    public record DaemonFacts(int eventBufferBytes, String device, Supplier<String> ownReport) {}

    private final SyncNode node;
    private final Duration purgeTimeout;
    private final Scheduler scheduler;
    private final Runnable kill;
    private final DaemonFacts process;
    private final Map<ConntrackdRequest, AtomicLong> served = new EnumMap<>(ConntrackdRequest.class);
    private final AtomicLong unknown = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong readFailed = new AtomicLong();
    /** conntrackd's "flush kernel table": -F, -F ct, -F expect and each -t flush that ran. */
    private final AtomicLong kernelFlushes = new AtomicLong();
    /** conntrackd's "resync with kernel table" counts -R, -R ct, -R expect beside the resyncs after an overrun. */
    private final AtomicLong kernelResyncs = new AtomicLong();
    private Scheduler.Cancellable purge;

    /**
     * @param purgeTimeout how long after {@code -t} the replicated kernel flows are flushed (conntrackd's
     *                     {@code PurgeTimeout}, 60 s by default)
     * @param scheduler    runs that flush
     * @param kill         stops the daemon ({@code -k}); called after the answer is written
     */
    public ConntrackdControl(SyncNode node, Duration purgeTimeout, Scheduler scheduler, Runnable kill,
                             DaemonFacts process) {
        this.node = Objects.requireNonNull(node);
        this.purgeTimeout = Objects.requireNonNull(purgeTimeout);
        this.scheduler = Objects.requireNonNull(scheduler);
        this.kill = Objects.requireNonNull(kill);
        this.process = Objects.requireNonNull(process);
        for (ConntrackdRequest r : ConntrackdRequest.values()) {
            served.put(r, new AtomicLong());
        }
    }

    /** The answer to one request: the text for the client, and whether the request was carried out. */
    public record Answer(boolean done, String text, Runnable after) {
        static Answer ok(String text) {
            return new Answer(true, text, () -> { });
        }
    }

    /** Serves request number {@code code}. */
    public synchronized Answer handle(int code) {
        ConntrackdRequest r = ConntrackdRequest.of(code).orElse(null);
        if (r == null || r == ConntrackdRequest.DEBUG_INFO) {
            unknown.incrementAndGet();
            return refuse("conntrackd request " + code + " is not one conntrackd defines (a client of another "
                    + "version, or not a conntrackd client): nothing done");
        }
        served.get(r).incrementAndGet();
        try {
            return serve(r);
        } catch (ConntrackException | IllegalStateException e) {
            return refuse("conntrackd " + r.flags() + " failed: " + e.getMessage());
        } catch (RuntimeException e) {
            // a bug must not end the control socket's one thread: -s would stop answering, and the stock
            // primary-backup.sh would hang on it instead of noticing
            LOG.error("conntrackd {} failed", r.flags(), e);
            return refuse("conntrackd " + r.flags() + " failed: " + e);
        }
    }

    private Answer serve(ConntrackdRequest r) {
        return switch (r) {
            case CT_COMMIT, ALL_COMMIT -> commit();
            case CT_FLUSH_CACHE, ALL_FLUSH_CACHE -> {
                // conntrackd (since 1.4.6, src/sync-mode.c) disarms -t on both; only -f empties the expectations
                disarmPurge();
                LOG.info("conntrackd {}: flushing caches{}", r.flags(), flushExternal());
                if (r == ConntrackdRequest.ALL_FLUSH_CACHE) {
                    node.channel().expectationCache().flush();
                }
                node.publisher().flush();
                yield Answer.ok("");
            }
            case CT_FLUSH_INT_CACHE -> {
                disarmPurge();
                LOG.info("conntrackd -f internal: flushing internal cache");
                node.publisher().flush();
                yield Answer.ok("");
            }
            case CT_FLUSH_EXT_CACHE -> {
                LOG.info("conntrackd -f external: flushing external cache{}", flushExternal());
                yield Answer.ok("");
            }
            case CT_FLUSH_MASTER, ALL_FLUSH_MASTER -> {
                // -F: the expectation table too when expectations are replicated (conntrack-tools src/ctnl.c), first:
                // the kernel drops a flow's expectations with it, so after the flows the count would say nothing
                if (r == ConntrackdRequest.ALL_FLUSH_MASTER) {
                    int x = node.flushKernelExpectations();
                    if (x >= 0) {
                        kernelFlushes.incrementAndGet();
                        LOG.info("conntrackd -F: flushed {} expectations from the kernel table", x);
                    }
                }
                kernelFlushes.incrementAndGet();
                int n = flushReplicatedKernelFlows();
                LOG.info("conntrackd {}: flushed {} replicated flows from the kernel table", r.flags(), n);
                yield Answer.ok("");
            }
            case CT_RESYNC_MASTER, ALL_RESYNC_MASTER -> {
                kernelResyncs.incrementAndGet();
                long n = node.table().dump(e -> { });
                LOG.info("conntrackd {}: resync with master conntrack table ({} flows; hFT-FW reads the kernel "
                        + "table at each bulk send and keeps no copy of it)", r.flags(), n);
                List<org.hftfw.conntrack.Expectation> local = r == ConntrackdRequest.ALL_RESYNC_MASTER
                        ? node.localExpectations() : null;
                if (local != null) {
                    kernelResyncs.incrementAndGet();
                    LOG.info("conntrackd -R: resync with master expectation table ({} expectations)", local.size());
                }
                yield Answer.ok("");
            }
            case SEND_BULK -> {
                if (!node.role().publishes()) {
                    yield refuse("conntrackd -B: this node runs as backup and has no table to send (run hftfw sync "
                            + "both or primary): nothing sent");
                }
                LOG.info("conntrackd -B: sending bulk update");
                node.channel().sendBulk();
                yield Answer.ok("");
            }
            case REQUEST_DUMP -> {
                LOG.info("conntrackd -n: resync requested");
                node.requestPeerTable();
                yield Answer.ok("");
            }
            case RESET_TIMERS -> {
                armPurge();
                yield Answer.ok("");
            }
            case KILL -> {
                LOG.info("conntrackd -k: stopping");
                yield new Answer(true, "", kill);
            }
            case CT_DUMP_INTERNAL -> Answer.ok(CacheDump.plain(internal(), CacheDump.Cache.INTERNAL));
            case CT_DUMP_EXTERNAL -> Answer.ok(CacheDump.plain(external(), CacheDump.Cache.EXTERNAL));
            case CT_DUMP_INT_XML -> Answer.ok(CacheDump.xml(internal(), CacheDump.Cache.INTERNAL));
            case CT_DUMP_EXT_XML -> Answer.ok(CacheDump.xml(external(), CacheDump.Cache.EXTERNAL));
            case STATS -> Answer.ok(ConntrackdStats.general(node, stats()));
            case STATS_NETWORK -> Answer.ok(ConntrackdStats.network(node, process.device()));
            case STATS_CACHE -> Answer.ok(ConntrackdStats.cache(node));
            case STATS_RUNTIME -> Answer.ok(ConntrackdStats.runtime(node, stats()));
            case STATS_LINK -> Answer.ok(ConntrackdStats.link(node, process.device()));
            case STATS_RSQUEUE -> Answer.ok(ConntrackdStats.resendQueue(node.channel().resendQueue()));
            case STATS_QUEUE -> Answer.ok(ConntrackdStats.queues(node));
            case STATS_PROCESS -> Answer.ok("");    // conntrackd lists its forked children; hFT-FW forks none
            case EXP_COMMIT -> {
                disarmPurge();                      // conntrackd's local_commit disarms -t before any commit
                ExpectationCache.CommitResult x = node.commitExpectations();
                if (x == null) {
                    yield refuse("conntrackd -c expect: this node has no expectation table (a primary without "
                            + "sync.expectation-sync): nothing done");
                }
                LOG.info("conntrackd -c expect: committed {} of {} expectations ({} expired, {} failed)",
                        x.created(), x.requested(), x.expired(), x.failed());
                yield x.failed() == 0 ? Answer.ok("") : refuse(x.failed() + " of " + x.requested()
                        + " expectations can't be committed (first: " + x.firstErrors().getFirst() + ")");
            }
            case EXP_DUMP_EXTERNAL -> Answer.ok(ExpectationText.lines(node.channel().expectationCache().entries()));
            case EXP_DUMP_INTERNAL -> {
                List<org.hftfw.conntrack.Expectation> local = node.localExpectations();
                yield local == null ? noExpectationSync(r) : Answer.ok(ExpectationText.lines(local));
            }
            case EXP_STATS -> {
                List<org.hftfw.conntrack.Expectation> local = node.localExpectations();
                yield local == null ? noExpectationSync(r)
                        : Answer.ok(ConntrackdStats.expectationCaches(local.size(), node.channel().expectationCache()));
            }
            case EXP_RESYNC_MASTER -> {
                List<org.hftfw.conntrack.Expectation> local = node.localExpectations();
                if (local == null) {
                    yield noExpectationSync(r);
                }
                kernelResyncs.incrementAndGet();
                LOG.info("conntrackd -R expect: resync with master expectation table ({} expectations; hFT-FW reads "
                        + "the kernel table when it sends and keeps no copy of it)", local.size());
                yield Answer.ok("");
            }
            case EXP_FLUSH_MASTER -> {
                int n = node.flushKernelExpectations();
                if (n < 0) {
                    yield noExpectationSync(r);
                }
                kernelFlushes.incrementAndGet();
                LOG.info("conntrackd -F expect: flushed {} expectations from the kernel table", n);
                yield Answer.ok("");
            }
            case EXP_DUMP_INT_XML -> {
                List<org.hftfw.conntrack.Expectation> local = node.localExpectations();
                yield local == null ? noExpectationSync(r) : Answer.ok(ExpectationText.xml(local));
            }
            case EXP_DUMP_EXT_XML -> Answer.ok(ExpectationText.xml(node.channel().expectationCache().entries()));
            case DEBUG_INFO -> throw new IllegalStateException("unreachable: refused before");
        };
    }

    /** conntrackd ignores its expectation verbs without ExpectationSync; the stock client would say nothing. */
    private Answer noExpectationSync(ConntrackdRequest r) {
        return refuse("conntrackd " + r.flags() + ": this node does not replicate expectations (sync.expectation-sync "
                + "is off, or ExpectationSync in conntrackd.conf): nothing done");
    }

    /**
     * {@code -c}: the external cache into the kernel table, then the peer's expectations; on an always-committed
     * backup the takeover pass {@code hftfw commit} runs (the flows are in the table: their timeouts are set and the
     * node stops applying the peer's states until {@code -n} makes it stand by again).
     */
    private Answer commit() {
        disarmPurge();
        if (node.committedBackup().isPresent()) {
            CommittedBackup.Takeover t = node.takeover();
            ConntrackTable.WriteResult w = t.result();
            LOG.info("conntrackd -c: takeover: the {} flows of the peer were already in the kernel table; set their "
                    + "timeouts in {} ms: {} updated, {} absent, {} failed", t.flows(), t.nanos() / 1_000_000,
                    w.updated(), w.absent(), w.failed());
            return w.allSucceeded() ? Answer.ok("") : refuse(w.failed() + " of " + t.flows()
                    + " flows' timeouts can't be set at the takeover"
                    + (w.firstErrors().isEmpty() ? "" : " (first: " + w.firstErrors().getFirst() + ")"));
        }
        LOG.info("conntrackd -c: committing external cache");
        SyncNode.CommitSummary c = node.commit();
        ConntrackTable.BatchResult res = c.result();
        LOG.info("Committed {} new entries, {} updated, {} failed; commit has taken {} ms", res.created(),
                res.updated(), res.failed(), c.millis());
        if (!res.allSucceeded()) {
            return refuse(res.failed() + " of " + res.requested() + " flows can't be committed"
                    + (res.firstErrors().isEmpty() ? "" : " (first: " + res.firstErrors().getFirst() + ")"));
        }
        ExpectationCache.CommitResult x = c.expectations();
        if (x != null && x.failed() > 0) {
            return refuse("the flows are committed, but " + x.failed() + " of " + x.requested()
                    + " expectations can't be (first: " + x.firstErrors().getFirst() + ")");
        }
        return Answer.ok("");
    }

    /** Empties the external cache (see {@link SyncNode#flushExternalCache}); what it did, for the log line. */
    private String flushExternal() {
        SyncNode.Flush f = node.flushExternalCache();
        return f.deletedFromKernel() ? " (" + f.flows() + " flows of the peer deleted from the kernel table: this "
                + "always-committed backup stands by)" : "";
    }

    private Answer refuse(String why) {
        refused.incrementAndGet();
        LOG.warn("control socket: {}", why);
        return new Answer(false, "hftfw: " + why + "\n", () -> { });
    }

    private void armPurge() {
        if (purge != null) {
            return;                                 // conntrackd: an alarm already pending is left as it is
        }
        LOG.info("conntrackd -t: flushing conntrack table in {} secs", purgeTimeout.toSeconds());
        purge = scheduler.schedule(this::purgeNow, purgeTimeout.toNanos());
    }

    private void disarmPurge() {
        if (purge != null) {
            purge.cancel();
            purge = null;
        }
    }

    private synchronized void purgeNow() {
        if (purge == null) {
            return;                                 // disarmed after it was due
        }
        purge = null;
        kernelFlushes.incrementAndGet();
        try {
            int n = flushReplicatedKernelFlows(true);
            node.publisher().flush();
            LOG.info("flushing kernel conntrack table (scheduled by -t): {} replicated flows deleted", n);
        } catch (ConntrackException e) {
            LOG.warn("scheduled flush of the kernel conntrack table (-t) failed: {}", e.getMessage());
        }
    }

    /** Deletes each kernel flow the filter admits; a flow gone meanwhile is not an error. */
    private int flushReplicatedKernelFlows() {
        return flushReplicatedKernelFlows(false);
    }

    /**
     * Deletes the kernel flows the filter would replicate. For {@code -t} ({@code keepPeers}) not those an
     * always-committed backup holds for its peer: {@code -t} (primary-backup.sh's backup and fault transitions)
     * removes the zombie entries a node left from when it was master; on an always-committed node the peer's flows
     * are in the same table, and deleting them would leave the next takeover with nothing (conntrackd with
     * DisableExternalCache flushes them too, then refills what the peer resends).
     */
    private int flushReplicatedKernelFlows(boolean keepPeers) {
        FlowFilter filter = node.publisher().filter();
        boolean committed = keepPeers && node.committedBackup().isPresent();
        int n = 0;
        for (ConntrackEntry e : node.table().list()) {
            if (committed && node.channel().externalCache().get(e.original(), e.zone()).isPresent()) {
                continue;
            }
            if (filter.admits(e)) {
                try {
                    node.table().delete(e.original(), e.zone());
                    n++;
                } catch (ConntrackException.NoSuchEntryException gone) {
                    // expired or deleted since the dump
                }
            }
        }
        return n;
    }

    private List<CacheDump> internal() {
        List<CacheDump> out = new ArrayList<>();
        for (ConntrackEntry e : node.publisher().held()) {
            out.add(new CacheDump(e, -1));
        }
        return out;
    }

    private List<CacheDump> external() {
        List<CacheDump> out = new ArrayList<>();
        node.channel().externalCache().forEachAged((e, age) -> out.add(new CacheDump(e, age.toSeconds())));
        return out;
    }

    private ConntrackdStats.ProcessFacts stats() {
        return new ConntrackdStats.ProcessFacts(process.eventBufferBytes(), process.device(), kernelFlushes.get(),
                kernelResyncs.get(), readFailed.get(),
                unknown.get(), process.ownReport().get());
    }

    /** A request that could not be read (the client closed early, or sent fewer than 4 bytes). */
    public void readFailed() {
        readFailed.incrementAndGet();
    }

    /** True while a {@code -t} flush is armed. */
    public synchronized boolean purgeArmed() {
        return purge != null;
    }

    /** Requests served, per request. */
    public Map<String, Long> served() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        served.forEach((r, n) -> m.put(r.name().toLowerCase(java.util.Locale.ROOT), n.get()));
        return m;
    }

    /** Requests refused or failed (the "hftfw:" answers), unknown request numbers included. */
    public long refused() {
        return refused.get();
    }

    /** Request numbers conntrackd does not define. */
    public long unknown() {
        return unknown.get();
    }

    /** Registers the request counters on {@code r}. */
    public void registerMetrics(MetricsRegistry r) {
        r.counters("hftfw_conntrackd_requests_total", "conntrackd control requests served, by request", "request",
                this::served);
        r.counter("hftfw_conntrackd_requests_refused_total", "conntrackd control requests refused or failed",
                this::refused);
    }

    @Override
    public synchronized void close() {
        disarmPurge();
    }
}
