package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.management.ThreadMXBean;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.common.VirtualScheduler;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.FlowId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 4, no allocation per event: the stage from the publisher to the FT-FW engine's transmit queue - the
 * batched hand-off to the loop ({@link PublishBatch}) and the queueing of a known flow's newer state - allocates
 * nothing in steady state, counted exactly by the JVM on this thread (an allocation count, not a timing). The
 * stages before and after it (decoding into entries, the encoded state of the internal cache, datagram buffers)
 * still allocate; {@code hftfw bench pipeline} prints the whole path's bytes per event.
 */
class HandOffAllocationTest {
    private static final ThreadMXBean THREAD = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int FLOWS = 1024;

    private final VirtualScheduler clock = new VirtualScheduler();
    private final ArrayDeque<Runnable> loop = new ArrayDeque<>();
    private final FtfwEngine engine = new FtfwEngine(FtfwConfig.builder(SimLink.config().bind(),
            SimLink.config().peer()).extensions(false).build(), clock, 1, UnpooledByteBufAllocator.DEFAULT,
            datagram -> datagram.release(), new ExternalCache(clock), sink -> { });
    private final PublishBatch batch = new PublishBatch(loop::add, engine);
    private final ConntrackEntry[][] states = new ConntrackEntry[FLOWS][2];
    private final FlowId[] ids = new FlowId[FLOWS];

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void aKnownFlowsChangeIsHandedOverAndQueuedWithoutAllocating() {
        for (int f = 0; f < FLOWS; f++) {
            states[f][0] = RandomEntries.tcpFlow(f, 120);
            states[f][1] = RandomEntries.tcpFlow(f, 300);
            ids[f] = states[f][0].flowId();
        }
        publish(0, 200_000);                                // warm-up: every flow queued, the code compiled
        // A window of 100 000 changes in which the thread allocated nothing proves that no change allocates: one
        // that did would add to every window. Several windows, because a one-off of the JIT (an object
        // rematerialised by a deoptimisation, a few hundred bytes) can fall into any one of them.
        List<Long> windows = new ArrayList<>();
        THREAD.getCurrentThreadAllocatedBytes();
        for (int w = 0; w < 20 && (windows.isEmpty() || windows.getLast() != 0); w++) {
            long before = THREAD.getCurrentThreadAllocatedBytes();
            publish(200_000 + w * 100_000, 100_000);
            windows.add(THREAD.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(0L, windows.getLast(), "bytes allocated per window of 100 000 changes of known flows: " + windows);
        assertEquals(FLOWS, engine.pendingFlows(), "each flow waits once, in its latest state");
    }

    /** {@code n} changes, the flows in turn, in batches as the event reader hands them over, the loop keeping up. */
    private void publish(int first, int n) {
        for (int i = first; i < first + n; i++) {
            int f = i % FLOWS;
            batch.add(EventType.UPDATE, states[f][(i / FLOWS) & 1], ids[f]);
            if (i % 64 == 63) {
                batch.flush();
                for (Runnable task; (task = loop.poll()) != null; ) {
                    task.run();
                }
            }
        }
    }
}
