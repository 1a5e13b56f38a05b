package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hftfw.common.Await;
import org.hftfw.conntrack.ConntrackEntry;
import org.junit.jupiter.api.Test;

/**
 * A thread waiting for a transfer's milestones ({@link BulkTransfer#awaitMilestone}) is woken when the loop publishes
 * that the source is exhausted and again when the last flow is acknowledged, not when it polls next: each wait here
 * is a minute long, so a missed wake-up fails the test.
 */
class BulkTransferTest {
    private static final long MINUTE = 60_000_000_000L;

    @Test
    void aWaiterWakesWhenTheTransferIsFedAndAgainWhenItCompletes() throws Exception {
        List<ConntrackEntry> entries = List.of(RandomEntries.tcpFlow(1, 600), RandomEntries.tcpFlow(2, 600));
        BulkTransfer t = new BulkTransfer(entries.iterator(), () -> { });
        AtomicBoolean sawFed = new AtomicBoolean();
        AtomicBoolean sawComplete = new AtomicBoolean();
        Thread waiter = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (!t.progress().fed()) {
                    t.awaitMilestone(false, MINUTE);
                }
                sawFed.set(true);
                while (!t.progress().complete()) {
                    t.awaitMilestone(true, MINUTE);
                }
                sawComplete.set(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        // the event loop: both entries queued (no milestone), then the source found exhausted
        while (t.next() != null) {
            t.queued();
            t.publish();
        }
        t.publish();
        assertTrue(Await.await(sawFed::get, 10_000), "woken when fed: " + t.progress());
        assertFalse(sawComplete.get(), "two flows outstanding: " + t.progress());

        t.acknowledged();
        t.publish();
        t.acknowledged();
        t.publish();
        assertTrue(Await.await(sawComplete::get, 10_000), "woken when complete: " + t.progress());
        waiter.join();
    }

    @Test
    void aMilestoneAlreadyPassedDoesNotWait() throws Exception {
        BulkTransfer t = new BulkTransfer(List.<ConntrackEntry>of().iterator(), () -> { });
        assertNull(t.next());
        t.publish();

        // fed and complete already: returns at once, not after its minute
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> t.awaitMilestone(false, MINUTE));
        assertTrue(t.progress().complete(), t.progress().toString());
    }
}
