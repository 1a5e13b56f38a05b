package org.hftfw.sync;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.hftfw.common.Clock;

/**
 * Waits for a step of the backup's kernel writer ({@link CommittedBackup}) for as long as the writer makes progress:
 * the wait fails only when no batch of its writes completed for {@code stall}, not when the whole step takes longer
 * than some fixed time.
 *
 * <p>Why: a takeover pass or a standby re-arm writes one timeout per held flow, in batches. At 1 000 000 flows on a
 * loaded machine that took more than the 60 s one deadline for the whole step allowed (926 000 of 1 000 000 set, the
 * migration reported FAILED for a table that was merely large, docs/performance.md). A writer that still completes a
 * batch every few seconds is working; one that completed none for a minute is stuck (the kernel, a lock), and that is
 * what the deadline is for.
 */
final class WriterWait {
    /** The longest real-time slice of one wait: the clock decides, and a test's clock is virtual. */
    private static final long SLICE_MILLIS = 50;

    private final Clock clock;
    private final Duration stall;

    /**
     * @param clock the writer's clock: {@code lastBatch} and the deadline are read on it
     * @param stall how long the writer may complete no batch before the wait fails
     */
    WriterWait(Clock clock, Duration stall) {
        this.clock = clock;
        this.stall = stall;
    }

    /**
     * The step's result once {@code done} completes. Fails (IllegalStateException, with {@code where}) when no batch
     * completed for {@code stall}: {@code lastBatch} is the clock's time of the writer's last completed batch; the wait
     * counts from its own start when that is later.
     */
    <T> T await(Future<T> done, LongSupplier lastBatch, Supplier<String> where) {
        long start = clock.nanos();
        long stallNanos = stall.toNanos();
        while (true) {
            try {
                return done.get(SLICE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            } catch (TimeoutException e) {
                // now first, then the last batch: a batch completed in between only makes the gap smaller
                long now = clock.nanos();
                long since = Math.max(start, lastBatch.getAsLong());
                if (now - since > stallNanos) {
                    throw new IllegalStateException("the backup writer completed no batch for " + stall.toSeconds()
                            + " s (" + where.get() + ")", e);
                }
            }
        }
    }
}
