package org.hftfw.ftfw;

import org.hftfw.common.Clock;
import org.hftfw.conntrack.FlowId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup's copy of the peer's flows (conntrackd's external cache, src/external_cache.c, src/cache-ct.c).
 *
 * <p>Design note. NEW replaces any entry with the same original tuple and zone, UPD updates or creates it (an
 * upsert), DEL removes it; there is no expiry, entries stay until a DEL or {@link #flush} (FT-FW mode). Each entry
 * remembers when it was last updated. {@link #commit} injects the cache into a conntrack table like
 * {@code conntrackd -c} ({@code cache_ct_commit}, {@code nl_create_conntrack}): master flows before related ones,
 * in batches through {@code createAll(batch, replaceExisting = true)}; the timeout is the received one minus the
 * seconds elapsed since the update, or 60 s when that is not positive (conntrackd would send no timeout at 0 and
 * have the kernel refuse the entry); {@code IPS_EXPECTED} is cleared; TCP entries get {@code BE_LIBERAL} in both
 * directions unless TCP window tracking is on. Writes come from the channel's event loop; reads from any thread.
 *
 * <p>The cache is bounded like conntrackd's ({@code HashLimit}, src/hash.c {@code hashtable_add} fails with ENOSPC
 * and {@code cache_add} counts {@code add_fail_enospc}): a NEW or UPD of a flow not yet cached is dropped when the
 * cache holds {@code limit} flows, counted, and logged at most once per {@link #LOG_INTERVAL}; updates of cached
 * flows and DELs still apply. conntrackd's default limit is 262144 and its manual advises twice
 * {@code nf_conntrack_max}.
 *
 * <p>Generations (hFT-FW peers only). Each entry keeps the receive stamp of the message that last wrote it (the
 * peer's sequence number made monotonic, {@link FtfwEngine}); at the end of the peer's full-table bulk, entries
 * stamped before the bulk began were not in the peer's table any more and are removed ({@link #onBulkEnd}), so a
 * restarted primary's resync leaves exactly its table here, and no stale flow is committed.
 *
 * <p>Flows of a bulk (the peer marks them, {@link Capability#BULK_FLOWS}). An entry also keeps the stamp of the last
 * marked state that wrote it ({@code bulkStamp}, carried over by unmarked live states while a bulk is open), and the
 * marked flows the peer deleted since the last bulk's end are remembered by id (a set the size of the bulk's
 * deletions, emptied at each end): at the bulk's end the answer counts the bulk's flows held (marked after the
 * previous end and since the bulk began) and the bulk's flows deleted, each flow once: a marked state of a deleted
 * flow takes it out of the deleted set again. Live flows created meanwhile are never marked, and deletions of flows
 * the bulk did not mark are not counted, so neither can stand in for a flow the bulk is missing.
 */
public final class ExternalCache implements FtfwEngine.Receiver {
    /** conntrackd's fallback commit timeout. */
    static final long FALLBACK_TIMEOUT = 60;
    /** conntrackd's HashLimit when none is configured (src/read_config_yy.y). */
    static final int DEFAULT_LIMIT = 262_144;
    static final long LOG_INTERVAL = 10_000_000_000L;
    private static final Logger LOG = LoggerFactory.getLogger(ExternalCache.class);
    /** What {@link #put} did. */
    private static final int REFUSED = 0;
    private static final int ADDED = 1;
    private static final int REPLACED = 2;

    private record Cached(ConntrackEntry entry, FlowExtras extras, long updatedNanos, long stamp, long bulkStamp) {}

    private final ConcurrentHashMap<FlowId, Cached> map = new ConcurrentHashMap<>();
    private final Clock nanoClock;
    private final boolean tcpWindowTracking;
    private final int commitBatch;
    private final int limit;
    private final LogLimiter overflowLog;
    private final AtomicLong overflows = new AtomicLong();
    private final AtomicLong news = new AtomicLong();
    private final AtomicLong updates = new AtomicLong();
    private final AtomicLong deletes = new AtomicLong();
    private final AtomicLong deletesUnknown = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong staleRemoved = new AtomicLong();
    /** Flows of the open bulk the peer deleted (event loop only; see the class note). */
    private final Set<FlowId> bulkFlowsDeleted = new HashSet<>();
    /** The newest stamp applied, and its value at the last bulk's end: marks up to it belong to bulks answered. */
    private long newestStamp;
    private long lastEndStamp;

    ExternalCache(Clock nanoClock) {
        this(nanoClock, false, 8192, DEFAULT_LIMIT);
    }

    ExternalCache(Clock nanoClock, boolean tcpWindowTracking, int commitBatch, int limit) {
        this.nanoClock = nanoClock;
        this.tcpWindowTracking = tcpWindowTracking;
        this.commitBatch = commitBatch;
        this.limit = limit;
        this.overflowLog = new LogLimiter(nanoClock, LOG_INTERVAL);
    }

    @Override
    public void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras) {
        apply(type, entry, extras, 0);
    }

    @Override
    public void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras, long stamp) {
        apply(type, entry, extras, stamp);
    }

    @Override
    public void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras, long stamp,
                       boolean bulkFlow) {
        apply(type, entry, entry.flowId(), extras, stamp, bulkFlow);
    }

    void apply(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras) {
        apply(type, entry, entry.flowId(), extras, 0);
    }

    /**
     * Applies a peer's state of the flow {@code id} (the channel's receiver with a listener) and says whether the
     * cache held the flow before: one map operation per state, where asking first took another.
     */
    boolean applyAndTellHeld(FtfwMessage.DataType type, ConntrackEntry entry, FlowId id, FlowExtras extras,
                             long stamp, boolean bulkFlow) {
        return apply(type, entry, id, extras, stamp, bulkFlow);
    }

    private boolean apply(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras, long stamp) {
        return apply(type, entry, entry.flowId(), extras, stamp, false);
    }

    private boolean apply(FtfwMessage.DataType type, ConntrackEntry entry, FlowId id, FlowExtras extras, long stamp) {
        return apply(type, entry, id, extras, stamp, false);
    }

    /** Applies the state ({@code bulkFlow}: marked as a flow of the peer's bulk); returns whether it was held before. */
    private boolean apply(FtfwMessage.DataType type, ConntrackEntry entry, FlowId id, FlowExtras extras, long stamp,
                          boolean bulkFlow) {
        newestStamp = Math.max(newestStamp, stamp);
        if (bulkFlow && type != FtfwMessage.DataType.DEL && !bulkFlowsDeleted.isEmpty()) {
            bulkFlowsDeleted.remove(id);            // the bulk sends it again: counted as held, or as missing
        }
        return switch (type) {
            case NEW -> {
                int r = put(id, entry, extras, stamp, bulkFlow);
                if (r != REFUSED) {
                    news.incrementAndGet();
                }
                yield r == REPLACED;
            }
            case UPD -> {
                int r = put(id, entry, extras, stamp, bulkFlow);
                if (r != REFUSED) {
                    updates.incrementAndGet();
                }
                yield r == REPLACED;
            }
            case DEL -> {
                deletes.incrementAndGet();
                Cached gone = map.remove(id);
                if (gone == null) {
                    deletesUnknown.incrementAndGet();
                }
                if (bulkFlow || (gone != null && gone.bulkStamp() > lastEndStamp)) {
                    bulkFlowsDeleted.add(id);
                }
                yield gone != null;
            }
        };
    }

    /** States refused because the cache was full (one read of a counter: asked per state by the channel). */
    long overflows() {
        return overflows.get();
    }

    /** Caches the state: {@link #ADDED}, {@link #REPLACED} a held one, or {@link #REFUSED} (the cache is full). */
    private int put(FlowId id, ConntrackEntry entry, FlowExtras extras, long stamp, boolean bulkFlow) {
        if (map.size() >= limit && !map.containsKey(id)) {
            long n = overflows.incrementAndGet();
            if (overflowLog.due()) {
                LOG.warn("external cache full ({} flows, sync.external-cache-limit): dropped a flow from the peer, "
                        + "{} dropped so far", limit, n);
            }
            return REFUSED;
        }
        // the highest stamp stays: a late datagram the peer sent before a newer state of the flow (a reordered one
        // with HELLO is applied, as conntrackd does) does not make the flow look older than its refresh; put first
        // and mend that rare case after, so a state costs one map operation (the event loop is the only writer);
        // likewise an unmarked live state keeps the mark of the open bulk's flow it updates
        long now = nanoClock.nanos();
        long bulkStamp = bulkFlow ? stamp : 0;
        Cached old = map.put(id, new Cached(entry, extras, now, stamp, bulkStamp));
        if (old != null && (old.stamp() > stamp || (!bulkFlow && old.bulkStamp() > lastEndStamp))) {
            map.put(id, new Cached(entry, extras, now, Math.max(stamp, old.stamp()),
                    bulkFlow ? bulkStamp : old.bulkStamp()));
        }
        return old == null ? ADDED : REPLACED;
    }

    /**
     * The peer's bulk that began at {@code fromStamp} ended: a full one removes every flow not written since (the
     * peer no longer has it). Returns the flows held that were written since, those removed, and per flow of the
     * bulk (see the class note) its flows held and its flows deleted.
     */
    @Override
    public FtfwEngine.BulkOutcome onBulkEnd(long fromStamp, boolean full) {
        long held = 0;
        long bulkHeld = 0;
        long bulkFrom = Math.max(fromStamp, lastEndStamp + 1);
        List<FlowId> stale = new ArrayList<>();
        for (var it = map.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Cached c = e.getValue();
            if (c.bulkStamp() >= bulkFrom) {
                bulkHeld++;
            }
            if (c.stamp() >= fromStamp) {
                held++;
            } else if (full) {
                stale.add(e.getKey());
                it.remove();
            }
        }
        staleRemoved.addAndGet(stale.size());
        long bulkDeleted = bulkFlowsDeleted.size();
        bulkFlowsDeleted.clear();
        lastEndStamp = newestStamp;
        return new FtfwEngine.BulkOutcome(held, stale, bulkHeld, bulkDeleted);
    }

    /**
     * Adds flows this node finds in its own table at start as the peer's, each only if the cache does not hold it yet,
     * with the oldest stamp: a state received since wins, and the peer's next full bulk removes every seeded flow it
     * does not resend (an always-committed backup's restart: the entries it wrote before are in its kernel table, and
     * those the peer deleted meanwhile must go). Stops at the limit. Returns how many were added.
     */
    public int seed(Collection<ConntrackEntry> entries) {
        int added = 0;
        long now = nanoClock.nanos();
        for (ConntrackEntry e : entries) {
            if (map.size() >= limit) {
                break;
            }
            if (map.putIfAbsent(e.flowId(), new Cached(e, FlowExtras.NONE, now, 0, 0)) == null) {
                added++;
            }
        }
        return added;
    }

    /** Number of cached flows. */
    public int size() {
        return map.size();
    }

    /** The cached flows as received (timeouts as sent by the peer). */
    public List<ConntrackEntry> entries() {
        List<ConntrackEntry> out = new ArrayList<>(map.size());
        for (Cached c : map.values()) {
            out.add(c.entry());
        }
        return out;
    }

    /** Each cached flow with the time since it was last received ({@code conntrackd -e}'s "active since"). */
    public void forEachAged(java.util.function.BiConsumer<ConntrackEntry, java.time.Duration> action) {
        long now = nanoClock.nanos();
        for (Cached c : map.values()) {
            action.accept(c.entry(), java.time.Duration.ofNanos(Math.max(0, now - c.updatedNanos())));
        }
    }

    /** The cached flow with this original tuple and zone. */
    public Optional<ConntrackEntry> get(Tuple original, int zone) {
        Cached c = map.get(new FlowId(original, zone));
        return c == null ? Optional.empty() : Optional.of(c.entry());
    }

    /** Whether the cache holds this flow. */
    public boolean holds(FlowId id) {
        return map.containsKey(id);
    }

    /** Empties the cache ({@code conntrackd -f external}). */
    public void flush() {
        map.clear();
    }

    /**
     * Injects every cached flow into {@code table} ({@code conntrackd -c}); the cache is kept. Returns the summed
     * result of the batches.
     */
    public ConntrackTable.BatchResult commit(ConntrackTable table) {
        commits.incrementAndGet();
        long now = nanoClock.nanos();
        List<ConntrackEntry> masters = new ArrayList<>();
        List<ConntrackEntry> related = new ArrayList<>();
        for (Cached c : map.values()) {
            (c.extras().master() == null ? masters : related).add(forCommit(c, now));
        }
        int requested = 0;
        int created = 0;
        int updated = 0;
        int failed = 0;
        List<String> errors = new ArrayList<>();
        for (List<ConntrackEntry> group : List.of(masters, related)) {
            for (int i = 0; i < group.size(); i += commitBatch) {
                Collection<ConntrackEntry> batch = group.subList(i, Math.min(group.size(), i + commitBatch));
                ConntrackTable.BatchResult r = table.createAll(batch, true);
                requested += r.requested();
                created += r.created();
                updated += r.updated();
                failed += r.failed();
                for (String e : r.firstErrors()) {
                    if (errors.size() < 10) {
                        errors.add(e);
                    }
                }
            }
        }
        return new ConntrackTable.BatchResult(requested, created, updated, failed, List.copyOf(errors));
    }

    private ConntrackEntry forCommit(Cached c, long now) {
        ConntrackEntry e = c.entry();
        long elapsed = Math.max(0, (now - c.updatedNanos()) / 1_000_000_000L);
        long timeout = e.timeout() - elapsed;
        if (e.timeout() < 0 || timeout <= 0) {
            timeout = FALLBACK_TIMEOUT;
        }
        return committable(e, timeout);
    }

    /** What a cached flow sees at commit: the peer's state as received and how long ago it arrived. */
    public interface HeldVisitor {
        void held(ConntrackEntry asReceived, long ageNanos);
    }

    /** Visits every cached flow with the age of its last update (the always-committed backup's takeover pass). */
    public void forEachHeld(HeldVisitor v) {
        long now = nanoClock.nanos();
        for (Cached c : map.values()) {
            v.held(c.entry(), Math.max(0, now - c.updatedNanos()));
        }
    }

    /**
     * The peer's state {@code e} as this node writes it into its table, with {@code timeout} seconds: EXPECTED
     * cleared, TCP "be liberal" in both directions unless TCP window tracking is on (see the class note).
     */
    public ConntrackEntry committable(ConntrackEntry e, long timeout) {
        return asWrite(e, timeout, true).committed();
    }

    /**
     * The same as a write of the peer's state that the table applies while encoding it (no committed copy per flow);
     * {@code createFirst}: try the create first (see {@link ConntrackTable.Write.Upsert}).
     */
    public ConntrackTable.Write.Commit asWrite(ConntrackEntry e, long timeout, boolean createFirst) {
        return new ConntrackTable.Write.Commit(e, timeout, !tcpWindowTracking, createFirst);
    }

    /**
     * Cache counters.
     *
     * @param overflows    NEW and UPD messages of uncached flows dropped because the cache was full
     * @param staleRemoved flows removed at the end of the peer's full bulk because the peer no longer had them
     */
    public record Stats(int size, long news, long updates, long deletes, long deletesUnknown, long commits,
                        long overflows, long staleRemoved) {}

    public Stats stats() {
        return new Stats(map.size(), news.get(), updates.get(), deletes.get(), deletesUnknown.get(), commits.get(),
                overflows.get(), staleRemoved.get());
    }
}
