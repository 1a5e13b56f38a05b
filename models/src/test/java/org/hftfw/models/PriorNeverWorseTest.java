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
 * must not be worse than starting empty. "Worse" = saves more than half a percentage point less, or is wrong more
 * than 0.15 points more often, than an empty model learning online on the same log (the margins are about one
 * flow's decisions on these logs; the full-weight model misses them by several points, below).
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
                if (m.saved() < none.saved() - SAVED_MARGIN || m.wrong() > none.wrong() + WRONG_MARGIN) {
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
