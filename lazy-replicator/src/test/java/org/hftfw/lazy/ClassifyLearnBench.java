package org.hftfw.lazy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;

/**
 * Benchmark (not a test): classify + learn cost per event of {@link LazyReplicator}, beside a replicate-everything
 * baseline (the same event loop handing every event to the sink) in the same run. Events: seeded HTTP-like TCP
 * flows (7 events each, RTT 5-50 ms) over {@code keys} distinct [src, dst, dport] tuples, interleaved by start time,
 * pre-built so that only processing is timed. Run with {@code lazy-replicator/bench.sh}.
 */
public final class ClassifyLearnBench {
    private ClassifyLearnBench() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        List<ConntrackEvent> list = generate(events, keys, 42);
        System.out.printf(Locale.ROOT, "%d events, %d flows, %d keys%n", list.size(), list.size() / 7, keys);
        long[] sink = new long[1];
        ReplicationSink counting = (e, at) -> sink[0]++;
        int rounds = 10;
        double[] lazyNs = new double[rounds];
        double[] baseNs = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            long t0 = System.nanoTime();
            for (ConntrackEvent e : list) {
                counting.send(e, e.monotonicNanos());
            }
            long base = System.nanoTime() - t0;

            LazyReplicator r = new LazyReplicator(LazyConfig.defaults().withMaxKeys(2 * keys), counting, () -> 0);
            t0 = System.nanoTime();
            for (ConntrackEvent e : list) {
                r.onEvent(e);
            }
            long lazy = System.nanoTime() - t0;
            ReplicatorMetrics m = r.metrics();
            lazyNs[round] = (double) lazy / list.size();
            baseNs[round] = (double) base / list.size();
            System.out.printf(Locale.ROOT, "round %d  replicate-all baseline %7.1f ns/event   lazy replicator %7.1f "
                            + "ns/event = %,.0f events/s   (saved %.1f%%, wrong %.2f%%, kb %d tuples)%n", round,
                    (double) base / list.size(), (double) lazy / list.size(), list.size() * 1e9 / lazy,
                    100 * m.saved(), 100 * m.wrongRate(), m.knowledgeBaseSize());
        }
        java.util.Arrays.sort(lazyNs, 2, rounds);
        java.util.Arrays.sort(baseNs, 2, rounds);
        double med = lazyNs[2 + (rounds - 2) / 2];
        System.out.printf(Locale.ROOT, "after 2 warm-up rounds: replicate-all baseline median %.1f ns/event; lazy "
                        + "replicator median %.1f ns/event (%,.0f events/s), best %.1f ns/event; sink calls %d%n",
                baseNs[2 + (rounds - 2) / 2], med, 1e9 / med, lazyNs[2], sink[0]);
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
