package org.hftfw.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 item 1, tested the way it failed: a model trained on some traffic mixes, scored on a mix it never saw,
 * must not be worse than starting empty. "Worse" = is wrong more than 0.15 points more often, or saves more than
 * half a percentage point less without being wrong less often, than an empty model learning online on the same log
 * (the margins are about one flow's decisions on these logs; the full-weight model misses them by several points,
 * below). Saving less while being wrong less often is another point of the trade-off, not worse: since
 * CalibrationGuard the model trained on the other mixes does that on mix 1004 (DROP: 0.59 points less saved, 0.17
 * points less wrong), which the first version of this test, counting any half point less saved as worse, refused.
 */
class PriorNeverWorseTest {
    private static final double SAVED_MARGIN = 0.005;
    private static final double WRONG_MARGIN = 0.0015;

    private static List<String> worse(List<MixLab.MixResult> results, boolean shipped) {
        List<String> out = new ArrayList<>();
        for (MixLab.MixResult r : results) {
            for (int k = 0; k < r.none().size(); k++) {
                PolicyResult m = shipped ? r.shipped().get(k) : r.others().get(k);
                PolicyResult none = r.none().get(k);
                if ((m.saved() < none.saved() - SAVED_MARGIN && m.wrong() >= none.wrong())
                        || m.wrong() > none.wrong() + WRONG_MARGIN) {
                    out.add(String.format(Locale.ROOT, "mix %d %s %s: saved %.2f%% vs %.2f%%, wrong %.3f%% vs %.3f%%",
                            r.mix().seed(), r.mix().latency(), m.mode(), 100 * m.saved(), 100 * none.saved(),
                            100 * m.wrong(), 100 * none.wrong()));
                }
            }
        }
        return out;
    }

    @Test
    void aModelTrainedOnOtherMixesIsNeverWorseThanEmptyAsAPrior() throws IOException {
        MixLab.Spec spec = new MixLab.Spec(6, 1000, 1500, 0.125, List.of(Mode.DROP, Mode.DEFER),
                DefaultModel.load(), LearnedModel.DEFAULT_PRIOR_STRENGTH);
        List<MixLab.MixResult> r = MixLab.run(spec, line -> { });
        assertEquals(6, r.size());
        assertEquals(List.of(), worse(r, false), "trained on the other mixes, used as a prior");
        assertEquals(List.of(), worse(r, true), "the shipped model (a prior)");
    }

    /**
     * A site's first 300 flows, where the prior decides most (issue 13: the shipped prior was wrong up to 1.2 points
     * more often than an empty model there). Worse = wrong more than 0.25 points more often (about 3-6 changes on
     * these 1 100-2 400-change logs), or saving more than half a point less without being wrong less often (saving
     * less by holding back fewer stable changes is another point of the trade-off, not worse). Without
     * CalibrationGuard mixes 1003 and 1005 broke it (+0.39, +0.47 points wrong).
     */
    @Test
    void inASitesFirstThreeHundredFlowsThePriorIsNeverWorseThanEmpty() throws IOException {
        MixLab.Spec spec = new MixLab.Spec(6, 1000, 300, 0.125, List.of(Mode.DROP, Mode.DEFER),
                DefaultModel.load(), LearnedModel.DEFAULT_PRIOR_STRENGTH);
        List<MixLab.MixResult> r = MixLab.run(spec, line -> { });
        List<String> worse = new ArrayList<>();
        for (MixLab.MixResult x : r) {
            for (int k = 0; k < x.none().size(); k++) {
                PolicyResult none = x.none().get(k);
                for (PolicyResult m : List.of(x.shipped().get(k), x.others().get(k))) {
                    if (m.wrong() > none.wrong() + 0.0025
                            || (m.saved() < none.saved() - SAVED_MARGIN && m.wrong() >= none.wrong())) {
                        worse.add(String.format(Locale.ROOT, "mix %d %s: saved %.2f%% vs %.2f%%, wrong %.3f%% vs %.3f%%",
                                x.mix().seed(), m.mode(), 100 * m.saved(), 100 * none.saved(), 100 * m.wrong(),
                                100 * none.wrong()));
                    }
                }
            }
        }
        assertEquals(List.of(), worse);
    }

    /** The same models at full weight (what the shipped model was before): worse than empty on some mix. */
    @Test
    void atFullWeightTheSameModelsAreWorseThanEmptySomewhere() throws IOException {
        MixLab.Spec spec = new MixLab.Spec(6, 1000, 1500, 0.125, List.of(Mode.DROP, Mode.DEFER),
                DefaultModel.load().withPriorStrength(Double.POSITIVE_INFINITY), Double.POSITIVE_INFINITY);
        List<MixLab.MixResult> r = MixLab.run(spec, line -> { });
        assertFalse(worse(r, false).isEmpty(), "trained on the other mixes, full weight");
        assertFalse(worse(r, true).isEmpty(), "the shipped model at full weight");
        assertTrue(DefaultModel.load().hasPrior(), "the shipped file is a prior");
    }
}
