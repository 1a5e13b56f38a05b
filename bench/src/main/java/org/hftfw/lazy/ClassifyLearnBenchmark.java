package org.hftfw.lazy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.models.DefaultModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Classify + learn cost per event of {@link LazyReplicator}, beside a replicate-everything baseline (the same event
 * loop handing every event to the sink). Events: seeded HTTP-like TCP flows (7 events each, RTT 5-50 ms) over
 * {@code keys} distinct [src, dst, dport] tuples, interleaved by start time, pre-built so that only processing is
 * timed. One operation is one pass over all events by a fresh replicator (it learns from an empty knowledge base,
 * as a node does after a restart, or from the shipped model as a prior: {@code model = shipped}); the figure is per
 * event. Mode: the daemon's default, DEFER.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(ClassifyLearnBenchmark.EVENTS)
public class ClassifyLearnBenchmark {
    /** 142 857 flows of 7 events: about 7 flows per tuple, so that most classifications meet a tuple seen before. */
    static final int EVENTS = 142_857 * 7;

    @Param("20000")
    public int keys;

    /** Starting knowledge: none, or the shipped model (a prior, issue 13: two more prefix sums per decision). */
    @Param({"none", "shipped"})
    public String model;

    private List<ConntrackEvent> events;
    private long sent;
    private ReplicationSink counting;
    private LazyReplicator replicator;
    private LearnedModel initial;

    @Setup(Level.Trial)
    public void generateEvents() throws java.io.IOException {
        events = generate(EVENTS, keys, 42);
        counting = (e, at) -> sent++;
        initial = model.equals("shipped") ? DefaultModel.load() : LearnedModel.empty();
    }

    @Setup(Level.Invocation)
    public void freshReplicator() {
        replicator = new LazyReplicator(LazyConfig.defaults().withMaxKeys(2L * keys), counting, () -> 0, initial);
    }

    @Benchmark
    public long baselineReplicateAll() {
        for (ConntrackEvent e : events) {
            counting.send(e, e.monotonicNanos());
        }
        return sent;
    }

    @Benchmark
    public long lazyReplicator() {
        for (ConntrackEvent e : events) {
            replicator.onEvent(e);
        }
        return sent;
    }

    static List<ConntrackEvent> generate(int events, int keys, long seed) throws UnknownHostException {
        SplittableRandom rnd = new SplittableRandom(seed);
        InetAddress[] src = new InetAddress[keys];
        InetAddress[] dst = new InetAddress[keys];
        double[] rtt = new double[keys];
        for (int k = 0; k < keys; k++) {
            src[k] = InetAddress.getByAddress(new byte[] {10, 1, (byte) (k >>> 8), (byte) k});
            dst[k] = InetAddress.getByAddress(new byte[] {10, 2, (byte) (k % 97), (byte) (k % 89)});
            rtt[k] = 5 + 45 * rnd.nextDouble();
        }
        int flows = events / 7;
        List<ConntrackEvent> out = new ArrayList<>(flows * 7);
        double start = 0;
        TcpState[] seq = {TcpState.SYN_SENT, TcpState.SYN_RECV, TcpState.ESTABLISHED, TcpState.FIN_WAIT,
            TcpState.LAST_ACK, TcpState.TIME_WAIT};
        for (int f = 0; f < flows; f++) {
            start += rnd.nextDouble() * 0.2;
            int k = rnd.nextInt(keys);
            Tuple t = Tuple.ports(src[k], dst[k], IpProto.TCP, 32768 + (f % 28000), 443);
            double at = start;
            for (int s = 0; s < seq.length; s++) {
                ConntrackEntry e = ConntrackEntry.builder(t).tcpState(seq[s]).id(f)
                        .status(s >= 2 ? Status.ASSURED | Status.SEEN_REPLY : 0).build();
                out.add(new ConntrackEvent(s == 0 ? EventType.NEW : EventType.UPDATE, e, (long) (at * 1e6), 0));
                at += s == 2 ? 50 + 400 * rnd.nextDouble() : s == 5 ? 120_000 : rtt[k];
            }
            out.add(new ConntrackEvent(EventType.DESTROY, ConntrackEntry.builder(t).tcpState(TcpState.TIME_WAIT)
                    .id(f).build(), (long) (at * 1e6), 0));
        }
        out.sort(java.util.Comparator.comparingLong(ConntrackEvent::monotonicNanos));
        return out;
    }
}
