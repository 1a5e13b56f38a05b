package org.hftfw.ftfw;

import org.hftfw.common.VirtualScheduler;
import org.hftfw.conntrack.FlowId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.hftfw.conntrack.ConntrackEntry;

/**
 * Two protocol engines joined by a simulated lossy link on virtual time. Side A is the primary: {@link #truth}
 * holds its table (the latest published state of every live flow); side B keeps an external cache.
 */
final class SimLink {
    /** Decides the fate of the n-th datagram on one direction. */
    interface Policy {
        /** Delay in ns, or -1 to drop. */
        long fate(long n, Random rnd);
    }

    static final long MS = 1_000_000L;
    static final long SEC = 1_000_000_000L;
    static final Policy PERFECT = (n, r) -> 200_000L;

    final VirtualScheduler clock = new VirtualScheduler();
    final Random rnd;
    final ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
    final Map<FlowId, ConntrackEntry> truth = new HashMap<>();
    final FtfwConfig cfg;
    /** What A's bulk sends read: its table ({@link #truth}) unless a test says otherwise. */
    FtfwEngine.BulkSource sourceA = sink -> truth.values().forEach(sink);
    /** Where A's bulk source is read (at once unless a test says otherwise). */
    java.util.concurrent.Executor bulkExecutorA = Runnable::run;
    /** B's configuration (A's unless given). */
    final FtfwConfig cfgB;
    FtfwEngine a;
    FtfwEngine b;
    ExternalCache cacheA;
    ExternalCache cacheB;
    Policy aToB = PERFECT;
    Policy bToA = PERFECT;
    boolean duplicate;
    long sentAtoB;
    long sentBtoA;
    long dropped;

    SimLink(FtfwConfig cfg, long seed, long seqA, long seqB) {
        this(cfg, cfg, seed, seqA, seqB);
    }

    SimLink(FtfwConfig cfg, FtfwConfig cfgB, long seed, long seqA, long seqB) {
        this(cfg, cfgB, seed, seqA, seqB, d -> false);
    }

    SimLink(FtfwConfig cfg, FtfwConfig cfgB, long seed, long seqA, long seqB,
            java.util.function.Predicate<ByteBuf> dropAtoB) {
        this.dropAtoB = dropAtoB;
        this.cfg = cfg;
        this.cfgB = cfgB;
        this.rnd = new Random(seed);
        cacheA = new ExternalCache(clock);
        cacheB = new ExternalCache(clock);
        a = newA(seqA);
        b = newB(seqB);
    }

    static FtfwConfig config() {
        return FtfwConfig.of(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 1),
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 2));
    }

    FtfwEngine newA(long seq) {
        return new FtfwEngine(cfg, clock, (int) seq, alloc, d -> deliver(d, true), cacheA, sourceA, bulkExecutorA);
    }

    FtfwEngine newB(long seq) {
        return new FtfwEngine(cfgB, clock, (int) seq, alloc, d -> deliver(d, false), cacheB, FtfwEngine.BulkSource.NONE);
    }

    /** Replaces B by a fresh engine (a restarted backup): new cache contents are kept unless told otherwise. */
    void restartB(long seq, boolean flushCache) {
        b.close();
        if (flushCache) {
            cacheB.flush();
        }
        b = newB(seq);
    }

    /** Replaces A by a fresh engine (a restarted primary) that answers RESYNC from {@link #truth}. */
    void restartA(long seq) {
        a.close();
        a = newA(seq);
    }

    /** Hands every datagram on a direction to {@code tap} too (a copy, released by the caller). */
    java.util.function.Consumer<ByteBuf> tapAtoB;

    /** Rewrites every datagram, both ways, as it arrives (a test's stand-in for another build); null for none. */
    java.util.function.Consumer<ByteBuf> rewrite;

    /** Drops the datagrams from A it matches, from A's first (none unless a test says otherwise). */
    final java.util.function.Predicate<ByteBuf> dropAtoB;

    private void deliver(ByteBuf d, boolean fromA) {
        if (fromA && tapAtoB != null) {
            tapAtoB.accept(d.copy());
        }
        if (fromA && dropAtoB.test(d)) {
            dropped++;
            d.release();
            return;
        }
        long n = fromA ? sentAtoB++ : sentBtoA++;
        long delay = (fromA ? aToB : bToA).fate(n, rnd);
        if (delay < 0) {
            dropped++;
            d.release();
            return;
        }
        ByteBuf copy = duplicate ? d.copy() : null;
        clock.schedule(() -> {
            if (rewrite != null) {
                rewrite.accept(d);
            }
            (fromA ? b : a).receive(d, cfg.peer());
            d.release();
        }, delay);
        if (copy != null) {
            clock.schedule(() -> {
                (fromA ? b : a).receive(copy, cfg.peer());
                copy.release();
            }, delay + 50_000L);
        }
    }

    void publish(FtfwMessage.DataType type, ConntrackEntry e) {
        if (type == FtfwMessage.DataType.DEL) {
            truth.remove(e.flowId());
        } else {
            truth.put(e.flowId(), e);
        }
        a.publish(type, e, FlowExtras.NONE);
    }

    /** True when B's cache holds exactly A's table. */
    boolean converged() {
        if (cacheB.size() != truth.size()) {
            return false;
        }
        for (ConntrackEntry e : truth.values()) {
            if (!cacheB.get(e.original(), e.zone()).map(e::equals).orElse(false)) {
                return false;
            }
        }
        return true;
    }
}
