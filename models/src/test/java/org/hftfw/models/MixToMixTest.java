package org.hftfw.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 3, heterogeneous latency: a model trained on one generated mix (1001, heterogeneous, as a prior of
 * strength 5), scored on other mixes it never saw (other services, ports, clients and RTTs), Bayes DEFER at barrier
 * 0.125 — the figures reached with the history histograms of the latency-scaled model (the lifetime two states back,
 * docs/evaluation.md §5.7), asserted as floors at the value reached (78.7, 82.1, 90.7 % of the oracle, rounded down
 * by 0.1 point), beside the goals that are met: exposure from the event ≤ 0.02 % in DEFER, exposure ≤ 0.15 % in
 * DROP, wrong ≤ 0.5 % on 1007 and 1010 (0.42 %, 0.14 %), and never more wrong than an empty model. Without the
 * history histograms the same runs give 74.3 % (1007), 78.9 % (1010) and 89.4 % (1004) of the oracle. Not met: 95 %
 * of the oracle on any of them, and wrong ≤ 0.5 % on 1004 (0.88 %, an empty model 0.92 %, before 0.91 %): what
 * limits them is in docs/evaluation.md §5.7.
 * Deterministic (generated logs, event time only).
 */
class MixToMixTest {
    private static final Duration L = Duration.ofMillis(100);
    private static final int FLOWS = 3000;

    private record Scored(PolicyResult defer, PolicyResult drop, PolicyResult deferEmpty) {}

    private static List<ConntrackEvent> log(long seed, String profile) {
        return MixTraces.generate(TrafficMix.random(seed, profile), 1, FLOWS);
    }

    private static Scored score(LearnedModel model, long seed, String profile) {
        Evaluator ev = new Evaluator(Trace.of(log(seed, profile), L));
        double oracle = ev.evaluate(new Policy.Oracle()).saved();
        LazyConfig c = LazyConfig.defaults().withBarrier(0.125);
        return new Scored(
                PolicyResult.sum(List.of(ev.evaluate(new Policy.Bayes(c.withMode(Mode.DEFER), model))), oracle),
                PolicyResult.sum(List.of(ev.evaluate(new Policy.Bayes(c.withMode(Mode.DROP), model))), oracle),
                PolicyResult.sum(List.of(ev.evaluate(new Policy.Bayes(c.withMode(Mode.DEFER),
                        LearnedModel.empty()))), oracle));
    }

    @Test
    void trainedOnOneHeterogeneousMixScoredOnOthers() {
        LearnedModel trained = Training.trainEvents(List.of(log(1001, "heterogeneous")), L)
                .asPrior(LearnedModel.DEFAULT_PRIOR_STRENGTH);
        record Floor(long seed, String profile, double ofOracle, double wrong) {}
        List<String> misses = new ArrayList<>();
        for (Floor f : List.of(new Floor(1007, "heterogeneous", 0.786, 0.005),
                new Floor(1010, "heterogeneous", 0.820, 0.005), new Floor(1004, "heterogeneous", 0.906, 0.0089))) {
            Scored s = score(trained, f.seed(), f.profile());
            String figures = String.format(Locale.ROOT, "mix %d: DEFER %.2f%% saved, %.1f%% of the oracle, wrong "
                            + "%.3f%%, exposure from the event %.4f%%; DROP exposure %.4f%%; empty model %.1f%%, "
                            + "wrong %.3f%%", f.seed(), 100 * s.defer().saved(), 100 * s.defer().savedVsOracle(),
                    100 * s.defer().wrong(), 100 * s.defer().exposureFromEvent(), 100 * s.drop().exposure(),
                    100 * s.deferEmpty().savedVsOracle(), 100 * s.deferEmpty().wrong());
            if (s.defer().savedVsOracle() < f.ofOracle() || s.defer().wrong() > f.wrong()
                    || s.defer().exposureFromEvent() > 0.0002 || s.drop().exposure() > 0.0015
                    || s.defer().wrong() > s.deferEmpty().wrong() + 0.0015) {
                misses.add(figures + " (floor " + f.ofOracle() + ")");
            }
        }
        assertEquals(List.of(), misses);
    }

    /**
     * The history histograms are learned and saved: a model trained on a mix carries them (a format-5 file keeps
     * them, ModelFileTest), and they are what the decisions above rest on.
     */
    @Test
    void aTrainedModelCarriesHistoryHistograms() {
        LearnedModel trained = Training.trainEvents(List.of(log(1001, "heterogeneous")), L);
        assertTrue(trained.historyObservations() > 0, "history histograms learned");
        assertEquals(trained.latencyObservations(), trained.historyObservations(),
                "every lifetime with a known RTT is counted in its history histogram too");
    }
}
