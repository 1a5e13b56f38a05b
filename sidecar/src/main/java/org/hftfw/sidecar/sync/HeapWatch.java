package org.hftfw.sidecar.sync;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.hftfw.common.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says in one clear line when the flow tables are outgrowing the heap, before the heap runs out.
 *
 * <p>Design note. The daemon's heap is sized to its tables ({@code -Xmx} in its JVM options, about 0.5 KB per flow,
 * docs/daemon.md "Footprint"); a table that outgrows it ends in an OutOfMemoryError, and then the process exits
 * ({@code -XX:+ExitOnOutOfMemoryError}) so that its supervisor restarts it and the peer resynchronises it. Before
 * that, every {@link #PERIOD} on the timer thread, this looks at what the heap held after its last collections (the
 * live data, not the garbage since): at {@link #WARN} of the maximum it logs one ERROR naming the option to raise, and
 * one INFO when it is back under {@link #REARM}.
 */
final class HeapWatch {
    static final Duration PERIOD = Duration.ofSeconds(10);
    static final double WARN = 0.85;
    static final double REARM = 0.75;
    private static final Logger LOG = LoggerFactory.getLogger(HeapWatch.class);

    private final LongSupplier liveBytes;
    private final long maxBytes;
    private boolean warned;

    HeapWatch(LongSupplier liveBytes, long maxBytes) {
        this.liveBytes = liveBytes;
        this.maxBytes = maxBytes;
    }

    /** Watches this JVM's heap on {@code timers} until they close. */
    static void every(Scheduler timers) {
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isCollectionUsageThresholdSupported()).toList();
        HeapWatch w = new HeapWatch(() -> afterCollection(heap), Runtime.getRuntime().maxMemory());
        var _ = timers.every(PERIOD, w::check);
    }

    /** What each heap pool held after its last collection, summed. */
    private static long afterCollection(List<MemoryPoolMXBean> pools) {
        long used = 0;
        for (MemoryPoolMXBean p : pools) {
            MemoryUsage u = p.getCollectionUsage();
            used += u == null ? 0 : u.getUsed();
        }
        return used;
    }

    /** One look; true while the heap is past {@link #WARN} (warned once). */
    boolean check() {
        long live = liveBytes.getAsLong();
        double full = (double) live / maxBytes;
        if (!warned && full >= WARN) {
            warned = true;
            LOG.error(String.format(Locale.ROOT, "the Java heap is %.0f %% full after garbage collection (%d of %d MB): "
                    + "the flow tables are outgrowing it; raise -Xmx in the daemon's JVM options (/etc/hftfw/daemon.jvm,"
                    + " about 0.5 MB per 1 000 flows) and restart it, or the daemon will exit when the heap runs out",
                    100 * full, live >> 20, maxBytes >> 20));
        } else if (warned && full < REARM) {
            warned = false;
            LOG.info(String.format(Locale.ROOT, "the Java heap is back to %.0f %% full after garbage collection",
                    100 * full));
        }
        return warned;
    }
}
