package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.common.Clock;
import org.junit.jupiter.api.Test;

/**
 * The wait for a writer step on virtual time: a pass far longer than the stall limit is waited for while its batches
 * keep completing; a writer that completes none for the limit is given up on, with where the pass stood.
 */
class WriterWaitTest {
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong();
    private final Clock clock = now::get;
    private final AtomicLong lastBatch = new AtomicLong();
    private final WriterWait wait = new WriterWait(clock, Duration.ofSeconds(60));

    /**
     * A writer of {@code batches} batches, each taking {@code secondsEach} of virtual time, on its own thread; with
     * {@code stuckAfterFirst}, its second batch does not complete until that latch is released.
     */
    private CompletableFuture<Integer> writer(int batches, long secondsEach, CountDownLatch stuckAfterFirst) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                for (int i = 1; i <= batches; i++) {
                    now.addAndGet(secondsEach * SECOND);
                    // the second batch is held (the kernel, a lock): time goes on passing, no batch completes
                    while (stuckAfterFirst != null && i == 2
                            && !stuckAfterFirst.await(10, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        now.addAndGet(secondsEach * SECOND);
                    }
                    lastBatch.set(now.get());
                }
                done.complete(batches);
            } catch (InterruptedException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    @Test
    void aPassLongerThanTheLimitIsWaitedForWhileItsBatchesComplete() {
        CompletableFuture<Integer> done = writer(25, 40, null);

        assertEquals(25, wait.await(done, lastBatch::get, () -> "pass"));
        assertTrue(now.get() >= 1_000 * SECOND, "1 000 s of virtual time against a 60 s limit: " + now.get());
    }

    @Test
    void aWriterThatCompletesNoBatchForTheLimitIsGivenUpOnWithWhereThePassStood() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Integer> done = writer(3, 61, release);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> wait.await(done, lastBatch::get, () -> "takeover pass: 8192 of 24576 timeouts set"));
            assertTrue(e.getMessage().contains("no batch for 60 s (takeover pass: 8192 of 24576 timeouts set)"),
                    e.getMessage());
        } finally {
            release.countDown();
        }
        assertEquals(3, done.get());
    }

    @Test
    void theWaitCountsFromItsOwnStartNotFromALongIdleWritersLastBatch() {
        now.set(3_600 * SECOND);                        // the writer's last batch was an hour ago (idle since)
        CompletableFuture<Integer> done = writer(2, 30, null);

        assertEquals(2, wait.await(done, lastBatch::get, () -> "pass"));
    }

    @Test
    void aFailedStepRethrowsItsOwnError() {
        CompletableFuture<Integer> done = CompletableFuture.failedFuture(new IllegalArgumentException("bad batch"));

        assertEquals("bad batch", assertThrows(IllegalArgumentException.class,
                () -> wait.await(done, lastBatch::get, () -> "pass")).getMessage());
    }
}
