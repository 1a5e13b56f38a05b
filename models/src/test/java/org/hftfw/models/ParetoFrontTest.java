package org.hftfw.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParetoFrontTest {
    @TempDir
    Path dir;

    private static ParetoFront.Point p(String name, double saved, double exposure) {
        return new ParetoFront.Point(name, saved, exposure, exposure, 0, 0, false, "-");
    }

    @Test
    void aPointIsOnTheFrontUnlessAnotherIsAsGoodInBothAndBetterInOne() {
        ParetoFront.Point a = p("a", 0.5, 0.001);
        ParetoFront.Point b = p("b", 0.4, 0.002);     // dominated by a
        ParetoFront.Point c = p("c", 0.6, 0.01);      // saves more, costs more: on the front
        ParetoFront.Point d = p("d", 0.5, 0.001);     // equal to a: neither dominates
        ParetoFront.Point oracle = p("oracle", 0.55, 0);
        List<ParetoFront.Point> all = List.of(a, b, c, d, oracle);
        assertTrue(ParetoFront.onFront(a, all));
        assertFalse(ParetoFront.onFront(b, all));
        assertTrue(ParetoFront.onFront(c, all));
        assertTrue(ParetoFront.onFront(d, all));
        assertFalse(ParetoFront.onFront(oracle, all), "the oracle is a bound, not a policy one can run");
    }

    @Test
    void tableAndPlotCoverEveryPolicy() throws IOException {
        Trace t = Trace.of(MixTraces.generate(TrafficMix.random(5, "heterogeneous"), 1, 600), Duration.ofMillis(100));
        Evaluation.Report r = Evaluation.run(List.of(t.events()), new Evaluation.Spec(LazyConfig.defaults(),
                LearnedModel.empty(), new double[] {0.125, 0.5}, List.of(Mode.DROP, Mode.DEFER),
                Duration.ofSeconds(15), Duration.ofMillis(1)));
        String md = ParetoFront.markdown(r);
        assertEquals(4 + r.baselines().size() + 2, md.lines().count(), md);
        assertTrue(md.contains("| oracle |") && md.contains("(bound)"), md);
        assertTrue(md.contains("| replicate-all | 0.00 % |"), md);
        Path svg = dir.resolve("p.svg");
        ParetoFront.writeSvg(r, "test <plot>", svg);
        String text = Files.readString(svg);
        assertTrue(text.startsWith("<svg") && text.strip().endsWith("</svg>"));
        assertTrue(text.contains("test &lt;plot&gt;"));
        assertEquals(4, text.split("<circle", -1).length - 1 - 2, "one dot per Bayes run (+2 in the legend)");
    }
}
