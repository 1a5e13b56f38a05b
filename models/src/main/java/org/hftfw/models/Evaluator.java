package org.hftfw.models;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;

/**
 * The policy-evaluation harness behind {@code hftfw evaluate}: scores replication policies on one conntrack event
 * log ({@link Trace}) with the shared metrics definitions, each policy's savings also as a fraction of the
 * oracle's. Policies: {@link Policy.Bayes} (drop/defer, any barrier, from a given model or empty), replicate-all,
 * conntrackd's static state filter (UDP replicated or not), conntrackd polling, FT-FW queue collapsing, oracle.
 */
public final class Evaluator {
    private final Trace trace;
    private PolicyResult oracle;

    public Evaluator(Trace trace) {
        this.trace = trace;
    }

    public Trace trace() {
        return trace;
    }

    /** Scores one policy. */
    public PolicyResult evaluate(Policy policy) {
        return policy instanceof Policy.Oracle ? oracle() : score(policy).withSavedVsOracle(oracle().saved());
    }

    private PolicyResult oracle() {
        if (oracle == null) {
            PolicyResult o = score(new Policy.Oracle());
            oracle = o.withSavedVsOracle(o.saved());
        }
        return oracle;
    }

    private PolicyResult score(Policy policy) {
        Trace t = trace;
        return switch (policy) {
            case Policy.ReplicateAll p -> Scorer.score(t, Schedules.replicateAll(t), p.name(), "-", Double.NaN, "");
            case Policy.Oracle p -> Scorer.score(t, Schedules.oracle(t), p.name(), "-", Double.NaN,
                    "B=" + ms(t.boundary));
            case Policy.DeferAll p -> Scorer.score(t, Schedules.deferAll(t), p.name(), "-", Double.NaN,
                    "hold every change B=" + ms(t.boundary));
            case Policy.StateFilter p -> Scorer.score(t, Schedules.stateFilter(t, p), p.name(), "-", Double.NaN,
                    "accept TCP " + new java.util.TreeSet<>(p.acceptTcp()) + ", non-TCP "
                            + (p.replicateNonTcp() ? "replicated" : "not replicated"));
            case Policy.Polling p -> Scorer.score(t, Schedules.polling(t, p), p.name(), "-", Double.NaN,
                    "PollSecs " + p.interval().toMillis() / 1000.0);
            case Policy.QueueCollapsing p -> Scorer.score(t, Schedules.queueCollapsing(t, p), p.name(), "-",
                    Double.NaN, "tx delay " + ms(p.txDelay().toNanos()));
            case Policy.Bayes p -> {
                long[] s = new long[t.n];
                var m = Schedules.bayes(t, p, s);
                LazyConfig c = p.config();
                yield Scorer.score(t, s, p.name(), c.mode().name().toLowerCase(Locale.ROOT), c.barrier(),
                        String.format(Locale.ROOT, "l=%s minObs=%d maxFail=%d model=%s resets=%d fallback=%d",
                                ms(c.latency().toNanos()), c.minObservations(), c.maxFailingPredictions(),
                                p.initial().isEmpty() ? "online" : p.initial().keyCount() + " tuples",
                                m.resets(), m.fallbackDecisions()));
            }
        };
    }

    /** Bayes at every barrier and mode, from {@code initial} (empty = online learning). */
    public List<PolicyResult> sweep(LazyConfig base, double[] barriers, List<Mode> modes, LearnedModel initial) {
        List<PolicyResult> out = new ArrayList<>();
        for (Mode m : modes) {
            for (double b : barriers) {
                out.add(evaluate(new Policy.Bayes(base.withBarrier(b).withMode(m), initial)));
            }
        }
        return out;
    }

    /**
     * The standard comparison: oracle, replicate-all, FT-FW queue collapsing ({@code txDelay}), the conntrackd
     * state filter with and without UDP, polling every {@code pollSecs}, and bayes drop + defer at {@code barrier}.
     */
    public List<PolicyResult> standard(LazyConfig base, LearnedModel initial, Duration txDelay, Duration pollSecs) {
        List<PolicyResult> out = new ArrayList<>();
        out.add(oracle());
        out.add(evaluate(new Policy.ReplicateAll()));
        out.add(evaluate(new Policy.QueueCollapsing(txDelay)));
        out.add(evaluate(Policy.StateFilter.conntrackdExample(true)));
        out.add(evaluate(Policy.StateFilter.conntrackdExample(false)));
        out.add(evaluate(new Policy.Polling(pollSecs)));
        out.add(evaluate(new Policy.Bayes(base.withMode(Mode.DROP), initial)));
        out.add(evaluate(new Policy.Bayes(base.withMode(Mode.DEFER), initial)));
        return out;
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3gms", nanos / 1e6);
    }
}
