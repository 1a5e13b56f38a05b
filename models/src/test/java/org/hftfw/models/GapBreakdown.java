package org.hftfw.models;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;

/**
 * Development tool (not a test): where Bayes DEFER loses the oracle's savings on one generated mix, per (state,
 * service, whether the client's RTT was known at the event, the client's true RTT against B). For each group: the
 * transitional changes (TS), how many of them Bayes sent at their event time (the lost savings), the stable ones
 * (SS) and how many it held (wrong), and what a <b>bound</b> holds: P(SS) per context (state, service, previous
 * lifetime and the one before it ÷ the client's true RTT, B ÷ true RTT in 1/16 octave) fitted on 8 other traffic
 * seeds of the same mix, every client's RTT known from its first packet, held up to the threshold that holds the
 * most TS at wrong ≤ 0.5 %: what a predictor with these features, the exact service and 8 times more data than the
 * log could hold. The Bayes model is trained on the other mixes of a {@code --mixes 12} run, as a prior (K = 5).
 *
 * <p>Usage: {@code GapBreakdown SEED [FLOWS] [BARRIER]} (the profile follows the seed as in {@link MixLab}).
 */
public final class GapBreakdown {
    private static final Duration L = Duration.ofMillis(100);
    private static final int FIT_SEEDS = 8;
    private static final int TOP = 25;

    private GapBreakdown() {}

    public static void main(String[] args) {
        long seed = Long.parseLong(args[0]);
        int flows = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        double barrier = args.length > 2 ? Double.parseDouble(args[2]) : 0.125;
        MixLab.Spec spec = new MixLab.Spec(12, 1000, flows, barrier, List.of(Mode.DEFER), LearnedModel.empty(), 5);
        List<TrafficMix> mixes = MixLab.mixes(spec);
        List<List<ConntrackEvent>> rest = new ArrayList<>();
        TrafficMix mix = null;
        List<ConntrackEvent> log = null;
        for (TrafficMix m : mixes) {
            List<ConntrackEvent> l = MixTraces.generate(m, 1, flows);
            if (m.seed() == seed) {
                mix = m;
                log = l;
            } else {
                rest.add(l);
            }
        }
        if (mix == null) {
            throw new IllegalArgumentException("seed " + seed + " is not one of the 12 mixes from 1000");
        }
        LearnedModel others = Training.trainEvents(rest, L).asPrior(5);
        Trace t = Trace.of(log, L);
        long[] sent = new long[t.n];
        Schedules.bayes(t, new Policy.Bayes(LazyConfig.defaults().withBarrier(barrier).withMode(Mode.DEFER), others),
                sent);
        System.out.println(mix.describe());

        String[] group = new String[t.n];
        String[] context = new String[t.n];
        describe(t, mix, group, context);
        // the bound: P(SS) per context fitted on FIT_SEEDS other traffic seeds of the same mix (8× the data, every
        // client's true RTT from its first packet), then the threshold that holds the most TS at wrong <= 0.5 %
        Map<String, long[]> fit = new HashMap<>();
        for (int seedOffset = 2; seedOffset < 2 + FIT_SEEDS; seedOffset++) {
            Trace ft = Trace.of(MixTraces.generate(mix, seedOffset, flows), L);
            String[] fc = new String[ft.n];
            describe(ft, mix, new String[ft.n], fc);
            for (int i = 0; i < ft.n; i++) {
                if (fc[i] != null) {
                    fit.computeIfAbsent(fc[i], k -> new long[2])[ft.label[i] == Trace.SS ? 1 : 0]++;
                }
            }
        }
        double[] p = new double[t.n];
        java.util.TreeSet<Double> thresholds = new java.util.TreeSet<>();
        long labelled = 0;
        for (int i = 0; i < t.n; i++) {
            if (context[i] != null) {
                long[] n = fit.get(context[i]);
                p[i] = n == null ? 1 : (n[1] + 0.5) / (n[0] + n[1] + 1.0);
                thresholds.add(p[i]);
                labelled++;
            }
        }
        double best = -1;
        long bestHeld = -1;
        for (double thr : thresholds) {
            long held = 0;
            long wrong = 0;
            for (int i = 0; i < t.n; i++) {
                if (context[i] != null && p[i] <= thr) {
                    if (t.label[i] == Trace.SS) {
                        wrong++;
                    } else {
                        held++;
                    }
                }
            }
            if (wrong <= 0.005 * labelled && held > bestHeld) {
                bestHeld = held;
                best = thr;
            }
        }
        // per group: TS, TS sent at event, SS, SS held, TS the bound holds, SS the bound holds
        Map<String, long[]> g = new TreeMap<>();
        long[] total = new long[6];
        for (int i = 0; i < t.n; i++) {
            if (group[i] == null) {
                continue;
            }
            long[] c = g.computeIfAbsent(group[i], k -> new long[6]);
            boolean ts = t.label[i] == Trace.TS;
            boolean atEvent = sent[i] == t.time[i];
            boolean boundHolds = p[i] <= best;
            long[] add = {ts ? 1 : 0, ts && atEvent ? 1 : 0, ts ? 0 : 1, !ts && !atEvent ? 1 : 0,
                    ts && boundHolds ? 1 : 0, !ts && boundHolds ? 1 : 0};
            for (int k = 0; k < add.length; k++) {
                c[k] += add[k];
                total[k] += add[k];
            }
        }
        System.out.printf(Locale.ROOT, "labelled %d, TS %d; Bayes: TS held %.1f %% of TS, SS held %d (wrong %.3f %%);"
                        + " bound (fitted on %d other traffic seeds, threshold %.3f): TS held %.1f %%, wrong %.3f %%%n",
                labelled, total[0], 100.0 * (total[0] - total[1]) / total[0], total[3],
                100.0 * total[3] / labelled, FIT_SEEDS, best, 100.0 * total[4] / total[0],
                100.0 * total[5] / labelled);
        Map<String, long[]> byState = new TreeMap<>();
        g.forEach((k, v) -> {
            long[] c = byState.computeIfAbsent(k.substring(0, k.indexOf(' ')), x -> new long[6]);
            for (int j = 0; j < c.length; j++) {
                c[j] += v[j];
            }
        });
        System.out.print("TS sent at event by state (share of all TS sent):");
        byState.forEach((k, v) -> {
            if (v[1] > 0) {
                System.out.printf(Locale.ROOT, " %s %d (%.0f %%)", k, v[1], 100.0 * v[1] / total[1]);
            }
        });
        System.out.println();
        System.out.printf(Locale.ROOT, "%-35s %6s %6s %6s %6s %6s %6s%n", "state service rtt-known rtt-band", "TS",
                "TSsent", "SS", "SSheld", "bndTS", "bndSS");
        g.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
                .filter(x -> x.getValue()[1] + x.getValue()[3] > 0).limit(TOP)
                .forEach(x -> System.out.printf(Locale.ROOT, "%-35s %6d %6d %6d %6d %6d %6d%n", x.getKey(),
                        x.getValue()[0], x.getValue()[1], x.getValue()[2], x.getValue()[3], x.getValue()[4],
                        x.getValue()[5]));
    }

