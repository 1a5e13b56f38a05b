package org.hftfw.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The barrier plot: ticks at the swept barriers, the wrong rate on its own axis, both modes visible. */
class BarrierPlotTest {
    @TempDir
    Path dir;

    private static Evaluation.Report report(double... barriers) {
        Trace t = Trace.of(MixTraces.generate(TrafficMix.random(5, "heterogeneous"), 1, 600), Duration.ofMillis(100));
        return Evaluation.run(List.of(t.events()), new Evaluation.Spec(LazyConfig.defaults(), LearnedModel.empty(),
                barriers, List.of(Mode.DROP, Mode.DEFER), Duration.ofSeconds(15), Duration.ofMillis(1)));
    }

    @Test
    void theWrongRateAxisEndsAtTheNextRoundValueAboveItsLargestRate() {
        assertEquals(0.02, BarrierPlot.wrongAxisMax(0.01275), 1e-12);
        assertEquals(0.01, BarrierPlot.wrongAxisMax(0.01), 1e-12);
        assertEquals(0.025, BarrierPlot.wrongAxisMax(0.021), 1e-12);
        assertEquals(0.05, BarrierPlot.wrongAxisMax(0.03), 1e-12);
        assertEquals(0.1, BarrierPlot.wrongAxisMax(0.06), 1e-12);
        assertEquals(0.001, BarrierPlot.wrongAxisMax(0), 1e-12, "an all-zero sweep still has an axis");
    }

    @Test
    void aLegendEntryOfBaselinesThatSaveAlikeIsBrokenIntoLinesThatFitTheImage() {
        assertEquals(List.of("state-filter-tcp-only = defer-all", "= oracle saved 0.671"),
                BarrierPlot.legendLines("state-filter-tcp-only = defer-all = oracle saved 0.671"));
        assertEquals(List.of("poll-15.0s saved 0.914"), BarrierPlot.legendLines("poll-15.0s saved 0.914"));
        assertEquals("wrong prediction rate (right axis) (defer)".length(), BarrierPlot.LEGEND_CHARS,
                "the longest mode entry, which fits");
    }

    @Test
    void tickLabelsUseTheFewestDecimalsThatWriteEverySweptBarrier() {
        assertEquals(3, BarrierPlot.decimals(new double[] {0.05, 0.075, 0.1}));
        assertEquals(2, BarrierPlot.decimals(new double[] {0.05, 0.1, 0.15}));
        assertEquals(1, BarrierPlot.decimals(new double[] {0.1, 0.5}));
    }

    @Test
    void theSvgHasATickPerSweptBarrierARightAxisAndAMarkerShapePerMode() throws IOException {
        double[] sweep = Evaluation.sweep(0.05, 0.5, 0.075);
        Evaluation.Report r = report(sweep);
        assertArrayEquals(sweep, BarrierPlot.xTicks(r), 1e-12);
        Path svg = dir.resolve("p.svg");
        BarrierPlot.write(r, "test", svg);
        String text = Files.readString(svg);
        // x ticks: short vertical lines below the plot area (y from 500 down), one per swept barrier
        Matcher ticks = Pattern.compile("<line x1=\"([0-9.]+)\" y1=\"500.0\" x2=\"\\1\" y2=\"50[36].0\"").matcher(text);
        int n = 0;
        while (ticks.find()) {
            n++;
        }
        assertEquals(sweep.length, n, text);
        for (String label : List.of(">0.050<", ">0.125<", ">0.500<")) {
            assertTrue(text.contains(label), "tick label " + label);
        }
        assertTrue(text.contains(">wrong prediction rate</text>"), "the right axis is named");
        assertTrue(text.contains("wrong prediction rate (right axis) (drop)"), text);
        long circles = text.lines().filter(l -> l.startsWith("<circle")).count();
        long squares = text.lines().filter(l -> l.startsWith("<rect") && l.contains("fill=\"none\"")).count();
        assertEquals(3L * sweep.length + 3, circles, "drop: three lines of markers and their legend entries");
        assertEquals(circles, squares, "defer: as many, in another shape");
    }
}
