package org.hftfw.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.hftfw.bench.Figures;
import org.hftfw.predictor.Alert;
import org.hftfw.predictor.AlertListener;
import org.hftfw.predictor.Availability;
import org.hftfw.predictor.Metric;
import org.hftfw.predictor.Predictor;
import org.hftfw.predictor.PredictorConfig;
import org.hftfw.predictor.Reading;
import org.hftfw.predictor.SourceSample;

/**
 * Fault sample → decision latency: {@code Predictor.observe} plus {@code PolicyDaemon.onAlerts} for EDAC samples
 * (2 controllers × 4 DIMMs, 24 readings) on virtual time, with a CE burst and a UE every 2 000 samples so that
 * alerts and migration orders occur; the policy is reset after each order. The baseline hands the same samples
 * through a no-op listener (what the clock and the harness cost). The paper's §V asks for fast runtime decisions:
 * the goal is p99 ≤ 1 ms. For the samples that ordered a migration it also prints the time from the sample to the
 * {@code migrate}/{@code migrateNow} call itself. Logging is part of the path: run it with a backend (slf4j-simple
 * on the class path, stderr to a file) to see its cost. Run by {@code hftfw policy bench [--samples N]} (default
 * 200 000, after a third as many warm-up samples).
 *
 * <p>Not JMH: the figure that matters is the tail over the few samples (one in 2 000) that order a migration, told
 * apart from the others within one run. {@link PolicyDecisionBenchmark} measures the steady per-sample cost under
 * JMH.
 */
public final class DecisionLatencyBench {

    private DecisionLatencyBench() {}

    /** Measures {@code n} samples after {@code n / 3} warm-up samples and prints the figures. */
    public static void run(int n) {
        int warm = Math.max(n / 3, 1);
        Workload baseWork = new Workload();
        long[] base = new long[n];
        long[] ours = new long[n];
        long[] withDecision = new long[n];
        long[] toOrder = new long[n];
        int decisions = 0;
        long sink = 0;

        AlertListener noop = (now, alerts) -> { };
        for (int i = 0; i < n + warm; i++) {
            SourceSample s = baseWork.next();
            long t0 = System.nanoTime();
            noop.onAlerts(s.timeNanos(), List.of());
            sink += s.readings().size();
            long t1 = System.nanoTime();
            if (i >= warm) {
                base[i - warm] = t1 - t0;
            }
        }

        long[] orders = {0};
        long[] orderedAt = {0};
        MigrationActions counting = new MigrationActions() {
            @Override
            public void migrate(Reason r) {
                orderedAt[0] = System.nanoTime();
                orders[0]++;
            }

            @Override
            public void migrateNow(Reason r) {
                orderedAt[0] = System.nanoTime();
                orders[0]++;
            }

            @Override
            public void demote(Reason r) {
            }
        };
        long[] now = {0};
        Predictor predictor = new Predictor(PredictorConfig.defaults());
        PolicyDaemon policy = new PolicyDaemon(PolicyConfig.defaults(), counting, () -> now[0]);
        int alertsTotal = 0;
        Workload work = new Workload();
        int readings = 0;
        for (int i = 0; i < n + warm; i++) {
            SourceSample s = work.next();
            readings = s.readings().size();
            now[0] = s.timeNanos();
            long before = orders[0];
            long t0 = System.nanoTime();
            List<Alert> alerts = predictor.observe(s);
            policy.onAlerts(s.timeNanos(), alerts);
            long t1 = System.nanoTime();
            alertsTotal += alerts.size();
            if (orders[0] != before) {
                policy.reset(s.timeNanos());
            }
            if (i >= warm) {
                ours[i - warm] = t1 - t0;
                if (orders[0] != before) {
                    toOrder[decisions] = orderedAt[0] - t0;
                    withDecision[decisions++] = t1 - t0;
                }
            }
        }
        Figures.header("fault sample -> decision latency", String.format(Locale.ROOT, "%d samples of %d readings "
                + "(after %d warm-up), %d alerts, %d migration orders in the measured part", n, readings, warm,
                alertsTotal, decisions));
        print("baseline (no-op pass-through)", base, n);
        print("predictor + policy (all samples)", ours, n);
        print("predictor + policy (samples that ordered a migration)", withDecision, decisions);
        print("  of which sample -> migration order issued", toOrder, decisions);
        System.out.println("(sink " + sink + ")");
    }

    private static void print(String what, long[] v, int len) {
        if (len == 0) {
            System.out.printf("  %-56s no samples%n", what);
            return;
        }
        long[] s = Arrays.copyOf(v, len);
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "  %-56s p50=%6.2f us  p99=%7.2f us  p999=%8.2f us  max=%8.2f us  (n=%d)%n",
                what, Figures.quantile(s, 0.5) / 1e3, Figures.quantile(s, 0.99) / 1e3, Figures.quantile(s, 0.999) / 1e3,
                s[s.length - 1] / 1e3, len);
    }

    /**
     * One sample a second; a CE burst then a UE every 2 000 samples, counters otherwise quiet. Samples are made one at
     * a time, outside the timed region: a pre-built list of all of them (about 800 MB for 266 666 samples) made G1
     * pause for up to 190 ms during the measurement.
     */
    static final class Workload {
        private final long[][] ce = new long[2][4];
        private final long[] ue = new long[2];
        private int i;

        SourceSample next() {
            int phase = i % 2000;
            if (phase >= 1900 && phase < 1990) {
                ce[0][1] += 3;
            }
            if (phase == 1995) {
                ue[0]++;
            }
            List<Reading> rs = new ArrayList<>(24);
            for (int mc = 0; mc < 2; mc++) {
                long total = 0;
                for (int d = 0; d < 4; d++) {
                    total += ce[mc][d];
                    rs.add(new Reading(Metric.DIMM_CE, "mc" + mc + "/dimm" + d, ce[mc][d], "DIMM " + d));
                    rs.add(new Reading(Metric.DIMM_UE, "mc" + mc + "/dimm" + d, 0, "DIMM " + d));
                }
                rs.add(new Reading(Metric.MEM_CE, "mc" + mc, total));
                rs.add(new Reading(Metric.MEM_UE, "mc" + mc, ue[mc]));
            }
            for (int k = 0; k < 4; k++) {
                rs.add(new Reading(Metric.EDAC_SECONDS_SINCE_RESET, "x" + k, i));
            }
            SourceSample s = new SourceSample("edac", i * 1_000_000_000L, Availability.AVAILABLE, rs);
            i++;
            return s;
        }
    }
}