    /** Per labelled change of {@code t}: its report group and its bound context (null for the others). */
    private static void describe(Trace t, TrafficMix mix, String[] group, String[] context) {
        Map<String, Integer> known = new HashMap<>();
        Map<Integer, Long> stateStart = new HashMap<>();
        Map<Integer, Long> lastLifetime = new HashMap<>();
        for (int i = 0; i < t.n; i++) {
            ConntrackEvent e = t.events.get(i);
            int f = t.flow[i];
            Tuple o = e.entry().original();
            byte[] a = o.src().getAddress();
            int client = ((a[2] & 0xff) - 1) << 8 | (a[3] & 0xff);
            double rttMs = mix.clientRttMs()[client];
            long rtt = (long) (rttMs * 1e6);
            Long s = stateStart.get(f);
            long prev = s == null || e.type() == EventType.NEW ? -1 : t.time[i] - s;
            long before = prev < 0 ? -1 : lastLifetime.getOrDefault(f, -1L);
            lastLifetime.put(f, prev);
            stateStart.put(f, t.time[i]);
            String host = o.src().getHostAddress();
            boolean rttKnown = known.containsKey(host) || (o.l4proto() == IpProto.TCP
                    && e.entry().tcpState() == TcpState.ESTABLISHED);
            if (o.l4proto() == IpProto.TCP && e.entry().tcpState() == TcpState.ESTABLISHED) {
                known.put(host, 1);
            }
            if (t.destroy[i] || t.label[i] == Trace.UNKNOWN) {
                continue;
            }
            String svc = (o.l4proto() == IpProto.TCP ? "tcp/" : "udp/") + o.dport();
            String band = rttMs < 100 ? "<B/2" : rttMs < 200 ? "<B" : rttMs < 400 ? "<2B" : ">=2B";
            group[i] = String.format(Locale.ROOT, "%-12s %-9s %-5s %-5s", t.stateNames.get(t.state[i]), svc,
                    rttKnown ? "known" : "unkn", band);
            context[i] = t.stateNames.get(t.state[i]) + svc + "/" + prevBucket(prev, rtt) + "/"
                    + prevBucket(before, rtt) + "/" + (long) Math.floor(Math.log(200.0 / rttMs) / Math.log(2) * 16);
        }
    }

    private static int prevBucket(long prev, long rtt) {
        if (prev < 0) {
            return 0;
        }
        if (prev * 16 < rtt) {
            return 1;
        }
        return Math.max(2, Math.min(23, (int) Math.floor(2 * Math.log((double) prev / rtt) / Math.log(2)) + 10));
    }
}
