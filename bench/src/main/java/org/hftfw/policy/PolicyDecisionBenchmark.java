package org.hftfw.policy;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hftfw.predictor.Alert;
import org.hftfw.predictor.AlertListener;
import org.hftfw.predictor.Predictor;
import org.hftfw.predictor.PredictorConfig;
import org.hftfw.predictor.SourceSample;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Fault sample → decision, per sample, as a latency distribution (JMH sample mode gives p50/p99/p999): the
 * predictor's {@code observe} plus the default policy's {@code onAlerts} on {@link DecisionLatencyBench}'s EDAC
 * workload (24 readings a sample; a CE burst and a UE every 2 000 samples, so alerts and orders occur; the policy
 * is reset after each order). Baseline: making the same sample and handing it to a no-op listener. The rare samples
 * that order a migration are measured apart by {@code hftfw policy bench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PolicyDecisionBenchmark {
    private final AlertListener noop = (time, alerts) -> { };
    private DecisionLatencyBench.Workload baselineWork;
    private DecisionLatencyBench.Workload work;
    private Predictor predictor;
    private PolicyDaemon policy;
    private long now;
    private boolean ordered;

    @Setup
    public void setUp() {
        baselineWork = new DecisionLatencyBench.Workload();
        work = new DecisionLatencyBench.Workload();
        predictor = new Predictor(PredictorConfig.defaults());
        MigrationActions orders = new MigrationActions() {
            @Override
            public void migrate(Reason r) {
                ordered = true;
            }

            @Override
            public void migrateNow(Reason r) {
                ordered = true;
            }

            @Override
            public void demote(Reason r) {
            }
        };
        policy = new PolicyDaemon(PolicyConfig.defaults(), orders, () -> now);
    }

    @Benchmark
    public int baselineNoOpListener() {
        SourceSample s = baselineWork.next();
        noop.onAlerts(s.timeNanos(), List.of());
        return s.readings().size();
    }

    @Benchmark
    public int predictorAndPolicy() {
        SourceSample s = work.next();
        now = s.timeNanos();
        List<Alert> alerts = predictor.observe(s);
        policy.onAlerts(s.timeNanos(), alerts);
        if (ordered) {
            ordered = false;
            policy.reset(s.timeNanos());
        }
        return alerts.size();
    }
}
