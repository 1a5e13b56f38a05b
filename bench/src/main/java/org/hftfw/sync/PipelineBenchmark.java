package org.hftfw.sync;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.hftfw.bench.CpuRate;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.EventView;
import org.hftfw.conntrack.netlink.KernelEventFeed;
import org.hftfw.ftfw.NullSinkChannel;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The primary's whole event path on one thread, kernel bytes in, datagrams out (issue 14, item 4): kernel-format
 * event datagrams ({@link KernelEventFeed}: TCP lifecycles, NEW/UPDATE/DESTROY, 1 024 flows interleaved, one event
 * per 8.3 µs of virtual time, the 120 000 events/s of four parallel {@code conntrack -R} loaders) are decoded
 * ({@code CtDecoder}), filtered and decided by the {@link Publisher} (every change, or the Bayes lazy replicator
 * learning online from an empty model, swept every 20 ms of virtual time as the demo's node does), handed to the
 * FT-FW engine as the channel does (one event-loop task per batch), encoded and packed into datagrams that a null sink frees
 * ({@link NullSinkChannel}). The peer never acknowledges, so the resend queue runs full and recycles its oldest
 * node, as behind a silent peer. One operation is one event; each invocation delivers a batch of {@value #BATCH}
 * events and then runs the event loop. Baseline: the same events decoded (into the reader's reused view, as the event
 * path reads them) and dropped, the floor of the pipeline.
 * {@code -prof gc} gives the allocation per event ({@code gc.alloc.rate.norm}). Each iteration also prints its
 * events per CPU-second of the benchmark thread ({@link CpuRate}): the per-core rate the goals name (1 M events/s
 * replicate-all, 500 k lazy), which on a shared machine JMH's wall-clock score understates by the share of a core
 * the thread did not get.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(PipelineBenchmark.BATCH)
public class PipelineBenchmark {
    static final int BATCH = 64;
    private static final int FLOWS = 65_536;
    private static final int CONCURRENT = 1024;
    private static final long GAP_NANOS = 8_333;
    private static final long TICK_NANOS = 20_000_000;

    /** Decoded events, dropped: each one's view read once (its id summed), as the event path's first stage does. */
    @State(Scope.Thread)
    public static class DecodeOnly {
        KernelEventFeed feed;
        long ids;
        private final CpuRate cpu = new CpuRate("decode only");

        @Setup(Level.Trial)
        public void setUp() {
            feed = KernelEventFeed.tcpLifecycles(FLOWS, CONCURRENT, GAP_NANOS).deliverTo(new ConntrackEventListener() {
                @Override
                public void onEvent(ConntrackEvent e) {
                    onEvent((EventView) e);
                }

                @Override
                public void onEvent(EventView e) {
                    ids += e.entry().id();
                }
            });
        }

        @Setup(Level.Iteration)
        public void startIteration() {
            cpu.start(feed.delivered());
        }

        @TearDown(Level.Iteration)
        public void endIteration() {
            cpu.stop(feed.delivered());
        }
    }

    /** The event path: decode, filter, replication mode, FT-FW engine, null sink. */
    @State(Scope.Thread)
    public abstract static class Path {
        KernelEventFeed feed;
        NullSinkChannel channel;
        Publisher publisher;
        private long nextTick;
        private final CpuRate cpu = new CpuRate(getClass().getSimpleName());

        @Setup(Level.Trial)
        public void setUp() {
            feed = KernelEventFeed.tcpLifecycles(FLOWS, CONCURRENT, GAP_NANOS);
            channel = new NullSinkChannel(feed.clock());
            ChannelOutbound out = new ChannelOutbound();
            out.attach(channel.batch());
            publisher = new Publisher(new FlowFilter(List.of(), Set.of()), out, feed.clock());
            mode(publisher);
            feed.deliverTo(publisher);
        }

        abstract void mode(Publisher p);

        @Setup(Level.Iteration)
        public void startIteration() {
            cpu.start(feed.delivered());
        }

        @TearDown(Level.Iteration)
        public void endIteration() {
            cpu.stop(feed.delivered());
        }

        void batch() {
            feed.deliver(BATCH);
            feed.endOfBatch();
            long now = feed.clock().nanos();
            if (now >= nextTick) {
                publisher.tick();
                nextTick = now + TICK_NANOS;
            }
            channel.runLoop();
        }

        @TearDown(Level.Trial)
        public void report() {
            Publisher.Stats s = publisher.stats();
            System.out.printf("%n%s: %,d events, %,d published (%.1f%%), %,d FT-FW messages in %,d datagrams "
                    + "(%.1f B/datagram), %d malformed%n", getClass().getSimpleName(), feed.delivered(), s.published(),
                    100.0 * s.published() / Math.max(1, feed.delivered()), channel.messages(), channel.datagrams(),
                    (double) channel.bytes() / Math.max(1, channel.datagrams()), feed.malformed());
        }
    }

    /** Every change replicated, as conntrackd does. */
    public static class ReplicateAll extends Path {
        @Override
        void mode(Publisher p) {
            p.replicateEveryChange();
        }
    }

    /** The lazy replicator decides. */
    public static class Lazy extends Path {
        @Override
        void mode(Publisher p) {
            p.replicateLazily(LazyConfig.defaults(), LearnedModel.empty());
        }
    }

    @Benchmark
    public long baselineDecodeOnly(DecodeOnly s) {
        s.feed.deliver(BATCH);
        s.feed.endOfBatch();
        return s.ids;
    }

    @Benchmark
    public void replicateAll(ReplicateAll s) {
        s.batch();
    }

    @Benchmark
    public void lazy(Lazy s) {
        s.batch();
    }
}
