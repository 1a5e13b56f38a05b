package org.hftfw.lazy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeSet;
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
 * Development tool (not a test): does a candidate feature pay? Unlike {@link org.hftfw.models.HindsightBound}
 * (fitted on the log it scores, so finer contexts always look better) this one is <b>cross-fitted</b>: the flows are split in two by
 * flow (original tuple) hash parity, contexts are counted on one half and scored on the other (and the other way round), so a
 * feature only helps if what it learned on some flows holds on others. Every feature is what the replicator could
 * know at the event: the RTT is the flow's own handshake RTT once measured, else its client's last one; a previous
 * lifetime counts only once that state has ended.
 *
 * <p>Base context: (state, port class, previous lifetime ÷ RTT bucket, B ÷ RTT in quarter octaves), the
 * replicator's. Candidate features (letters in the second argument):
 * <ul>
 *   <li>{@code e}: the flow's elapsed time since NEW ÷ RTT (half octaves);</li>
 *   <li>{@code t}: the same [src, dst, dport] tuple's last ended lifetime of this state ÷ RTT (half octaves, or
 *       none);</li>
 *   <li>{@code c}: the same client's (source address) last ended lifetime of this state ÷ RTT;</li>
 *   <li>{@code s}: whether the tuple's last ended state of this kind was stable (the paper's per-tuple counters,
 *       depth one);</li>
 *   <li>{@code p}: the lifetime of the state before the previous one, ÷ RTT (half octaves, unbounded; none for
 *       the first two states of a flow);</li>
 *   <li>{@code f}: the previous lifetime ÷ RTT in half octaves without the base's floor at RTT/16;</li>
 *   <li>{@code d}: the exact protocol and destination port instead of only its port class;</li>
 *   <li>{@code v}: the service's ([dst, dport], over all clients) share of stable among its ended states of this
 *       kind: none, fewer than 5, 0, ≤ 10 %, ≤ 50 %, more.</li>
 * </ul>
 * A context seen fewer than 5 times on the fitting half falls back to the base context, then to "send". For each
 * threshold on the fitted P(SS), the changes at or below it are held; printed: the largest share of transitional
 * changes held on the scoring halves at wrong ≤ 0.5 % and ≤ 1 % of labelled changes.
 *
 * <p>Usage: {@code FeatureValue LOG|mix:SEED:PROFILE[:FLOWS] [LETTERS]}
 */
public final class FeatureValue {
    private static final long B = 200_000_000L;
    private static final int MIN = 5;

    private record Change(boolean fold, boolean stable, String base, String full) {}

