package org.hftfw.sidecar.sync;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.hftfw.common.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the Java heap back to the kernel after a burst of flows: a full collection once the old generation holds
 * clearly more than was live after the last one.
 *
 * <p>Design note. The serial collector (conf/daemon.jvm) promotes what a burst keeps in flight (decoded events, the
 * resend queue's states until the peer acknowledges them) into the old generation, grows the old generation for it,
 * and gives memory back only at a full collection, which does not come while the old generation has room: after
 * 100 000 new flows `hftfw bench footprint` found 68 MB of old generation committed for 38 MB live, for as long as
 * the daemon ran. Every {@link #PERIOD} on the timer thread this looks at the old generation's use, which only grows
 * between full collections, against what it held after the last one, and asks for a full collection
 * ({@link System#gc()}) when
 * <ul>
 *   <li>it grew by {@link #GROWTH} of that and at least {@link #MIN_GROWTH} (a burst, or a table that grows), and the
 *       last period promoted less than {@link #BUSY_PROMOTION}: a full collection stops the event loops, the event
 *       reader and the backup's kernel writer for tens to hundreds of milliseconds, so it waits until a migration's
 *       bulk or a burst of new flows has passed instead of landing in the middle of one (where it would also count
 *       what is in flight as live and need a second one), or
 *   <li>nothing was promoted for a period (quiet) and either it grew by {@link #QUIET_GROWTH} and at least
 *       {@link #MIN_QUIET_GROWTH}, or the last full collection ran while objects were being promoted (the collector's
 *       own or one of the above in the middle of a burst: it counted what was in flight as live), or it freed at
 *       least {@link #MIN_QUIET_GROWTH} and was not itself such a follow-up. A burst's states stay referenced for
 *       seconds after the last promotion (the resend queue until the peer's ACK, the lazy replicator's deferred
 *       sends): a collection in the first quiet period after 100 000 new flows found 31 MB live where the one 2 s
 *       later found 27 MB, and without that second one the daemon kept the 4 MB (3.5-4 MB of RSS at 100 000 flows
 *       in half the runs of {@code hftfw bench footprint}, {@code -Xlog:gc}).
 * </ul>
 * Neither while {@code hold} says the daemon's own work would stop behind it: the always-committed backup's kernel
 * writer trailing a migration's bulk allocates little, so the old generation looks quiet while hundreds of thousands
 * of received states wait to be written, and a full collection of a 1 000 000-flow heap stopped that writer for 2.4 s
 * in the middle of a migration (docs/performance.md §5, session 10); it comes once the writer has caught up.
 * With {@code -XX:MaxHeapFreeRatio} and {@code -XX:-ShrinkHeapInSteps} the collection uncommits all but the live data
 * and that free ratio. A table that really grew is found live, the mark moves up with it, and the next collection
 * waits for the next growth: at most one full collection per tenth of growth and per period, and one after a burst,
 * about what the collector itself does when the old generation fills. Only for the serial collector (its old pool is "Tenured Gen"): the others
 * have their own ways ({@code G1PeriodicGCInterval}).
 */
final class HeapShrink {
    static final Duration PERIOD = Duration.ofSeconds(2);
    static final double GROWTH = 0.25;
    static final long MIN_GROWTH = 8L << 20;
    static final double QUIET_GROWTH = 0.1;
    static final long MIN_QUIET_GROWTH = 4L << 20;
    /**
     * Promotion in one period above which the daemon is busy (a migration's bulk, a burst): a 25 000-flow migration
     * promotes tens of MB within a period, steady traffic of 2 000 new flows/s about 1 MB.
     */
    static final long BUSY_PROMOTION = 4L << 20;
    private static final String SERIAL_OLD_POOL = "Tenured Gen";
    private static final Logger LOG = LoggerFactory.getLogger(HeapShrink.class);

    private final LongSupplier used;
    private final LongSupplier liveAfterFullCollection;
    private final Runnable collect;
    private final BooleanSupplier hold;
    /** The use at the last look, -1 before the first. */
    private long lastUsed = -1;
    /** What was live after the full collection seen at the last look. */
    private long lastLive;
    /**
     * The last full collection ran while objects were being promoted, or it freed what a burst left without being
     * the follow-up of one: one more once it is quiet.
     */
    private boolean inFlight;

    HeapShrink(LongSupplier used, LongSupplier liveAfterFullCollection, Runnable collect, BooleanSupplier hold) {
        this.used = used;
        this.liveAfterFullCollection = liveAfterFullCollection;
        this.collect = collect;
        this.hold = hold;
    }

    /**
     * Watches this JVM's old generation on {@code timers} until they close, collecting only while {@code hold} is
     * false; false where it is not the serial collector.
     */
    static boolean every(Scheduler timers, BooleanSupplier hold) {
        Optional<MemoryPoolMXBean> old = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getName().equals(SERIAL_OLD_POOL)).findFirst();
        if (old.isEmpty()) {
            LOG.debug("not the serial collector: the heap is left to the collector's own sizing");
            return false;
        }
        MemoryPoolMXBean pool = old.get();
        HeapShrink s = new HeapShrink(() -> pool.getUsage().getUsed(), () -> {
            MemoryUsage u = pool.getCollectionUsage();
            return u == null ? 0 : u.getUsed();
        }, System::gc, hold);
        var _ = timers.every(PERIOD, s::check);
        return true;
    }

    /** One look; true if it collected. */
    boolean check() {
        long live = liveAfterFullCollection.getAsLong();
        long now = used.getAsLong();
        boolean quiet = now == lastUsed && live == lastLive;
        if (live != lastLive && lastUsed >= 0) {
            inFlight = true; // the collector's own full collection, when the old generation filled
        }
        long grown = now - live;
        boolean busy = lastUsed >= 0 && now - lastUsed >= BUSY_PROMOTION;
        boolean due = (!busy && grown >= Math.max(MIN_GROWTH, (long) (live * GROWTH)))
                || (quiet && (inFlight || grown >= Math.max(MIN_QUIET_GROWTH, (long) (live * QUIET_GROWTH))));
        if (due && hold.getAsBoolean()) {
            due = false;
            LOG.debug("full collection to give back the old generation held off: the daemon's own work would stop");
        }
        if (due) {
            boolean followUp = quiet && inFlight;
            collect.run();
            long freed = now - liveAfterFullCollection.getAsLong();
            inFlight = !followUp && (!quiet || freed >= MIN_QUIET_GROWTH);
            LOG.debug("full collection to give back the old generation: {} MB used, {} MB live after the last one",
                    now >> 20, live >> 20);
        }
        lastUsed = used.getAsLong();
        lastLive = liveAfterFullCollection.getAsLong();
        return due;
    }
}
