package org.hftfw.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.Mode;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 3: the two upper bounds ({@link HindsightBound}, {@link GenieBound}) on small generated mixes —
 * properties, not figures: the hindsight ladder never falls as its cells refine, the genie does not change the log,
 * and neither bound is below what the shipped model reaches at its own wrong rate. Deterministic (generated logs).
 */
class BoundTest {
    private static final Duration L = Duration.ofMillis(100);
    private static final int FLOWS = 1500;

    @Test
    void theHindsightLadderNeverFallsAsItsCellsRefine() {
        Trace t = Trace.of(MixTraces.generate(TrafficMix.random(1001, "heterogeneous"), 1, 600), L);
        List<HindsightBound.Result> ladder = HindsightBound.compute(t, MixLab.WRONG_BUDGET);
        assertEquals(HindsightBound.LEVELS.size(), ladder.size());
        for (int i = 1; i < ladder.size(); i++) {
            assertTrue(ladder.get(i).ofOracle() >= ladder.get(i - 1).ofOracle() - 1e-12,
                    "level " + i + " below level " + (i - 1) + ": " + ladder);
            assertTrue(ladder.get(i).cells() >= ladder.get(i - 1).cells(), "fewer cells at level " + i);
        }
        HindsightBound.Result finest = ladder.getLast();
        assertTrue(finest.ofOracle() <= 1 + 1e-12 && finest.wrong() <= MixLab.WRONG_BUDGET + 1e-12, finest::toString);
    }

    @Test
    void theGenieLeavesTheLogAsItIsAndKnowsEveryStateChange() {
        TrafficMix mix = TrafficMix.random(1004, "heterogeneous");
        IdentityHashMap<ConntrackEvent, Double> truth = new IdentityHashMap<>();
        List<ConntrackEvent> withGenie = MixTraces.generate(mix, 1, 400, 200, truth);
        assertEquals(MixTraces.generate(mix, 1, 400), withGenie);
        long changes = withGenie.stream().filter(e -> e.type() != EventType.DESTROY).count();
        assertEquals(changes, truth.size());
        assertTrue(truth.values().stream().allMatch(q -> q >= 0 && q <= 1));
    }

    @Test
    void neitherBoundIsBelowTheShippedModelAtItsOwnWrongRate() throws IOException {
        for (TrafficMix mix : List.of(TrafficMix.random(1001, "heterogeneous"), TrafficMix.random(1004,
                "heterogeneous"), TrafficMix.random(1002, "bimodal"))) {
            IdentityHashMap<ConntrackEvent, Double> truth = new IdentityHashMap<>();
            Evaluator ev = new Evaluator(Trace.of(MixTraces.generate(mix, 1, FLOWS, 200, truth), L));
            PolicyResult shipped = ev.evaluate(new Policy.Bayes(
                    LazyConfig.defaults().withBarrier(0.125).withMode(Mode.DEFER), DefaultModel.load()));
            double budget = shipped.wrong();
            GenieBound.Result genie = GenieBound.compute(ev.trace(), truth, budget);
            HindsightBound.Result cells = HindsightBound.compute(ev.trace(), budget).get(7);
            String figures = String.format(Locale.ROOT, "mix %d: shipped %.1f %% of the oracle at %.3f %% wrong, "
                            + "genie %.1f %%, hindsight L7 %.1f %%", mix.seed(), 100 * shipped.savedVsOracle(),
                    100 * budget, 100 * genie.ofOracle(), 100 * cells.ofOracle());
            assertTrue(genie.ofOracle() >= shipped.savedVsOracle(), figures);
            assertTrue(cells.ofOracle() >= shipped.savedVsOracle(), figures);
        }
    }
}
