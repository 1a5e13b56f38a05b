package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.hftfw.common.Scheduler;
import org.hftfw.conntrack.ConntrackEntry;

/**
 * The JIT warm-up of a daemon's FT-FW path, run once at start: paced bulk transfers of sample flows between two
 * in-memory engines (a sender and a receiver with a throwaway external cache) on virtual time, so that the code a
 * migration runs — feeding, encoding, packing, decoding, caching, ACK handling — is compiled before the first
 * migration needs it. The issue-10 measurement ran its first migration in a fresh daemon several times slower than
 * later ones; a warm-up of the encoder alone still left the first send 10 times slower than the second. Each round
 * is a marked bulk, as a migration to an hFT-FW peer is, so the bulk-flow marks, BULK_END, the backup's per-flow
 * count and HOLDS run too (the engines agree on the capabilities first, over the same virtual link). Nothing goes
 * on a socket and no counter of the real channel moves.
 */
final class WarmUp {
    private WarmUp() {}

    /**
     * Sends the flows of {@code samples} (a new walk per round, as a migration walks its source) {@code rounds} times
     * from one in-memory engine to another, each round as a marked bulk until ACKed and confirmed; returns how many
     * rounds the receiving engine confirmed in-band (HOLDS).
     */
    static int run(FtfwConfig cfg, ByteBufAllocator alloc, Supplier<Iterator<ConntrackEntry>> samples, int rounds) {
        VirtualTime time = new VirtualTime();
        ExternalCache cache = new ExternalCache(time);
        FtfwEngine[] ends = new FtfwEngine[2];
        ends[0] = new FtfwEngine(cfg, time, 1, alloc, d -> time.deliver(d, () -> ends[1], cfg), (t, e, x) -> { },
                sink -> { });
        ends[1] = new FtfwEngine(cfg, time, 1_000_000, alloc, d -> time.deliver(d, () -> ends[0], cfg), cache, sink -> { });
        int confirmed = 0;
        try {
            for (int step = 0; step < 1_000 && cfg.extensions() && ends[0].peerCapabilities().isEmpty(); step++) {
                time.advance(5_000_000L);
            }
            for (int r = 0; r < rounds; r++) {
                long bulk = ends[0].beginBulk(false);
                Iterator<ConntrackEntry> it = samples.get();
                BulkTransfer t = FtfwEngine.transfer(it);
                ends[0].sendPaced(t);
                for (int step = 0; step < 10_000 && !t.progress().complete(); step++) {
                    time.advance(5_000_000L);
                }
                if (bulk != 0) {
                    CompletableFuture<BulkReceipt> holds =
                            ends[0].endBulk(bulk, t.progress().acknowledged()).toCompletableFuture();
                    for (int step = 0; step < 10_000 && !holds.isDone(); step++) {
                        time.advance(5_000_000L);
                    }
                    if (holds.isDone() && !holds.isCompletedExceptionally() && holds.join().complete()) {
                        confirmed++;
                    }
                }
            }
        } finally {
            ends[0].close();
            ends[1].close();
            time.drop();
        }
        return confirmed;
    }

    /**
     * The warm-up's scheduler: what runs on it is a rehearsal between two in-memory engines, not the link, and logs
     * nothing as if it were (the handshake's "agreed capabilities" read as the peer's answer).
     */
    interface Rehearsal extends Scheduler {}

    /** A single-threaded virtual clock: tasks run in time order when {@link #advance} moves it. */
    private static final class VirtualTime implements Rehearsal {
        private record Task(long at, long order, Runnable run) {}

        private final PriorityQueue<Task> tasks = new PriorityQueue<>((x, y) ->
                x.at() != y.at() ? Long.compare(x.at(), y.at()) : Long.compare(x.order(), y.order()));
        private final ArrayDeque<ByteBuf> inFlight = new ArrayDeque<>();
        private long now;
        private long order;

        @Override
        public long nanos() {
            return now;
        }

        @Override
        public Cancellable schedule(Runnable task, long delayNanos) {
            tasks.add(new Task(now + Math.max(0, delayNanos), order++, task));
            return () -> { };
        }

        /**
         * Hands a datagram to the other engine 100 µs later; the engine is looked up then, as the first engine's
         * handshake sends before the second exists.
         */
        void deliver(ByteBuf d, java.util.function.Supplier<FtfwEngine> to, FtfwConfig cfg) {
            inFlight.add(d);
            schedule(() -> {
                inFlight.remove(d);
                to.get().receive(d, cfg.peer());
                d.release();
            }, 100_000L);
        }

        void advance(long nanos) {
            long end = now + nanos;
            Task t;
            while ((t = tasks.peek()) != null && t.at() <= end) {
                tasks.poll();
                now = t.at();
                t.run().run();
            }
            now = end;
        }

        /** Releases what is still in flight when the warm-up ends. */
        void drop() {
            tasks.clear();
            inFlight.forEach(ByteBuf::release);
            inFlight.clear();
        }
    }
}