    public static void main(String[] args) throws Exception {
        List<ConntrackEvent> ev;
        if (args[0].startsWith("mix:")) {
            String[] f = args[0].split(":", -1);
            ev = MixTraces.generate(TrafficMix.random(Long.parseLong(f[1]), f[2]), 1,
                    f.length > 3 ? Integer.parseInt(f[3]) : 3000);
        } else {
            ev = FlowLogs.read(Path.of(args[0]), FlowLogs.Progress.NONE).events();
        }
        String features = args.length > 1 ? args[1] : "";
        List<Change> changes = changes(ev, features);
        long labelled = changes.size();
        long ts = changes.stream().filter(c -> !c.stable()).count();
        double[] at = new double[] {0.005, 0.01};
        long[] best = new long[at.length];
        long[] bestWrong = new long[at.length];
        List<Map<String, long[]>> fit = fits(changes);
        TreeSet<Double> thresholds = new TreeSet<>();
        List<double[]> scored = new ArrayList<>();
        for (Change c : changes) {
            Map<String, long[]> m = fit.get(c.fold() ? 0 : 1);
            long[] n = m.get(c.full());
            if (n == null || n[0] + n[1] < MIN) {
                n = m.get(c.base());
            }
            if (n == null || n[0] + n[1] < MIN) {
                continue;
            }
            double p = (n[1] + 0.5) / (n[0] + n[1] + 1.0);
            thresholds.add(p);
            scored.add(new double[] {p, c.stable() ? 1 : 0});
        }
        for (double thr : thresholds) {
            long held = 0;
            long wrong = 0;
            for (double[] s : scored) {
                if (s[0] <= thr) {
                    if (s[1] > 0) {
                        wrong++;
                    } else {
                        held++;
                    }
                }
            }
            for (int k = 0; k < at.length; k++) {
                if (wrong <= at[k] * labelled && held > best[k]) {
                    best[k] = held;
                    bestWrong[k] = wrong;
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s [%s]: %d labelled, %d transitional", args[0], features, labelled, ts);
        for (int k = 0; k < at.length; k++) {
            System.out.printf(Locale.ROOT, "; wrong <= %.1f %%: %.1f %% held (wrong %.3f %%)", 100 * at[k],
                    100.0 * best[k] / ts, 100.0 * bestWrong[k] / labelled);
        }
        System.out.println();
    }

    private static List<Map<String, long[]>> fits(List<Change> changes) {
        List<Map<String, long[]>> fit = List.of(new HashMap<>(), new HashMap<>());
        for (Change c : changes) {
            Map<String, long[]> m = fit.get(c.fold() ? 1 : 0);   // fitted on the other fold
            m.computeIfAbsent(c.full(), k -> new long[2])[c.stable() ? 1 : 0]++;
            if (!c.full().equals(c.base())) {
                m.computeIfAbsent(c.base(), k -> new long[2])[c.stable() ? 1 : 0]++;
            }
        }
        return fit;
    }

    private record Ended(long at, String tupleKey, String clientKey, String serviceKey, long life, boolean stable) {}

    private static List<Change> changes(List<ConntrackEvent> ev, String features) {
        Map<FlowId, Integer> last = new HashMap<>();
        long[] life = new long[ev.size()];
        java.util.Arrays.fill(life, -1);
        for (int i = 0; i < ev.size(); i++) {
            FlowId id = ev.get(i).entry().flowId();
            Integer p = last.get(id);
            if (p != null) {
                life[p] = ev.get(i).monotonicNanos() - ev.get(p).monotonicNanos();
            }
            if (ev.get(i).type() == EventType.DESTROY) {
                last.remove(id);
            } else {
                last.put(id, i);
            }
        }
        Map<FlowId, Long> start = new HashMap<>();
        Map<FlowId, Long> rtt = new HashMap<>();
        Map<FlowId, Long> stateStart = new HashMap<>();
        Map<FlowId, Long> prevLife = new HashMap<>();
        Map<Object, Long> clientRtt = new HashMap<>();
        Map<String, long[]> tupleLast = new HashMap<>();
        Map<String, long[]> clientLast = new HashMap<>();
        Map<String, long[]> service = new HashMap<>();
        PriorityQueue<Ended> ended = new PriorityQueue<>((a, b) -> Long.compare(a.at(), b.at()));
        List<Change> out = new ArrayList<>();
        for (int i = 0; i < ev.size(); i++) {
            ConntrackEvent e = ev.get(i);
            long now = e.monotonicNanos();
            while (!ended.isEmpty() && ended.peek().at() <= now) {
                Ended x = ended.poll();
                tupleLast.put(x.tupleKey(), new long[] {x.life(), x.stable() ? 1 : 0});
                clientLast.put(x.clientKey(), new long[] {x.life(), x.stable() ? 1 : 0});
                service.computeIfAbsent(x.serviceKey(), k -> new long[2])[x.stable() ? 1 : 0]++;
            }
            FlowId id = e.entry().flowId();
            Tuple o = e.entry().original();
            Long s = stateStart.get(id);
            long prev = s == null || e.type() == EventType.NEW ? -1 : now - s;
            Long before = e.type() == EventType.NEW ? null : prevLife.get(id);
            long prev2 = before == null ? -1 : before;
            prevLife.put(id, prev);
            stateStart.put(id, now);
            if (e.type() == EventType.NEW) {
                start.put(id, now);
                rtt.remove(id);
            }
            boolean confirmed = e.entry().l4proto() == IpProto.TCP ? e.entry().tcpState() == TcpState.ESTABLISHED
                    : e.entry().hasStatus(Status.SEEN_REPLY);
            if (confirmed && !rtt.containsKey(id) && start.containsKey(id) && e.type() != EventType.NEW) {
                rtt.put(id, now - start.get(id));
                if (o.l4proto() == IpProto.TCP) {
                    clientRtt.put(o.src(), now - start.get(id));
                }
            }
            if (e.type() == EventType.DESTROY || life[i] < 0) {
                continue;
            }
            Long r = rtt.containsKey(id) ? rtt.get(id) : clientRtt.get(o.src());
            int state = StateIds.of(e.entry());
            String base = state + "/" + FeatureEncoder.portClass(o.l4proto(), o.dport()) + "/"
                    + (r == null ? 0 : LatencyScaledModel.prevBucket(prev, r)) + "/"
                    + (r == null ? "-" : Long.toString((long) Math.floor(Math.log((double) B / r) / Math.log(2) * 4)));
            String tupleKey = o.src() + ">" + o.dst() + ":" + o.dport() + "/" + state;
            String clientKey = o.src() + "/" + state;
            String serviceKey = o.dst() + ":" + o.dport() + "/" + state;
            StringBuilder full = new StringBuilder(base);
            if (features.contains("p")) {
                full.append("|p").append(prev2 < 0 ? "none" : Integer.toString(ratioBucket(prev2, r)));
            }
            if (features.contains("f")) {
                full.append("|f").append(prev < 0 ? "none" : Integer.toString(ratioBucket(prev, r)));
            }
            if (features.contains("d")) {
                full.append("|d").append(o.l4proto()).append('/').append(o.dport());
            }
            if (features.contains("e")) {
                full.append("|e").append(ratioBucket(now - start.getOrDefault(id, now), r));
            }
            if (features.contains("t")) {
                long[] t = tupleLast.get(tupleKey);
                full.append("|t").append(t == null ? "none" : Integer.toString(ratioBucket(t[0], r)));
            }
            if (features.contains("c")) {
                long[] c = clientLast.get(clientKey);
                full.append("|c").append(c == null ? "none" : Integer.toString(ratioBucket(c[0], r)));
            }
            if (features.contains("s")) {
                long[] t = tupleLast.get(tupleKey);
                full.append("|s").append(t == null ? "none" : t[1]);
            }
            if (features.contains("v")) {
                long[] v = service.get(serviceKey);
                long n = v == null ? 0 : v[0] + v[1];
                full.append("|v").append(n == 0 ? "none" : n < MIN ? "few" : v[1] == 0 ? "0"
                        : v[1] * 10 <= n ? "10" : v[1] * 2 <= n ? "50" : "more");
            }
            boolean stable = life[i] >= B;
            out.add(new Change(Math.floorMod(id.hashCode(), 2) == 0, stable, base, full.toString()));
            ended.add(new Ended(now + life[i], tupleKey, clientKey, serviceKey, life[i], stable));
        }
        return out;
    }

    /** Half-octave bucket of v ÷ RTT (−1 without an RTT). */
    private static int ratioBucket(long v, Long rtt) {
        if (rtt == null || rtt <= 0) {
            return -1;
        }
        return (int) Math.floor(2 * Math.log(Math.max(v, 1) / (double) rtt) / Math.log(2));
    }
}
