package org.hftfw.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.hftfw.predictor.Alert;
import org.hftfw.predictor.Predictor;
import org.hftfw.predictor.PredictorConfig;
import org.hftfw.predictor.SourceSample;

/**
 * Replays recorded error histories through the predictor and the policy daemon on virtual time and scores the
 * migration orders against the known failures.
 *
 * <p>Design note. A prediction is an automatic migration order (MIGRATE or MIGRATE_NOW). It is a true positive when
 * a failure follows within {@code horizon} (and no other failure, i.e. reboot, comes between); a failure is predicted
 * when at least one order came in that span before it. Precision = true-positive orders / orders; recall = predicted failures / failures; the
 * lead time of a predicted failure is failure time − first order in its horizon. The paper's condition for a
 * successful proactive migration is Tprop &lt; Tfail (§V): a prediction counts as "in time" when its lead time is at
 * least {@code migrationTime} (the paper measured ~4 s for 25 000 flows, §VII-C). The migrator is simulated by
 * sending {@code migration-done} {@code migrationTime} after each order. At a failure the node reboots: predictor and
 * policy are reset.
 */
public final class ReplayEvaluator {

    private final PredictorConfig predictorConfig;
    private final PolicyConfig policyConfig;
    private final Duration horizon;
    private final Duration migrationTime;

    public ReplayEvaluator(PredictorConfig predictorConfig, PolicyConfig policyConfig, Duration horizon,
            Duration migrationTime) {
        this.predictorConfig = predictorConfig;
        this.policyConfig = policyConfig;
        this.horizon = horizon;
        this.migrationTime = migrationTime;
    }

    /** Scores of one history or of several together. */
    public record Score(String name, int failures, int predictedFailures, int orders, int truePositiveOrders,
            List<Duration> leadTimes, int inTime, List<Decision> decisions) {

        public double precision() {
            return orders == 0 ? Double.NaN : (double) truePositiveOrders / orders;
        }

        public double recall() {
            return failures == 0 ? Double.NaN : (double) predictedFailures / failures;
        }

        /** Lead time at quantile q (nearest rank) of the predicted failures. */
        public Duration lead(double q) {
            if (leadTimes.isEmpty()) {
                return null;
            }
            List<Duration> s = leadTimes.stream().sorted().toList();
            int idx = (int) Math.ceil(q * s.size()) - 1;
            return s.get(Math.max(0, Math.min(s.size() - 1, idx)));
        }

        public String format() {
            return String.format("%-24s failures=%d predicted=%d orders=%d tp=%d fp=%d precision=%s recall=%s "
                    + "lead min/p50/max=%s/%s/%s in-time=%d", name, failures, predictedFailures, orders,
                    truePositiveOrders, orders - truePositiveOrders, ratio(precision()), ratio(recall()),
                    fmt(lead(0)), fmt(lead(0.5)), fmt(lead(1)), inTime);
        }

        private static String ratio(double v) {
            return Double.isNaN(v) ? "n/a" : String.format("%.2f", v);
        }

        private static String fmt(Duration d) {
            return d == null ? "-" : d.toSeconds() + "s";
        }
    }

    public Score evaluate(ReplayHistory h) {
        long t0 = h.times().isEmpty() ? 0 : h.times().getFirst();
        long[] now = {t0};
        Predictor predictor = new Predictor(predictorConfig);
        List<Long> orders = new ArrayList<>();
        List<Long> pendingDone = new ArrayList<>();
        final PolicyDaemon policy = new PolicyDaemon(policyConfig, new MigrationActions() {
            @Override
            public void migrate(Reason r) {
                orders.add(now[0]);
                pendingDone.add(now[0] + migrationTime.toNanos());
            }

            @Override
            public void migrateNow(Reason r) {
                migrate(r);
            }

            @Override
            public void demote(Reason r) {
            }
        }, () -> now[0]);
        int si = 0;
        int fi = 0;
        List<SourceSample> samples = h.samples();
        for (long t : h.times()) {
            for (var it = pendingDone.iterator(); it.hasNext(); ) {
                long done = it.next();
                if (done <= t) {
                    it.remove();
                    now[0] = done;
                    policy.event("migration-done", done);
                }
            }
            now[0] = t;
            while (fi < h.failures().size() && h.failures().get(fi).timeNanos() == t) {
                fi++;
                predictor.reset();
                policy.reset(t);
                pendingDone.clear();
            }
            List<Alert> alerts = new ArrayList<>();
            while (si < samples.size() && samples.get(si).timeNanos() == t) {
                alerts.addAll(predictor.observe(samples.get(si++)));
            }
            policy.onAlerts(t, alerts);
        }
        return score(h.name(), h.failures(), orders, policy.decisions());
    }

    private Score score(String name, List<ReplayHistory.Failure> failures, List<Long> orders,
            List<Decision> decisions) {
        long h = horizon.toNanos();
        int tp = 0;
        List<Duration> leads = new ArrayList<>();
        int inTime = 0;
        long previous = Long.MIN_VALUE;
        for (ReplayHistory.Failure f : failures) {
            // an order counts for the first failure after it, within the horizon and not across an earlier failure
            long from = Math.max(f.timeNanos() - h, previous);
            List<Long> in = orders.stream().filter(o -> o >= from && o < f.timeNanos()).toList();
            tp += in.size();
            if (!in.isEmpty()) {
                Duration lead = Duration.ofNanos(f.timeNanos() - in.stream().min(Comparator.naturalOrder()).get());
                leads.add(lead);
                if (lead.compareTo(migrationTime) >= 0) {
                    inTime++;
                }
            }
            previous = f.timeNanos();
        }
        return new Score(name, failures.size(), leads.size(), orders.size(), tp, leads, inTime,
                List.copyOf(decisions));
    }

    /** Sums several histories into one score. */
    public static Score combine(String name, List<Score> scores) {
        List<Duration> leads = new ArrayList<>();
        List<Decision> ds = new ArrayList<>();
        int f = 0;
        int pf = 0;
        int o = 0;
        int tp = 0;
        int it = 0;
        for (Score s : scores) {
            f += s.failures();
            pf += s.predictedFailures();
            o += s.orders();
            tp += s.truePositiveOrders();
            it += s.inTime();
            leads.addAll(s.leadTimes());
            ds.addAll(s.decisions());
        }
        return new Score(name, f, pf, o, tp, leads, it, ds);
    }
}
