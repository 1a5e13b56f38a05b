package org.hftfw.lazy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.models.MixTraces;
import org.hftfw.models.TrafficMix;
import org.hftfw.models.logs.FlowLogs;

/**
 * Development tool (not a test): how many transitional state changes ANY classifier using the replicator's features
 * could hold back at a given wrong rate, fitted in hindsight on the very log it is scored on (so an upper bound, and
 * an optimistic one: every flow's own handshake RTT is used even for the states before it is measured). Contexts are
 * (state, port class, previous lifetime ÷ RTT bucket, log2(B / RTT) in 1/N octave); the contexts with the lowest
 * share of stable changes are held first until the wrong budget is spent.
 *
 * <p>Usage: {@code HindsightBound LOG|mix:SEED:PROFILE [RTT-BINS-PER-OCTAVE]}
 */
public final class HindsightBound {
    private static final long B = 200_000_000L;

    public static void main(String[] args) throws Exception {
        List<ConntrackEvent> ev;
        if (args[0].startsWith("mix:")) {
            String[] f = args[0].split(":", -1);
            ev = MixTraces.generate(TrafficMix.random(Long.parseLong(f[1]), f[2]), 1, 3000);
        } else {
            ev = FlowLogs.read(Path.of(args[0]), FlowLogs.Progress.NONE).events();
        }
        double perOctave = args.length > 1 ? Double.parseDouble(args[1]) : 4;
        Map<FlowId, Integer> last = new HashMap<>();
        Map<FlowId, Long> start = new HashMap<>();
        Map<FlowId, Long> rtt = new HashMap<>();
        long[] life = new long[ev.size()];
        Arrays.fill(life, -1);
        for (int i = 0; i < ev.size(); i++) {
            ConntrackEvent e = ev.get(i);
            FlowId id = e.entry().flowId();
            Integer p = last.get(id);
            if (p != null) {
                life[p] = e.monotonicNanos() - ev.get(p).monotonicNanos();
            }
            if (e.type() == EventType.NEW) {
                start.put(id, e.monotonicNanos());
            }
            boolean confirmed = e.entry().l4proto() == IpProto.TCP ? e.entry().tcpState() == TcpState.ESTABLISHED
                    : e.entry().hasStatus(Status.SEEN_REPLY);
            if (confirmed && !rtt.containsKey(id) && start.containsKey(id)) {
                rtt.put(id, e.monotonicNanos() - start.get(id));
            }
            if (e.type() == EventType.DESTROY) {
                last.remove(id);
            } else {
                last.put(id, i);
            }
        }
        Map<FlowId, Long> stateStart = new HashMap<>();
        Map<String, long[]> contexts = new HashMap<>();
        long labelled = 0;
        long ts = 0;
        for (int i = 0; i < ev.size(); i++) {
            ConntrackEvent e = ev.get(i);
            FlowId id = e.entry().flowId();
            Long s = stateStart.get(id);
            long prev = s == null || e.type() == EventType.NEW ? -1 : e.monotonicNanos() - s;
            stateStart.put(id, e.monotonicNanos());
            if (e.type() == EventType.DESTROY || life[i] < 0) {
                continue;
            }
            labelled++;
            Long r = rtt.get(id);
            Tuple o = e.entry().original();
            String key = StateIds.of(e.entry()) + "/" + FeatureEncoder.portClass(o.l4proto(), o.dport()) + "/"
                    + (r == null ? 0 : LatencyScaledModel.prevBucket(prev, r)) + "/"
                    + (r == null ? "-" : Long.toString((long) Math.floor(Math.log((double) B / r) / Math.log(2)
                    * perOctave)));
            long[] c = contexts.computeIfAbsent(key, k -> new long[2]);
            if (life[i] < B) {
                c[0]++;
                ts++;
            } else {
                c[1]++;
            }
        }
        List<long[]> order = new ArrayList<>(contexts.values());
        order.sort(Comparator.comparingDouble(c -> (double) c[1] / (c[0] + c[1])));
        System.out.printf(Locale.ROOT, "%s: %d labelled state changes, %d transitional, %d contexts%n", args[0],
                labelled, ts, contexts.size());
        for (double budget : new double[] {0.0, 0.002, 0.005, 0.01}) {
            long held = 0;
            long wrong = 0;
            for (long[] c : order) {
                if (wrong + c[1] > budget * labelled) {
                    break;
                }
                held += c[0];
                wrong += c[1];
            }
            System.out.printf(Locale.ROOT, "  wrong <= %.1f %%: %d of %d transitional changes held (%.1f %%), "
                    + "wrong %.3f %%%n", 100 * budget, held, ts, 100.0 * held / ts, 100.0 * wrong / labelled);
        }
    }
}
