package org.hftfw.ftfw;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.common.Clock;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.ExpectationTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup's copy of the peer's expectations (conntrackd's external expectation cache, src/cache-exp.c), kept
 * whatever this node's own ExpectationSync says, as conntrackd does.
 *
 * <p>Design note. NEW and UPD store the expectation (an upsert) with the time it arrived, DEL removes it; no expiry
 * of its own (FT-FW), but {@link #commit} skips expectations whose received timeout has run out since: the kernel
 * has no use for an expectation its master's helper would long have dropped. {@link #commit} follows
 * {@code cache_exp_commit_step}: each expectation is created with the received timeout minus the seconds since it
 * arrived, an existing one replaced. It must run after the flows' commit, since the kernel refuses an expectation
 * whose master conntrack is absent (ENOENT) or has no helper (EOPNOTSUPP); those failures are counted and the first
 * logged. Writes come from the channel's event loop, reads and commits from any thread.
 *
 * <p>Bounded like the flows' external cache (conntrackd's {@code HashLimit}, {@code sync.external-cache-limit}): a
 * NEW or UPD of an expectation not held yet while the cache is full is refused and counted ({@link #overflows}),
 * the first one of every 10 s logged. Without it, the peer (or whoever sends from its address on an
 * unauthenticated link) could grow it without end (review14 G2: 50 000 held with a limit of 10).
 */
public final class ExpectationCache {
    private static final Logger LOG = LoggerFactory.getLogger(ExpectationCache.class);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private record Held(Expectation exp, long receivedNanos) {}

    /** The outcome of a commit: created, skipped because their timeout ran out, failed, and the first errors. */
    public record CommitResult(int requested, int created, int expired, int failed, List<String> firstErrors) {}

    /** Cache counters. */
    public record Stats(int size, long news, long updates, long deletes, long commits) {}

    private final ConcurrentHashMap<Expectation.Id, Held> map = new ConcurrentHashMap<>();
    private final Clock clock;
    private final AtomicLong news = new AtomicLong();
    private final AtomicLong updates = new AtomicLong();
    private final AtomicLong deletes = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong overflows = new AtomicLong();
    private final int limit;
    private final LogLimiter overflowLog;

    /** A cache bounded by conntrackd's default {@code HashLimit}. */
    public ExpectationCache(Clock clock) {
        this(clock, ExternalCache.DEFAULT_LIMIT);
    }

    /** @param limit the most expectations held ({@code sync.external-cache-limit}) */
    public ExpectationCache(Clock clock, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("expectation cache limit " + limit);
        }
        this.clock = clock;
        this.limit = limit;
        this.overflowLog = new LogLimiter(clock, ExternalCache.LOG_INTERVAL);
    }

    /** Applies one of the peer's expectation messages. */
    public void apply(EventType type, Expectation e) {
        if (type != EventType.DESTROY && map.size() >= limit && !map.containsKey(e.id())) {
            long n = overflows.incrementAndGet();
            if (overflowLog.due()) {
                LOG.warn("expectation cache full ({} held, sync.external-cache-limit): the peer's expectation {} "
                        + "refused ({} refused so far)", map.size(), e, n);
            }
            return;
        }
        switch (type) {
            case NEW -> {
                map.put(e.id(), new Held(e, clock.nanos()));
                news.incrementAndGet();
            }
            case UPDATE -> {
                map.put(e.id(), new Held(e, clock.nanos()));
                updates.incrementAndGet();
            }
            case DESTROY -> {
                map.remove(e.id());
                deletes.incrementAndGet();
            }
        }
    }

    /** The held expectations with the timeout each has left now (-1 where none was received). */
    public List<Expectation> entries() {
        long now = clock.nanos();
        List<Expectation> out = new ArrayList<>(map.size());
        for (Held h : map.values()) {
            out.add(remaining(h, now));
        }
        return out;
    }

    public int size() {
        return map.size();
    }

    /** Empties the cache ({@code conntrackd -f external}). */
    public void flush() {
        map.clear();
    }

    /**
     * Writes every held expectation into {@code table} ({@code conntrackd -c expect}); the cache is kept. Call it
     * after the flows were committed.
     */
    public CommitResult commit(ExpectationTable table) {
        commits.incrementAndGet();
        long now = clock.nanos();
        int requested = 0;
        int created = 0;
        int expired = 0;
        int failed = 0;
        List<String> errors = new ArrayList<>();
        for (Held h : map.values()) {
            requested++;
            Expectation e = remaining(h, now);
            if (e.timeout() == 0) {
                expired++;
                continue;
            }
            try {
                table.create(e, true);
                created++;
            } catch (ConntrackException ex) {
                failed++;
                if (errors.size() < 10) {
                    errors.add(e + ": " + ex.getMessage());
                }
            }
        }
        if (failed > 0) {
            LOG.warn("expectation commit: {} of {} failed, first: {}", failed, requested, errors.getFirst());
        }
        return new CommitResult(requested, created, expired, failed, List.copyOf(errors));
    }

    /** {@code h}'s expectation with its received timeout less the seconds since it arrived, never below 0. */
    private static Expectation remaining(Held h, long now) {
        Expectation e = h.exp();
        if (e.timeout() < 0) {
            return e;
        }
        long elapsed = Math.max(0, now - h.receivedNanos()) / NANOS_PER_SECOND;
        return e.withTimeout(Math.max(0, e.timeout() - elapsed));
    }

    /** The peer's expectations refused because the cache was full. */
    public long overflows() {
        return overflows.get();
    }

    public Stats stats() {
        return new Stats(map.size(), news.get(), updates.get(), deletes.get(), commits.get());
    }
}
