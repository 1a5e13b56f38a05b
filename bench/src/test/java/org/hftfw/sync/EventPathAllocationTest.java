package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.ThreadMXBean;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.hftfw.conntrack.netlink.KernelEventFeed;
import org.hftfw.ftfw.NullSinkChannel;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 4, no allocation per event on the primary's hot path, counted exactly by the JVM on the path's thread
 * (an allocation count, not a timing): kernel-format event datagrams in ({@link KernelEventFeed#knownFlows}),
 * decoded into the reader's reused view, filtered, decided (every change, or the lazy replicator), written into the
 * internal cache and the held set, handed to the FT-FW engine, queued, encoded and packed into datagrams that a null
 * sink frees ({@link NullSinkChannel}) - the pipeline bench's path. Phase by phase over 1 024 flows: UPDATE and
 * DESTROY of known flows allocate nothing, whether every change is sent or the lazy replicator holds them back until
 * their deadline; a NEW of a flow allocates nothing either when every change is sent (its state takes the array of a
 * destroyed flow's state, {@code FlowStore#recycle}; its tuples and key come back from the decoder's cache: the flows
 * come back with the same tuples each cycle, as a flow's tuples do within its life), and with the lazy replicator
 * only the replicator's record of the new flow and its probe key.
 *
 * <p>Like the pipeline bench, the path runs on a Netty {@link FastThreadLocalThread}, as the engine does on the
 * channel's event loop: Netty recycles the datagram buffers' objects only there. Netty's leak detector is off while
 * it runs: it samples one datagram buffer in 128 and records it (1 576 bytes), a diagnostic per datagram of about
 * 30 messages, not part of the event path. A window is measured several times when needed, because a one-off of the
 * JIT (an object rematerialised by a deoptimisation) can fall into any one.
 */
class EventPathAllocationTest {
    private static final ThreadMXBean THREAD = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int FLOWS = 1024;
    private static final int UPDATE_ROUNDS = 40;
    private static final int BATCH = 64;
    private static final long GAP_NANOS = 8_333;
    private static final long TICK_NANOS = 20_000_000;
    /**
     * What the lazy replicator keeps of a new flow, in the test JVM's layout (12-byte object headers): its record of
     * the live flow ({@code FlowRecord}, 88 bytes; 80 with compact headers) and the knowledge-base key it looks the
     * flow's tuple up with ({@code KeyStats.V4}, 40 bytes), which is garbage when the tuple is known.
     */
    private static final long LAZY_FLOW_STATE = 88 + 40;

    /** Bytes the path's thread allocated in each phase of one cycle. */
    private record Cycle(long news, long updates, long destroys) {}

    @Test
    void everyChangeReplicated() throws InterruptedException {
        List<Cycle> cycles = measure(Publisher::replicateEveryChange, 0);
        Cycle last = cycles.getLast();
        assertEquals(0, last.updates(), "bytes per window of " + FLOWS * UPDATE_ROUNDS + " UPDATEs of known flows: "
                + cycles);
        assertEquals(0, last.destroys(), "bytes per window of " + FLOWS + " DESTROYs: " + cycles);
        assertEquals(0, last.news(), "bytes per window of " + FLOWS + " NEWs (each state in a destroyed flow's "
                + "array): " + cycles);
    }

    @Test
    void lazyReplication() throws InterruptedException {
        List<Cycle> cycles = measure(p -> p.replicateLazily(LazyConfig.defaults(), LearnedModel.empty()),
                FLOWS * LAZY_FLOW_STATE);
        Cycle last = cycles.getLast();
        assertEquals(0, last.updates(), "bytes per window of " + FLOWS * UPDATE_ROUNDS + " UPDATEs of known flows "
                + "(held back and sent at their deadlines): " + cycles);
        assertEquals(0, last.destroys(), "bytes per window of " + FLOWS + " DESTROYs: " + cycles);
        assertTrue(last.news() <= FLOWS * LAZY_FLOW_STATE, "a NEW allocates the replicator's state of a new flow "
                + "at most: " + (double) last.news() / FLOWS + " B per NEW; " + cycles);
    }

    /**
     * Cycles of the phases until one has UPDATE and DESTROY allocate nothing and its NEWs at most {@code newBytes}, or
     * 20 of them; their figures (a one-off of the JIT can fall into the NEW window as into the others).
     */
    private static List<Cycle> measure(Consumer<Publisher> mode, long newBytes) throws InterruptedException {
        ResourceLeakDetector.Level leakDetection = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        try {
            return cycles(mode, newBytes);
        } finally {
            ResourceLeakDetector.setLevel(leakDetection);
        }
    }

    private static List<Cycle> cycles(Consumer<Publisher> mode, long newBytes) throws InterruptedException {
        List<Cycle> cycles = new ArrayList<>();
        Throwable[] failed = new Throwable[1];
        Thread t = new FastThreadLocalThread(() -> {
            Path p = new Path(mode);
            for (int warm = 0; warm < 20; warm++) {
                p.cycle();
            }
            for (int c = 0; c < 20 && (cycles.isEmpty() || cycles.getLast().updates() + cycles.getLast().destroys()
                    != 0 || cycles.getLast().news() > newBytes); c++) {
                cycles.add(p.cycle());
            }
        }, "event-path-allocation");
        t.setUncaughtExceptionHandler((thread, e) -> failed[0] = e);
        t.start();
        t.join();
        if (failed[0] != null) {
            throw new AssertionError("the path failed", failed[0]);
        }
        return cycles;
    }

    /** The pipeline bench's path over the phases of {@link KernelEventFeed#knownFlows}. */
    private static final class Path {
        private final KernelEventFeed feed = KernelEventFeed.knownFlows(FLOWS, UPDATE_ROUNDS, GAP_NANOS);
        private final NullSinkChannel channel = new NullSinkChannel(feed.clock());
        private final Publisher publisher;
        private long nextTick;

        Path(Consumer<Publisher> mode) {
            ChannelOutbound out = new ChannelOutbound();
            out.attach(channel.batch());
            publisher = new Publisher(new FlowFilter(List.of(), Set.of()), out, feed.clock());
            mode.accept(publisher);
            feed.deliverTo(publisher);
        }

        Cycle cycle() {
            long a0 = THREAD.getCurrentThreadAllocatedBytes();
            deliver(FLOWS);
            long a1 = THREAD.getCurrentThreadAllocatedBytes();
            deliver(FLOWS * UPDATE_ROUNDS);
            long a2 = THREAD.getCurrentThreadAllocatedBytes();
            deliver(FLOWS);
            long a3 = THREAD.getCurrentThreadAllocatedBytes();
            assertEquals(0, feed.malformed());
            return new Cycle(a1 - a0, a2 - a1, a3 - a2);
        }

        /** {@code n} events in batches as the event reader hands them over, the loop and the ticks keeping up. */
        private void deliver(int n) {
            for (int done = 0; done < n; done += BATCH) {
                feed.deliver(Math.min(BATCH, n - done));
                feed.endOfBatch();
                long now = feed.clock().nanos();
                if (now >= nextTick) {
                    publisher.tick();
                    nextTick = now + TICK_NANOS;
                }
                channel.runLoop();
            }
        }
    }
}
