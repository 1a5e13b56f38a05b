package org.hftfw.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;
import org.hftfw.lazy.ModelFile;
import org.hftfw.models.logs.FlowLogs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Train → save → load → evaluate on the shipped real traces; the JSON's shape; the seed's floor. */
class EvaluationTest {
    static final Path HET = Path.of("traces/heterogeneous-21.events.log.gz");
    static final Path HOM = Path.of("traces/homogeneous-11.events.log.gz");

    @TempDir
    Path dir;

    private static List<ConntrackEvent> events(Path p) throws IOException {
        return FlowLogs.read(p, FlowLogs.Progress.NONE).events();
    }

    private static Evaluation.Spec spec(LearnedModel m, double... barriers) {
        return new Evaluation.Spec(LazyConfig.defaults(), m, barriers, List.of(Mode.DROP, Mode.DEFER),
                Duration.ofSeconds(15), Duration.ofMillis(1));
    }

    @Test
    void trainSaveLoadEvaluateRoundTrip() throws IOException {
        Training.Result t = Training.train(List.of(HOM), Duration.ofMillis(100), true, FlowLogs.Progress.NONE);
        assertTrue(t.model().keyCount() > 0 && t.model().fallbackObservations() > 0, t.model().toString());
        assertEquals(1, t.logs().size());
        Path f = dir.resolve("m.hfm");
        ModelFile.save(t.model(), f);
        LearnedModel loaded = ModelFile.load(f);
        assertEquals(t.model(), loaded);
        List<List<ConntrackEvent>> logs = List.of(events(HET));
        String a = Evaluation.json(Evaluation.run(logs, spec(t.model(), 0.05, 0.125, 0.5)));
        String b = Evaluation.json(Evaluation.run(logs, spec(loaded, 0.05, 0.125, 0.5)));
        assertEquals(a, b, "the loaded model decides exactly as the trained one");
        assertTrue(ModelFile.inspect(f).contains("SYN_RECV"), ModelFile.inspect(f));
    }

    @Test
    void corruptModelFileIsRefused() throws IOException {
        Training.Result t = Training.train(List.of(HOM), Duration.ofMillis(100), false, FlowLogs.Progress.NONE);
        Path f = dir.resolve("m.hfm");
        ModelFile.save(t.model(), f);
        byte[] b = Files.readAllBytes(f);
        b[b.length / 2] ^= 1;
        Files.write(f, b);
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.hftfw.lazy.ModelFileException.class,
                () -> ModelFile.load(f));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void jsonHasTheRequiredShape() throws IOException {
        Evaluation.Report r = Evaluation.run(List.of(events(HOM)), spec(LearnedModel.empty(), 0.05, 0.25));
        Object parsed = new MiniJson(Evaluation.json(r)).value();
        Map<?, ?> root = assertInstanceOf(Map.class, parsed);
        List<?> results = assertInstanceOf(List.class, root.get("results"));
        assertEquals(4, results.size(), "2 barriers × 2 modes");
        for (Object o : results) {
            Map<?, ?> m = assertInstanceOf(Map.class, o);
            assertEquals("bayes", m.get("policy"));
            assertTrue(List.of("drop", "defer").contains(m.get("mode")), m.toString());
            assertTrue(List.of(0.05, 0.25).contains(((Number) m.get("barrier")).doubleValue()), m.toString());
            for (String k : List.of("saved", "wrong", "exposure")) {
                double v = ((Number) m.get(k)).doubleValue();
                assertTrue(v >= 0 && v <= 1, k + " is a fraction: " + v);
            }
        }
        List<?> baselines = assertInstanceOf(List.class, root.get("baselines"));
        List<Object> names = new ArrayList<>();
        for (Object o : baselines) {
            Map<?, ?> m = assertInstanceOf(Map.class, o);
            names.add(m.get("policy"));
            assertInstanceOf(Number.class, m.get("saved"));
            assertInstanceOf(Number.class, m.get("exposure"));
        }
        assertTrue(names.containsAll(List.of("replicate-all", "state-filter", "state-filter-tcp-only", "oracle",
                "defer-all")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.toString().startsWith("poll-")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.toString().startsWith("ftfw-queue")), names.toString());
        Map<?, ?> oracle = assertInstanceOf(Map.class, root.get("oracle"));
        assertEquals(r.oracle().saved(), ((Number) oracle.get("saved")).doubleValue(), 1e-5);
        assertEquals(0.0, ((Number) ((Map<?, ?>) baselines.get(0)).get("saved")).doubleValue(), 0.0,
                "replicate-all saves nothing");
    }

    /**
     * The seed's floor (paper, Sect. VII: saved ≈ 40-50 %, wrong ≤ 2 % at barrier 0.125) with the shipped default
     * model, in DROP mode (the seed's behaviour), on recordings the model was not trained on, with homogeneous and
     * with heterogeneous (20-500 ms per client) latency.
     */
    @Test
    void seedFloorOnHeldOutRealTracesWithTheDefaultModel() throws IOException {
        LearnedModel m = DefaultModel.load();
        PolicyResult hom = at(m, HOM, 0.125, Mode.DROP);
        assertTrue(hom.saved() >= 0.40 && hom.wrong() <= 0.02, "homogeneous: " + hom.summary());
        PolicyResult het = at(m, HET, 0.125, Mode.DROP);
        assertTrue(het.saved() >= 0.40 && het.wrong() <= 0.02, "heterogeneous: " + het.summary());
    }

    /**
     * The stretch goal's first half on the heterogeneous held-out trace: DEFER mode reaches 90 % of the oracle's
     * savings with exposure ≤ 0.5 % at a barrier ≤ 0.25 (not at 0.125: HTTP ESTABLISHED is unpredictable there, see
     * docs/evaluation.md), and a stable state sent late stays rare (≤ 0.5 % of the labelled changes).
     */
    @Test
    void deferReachesNinetyPercentOfTheOracleOnHeterogeneousLatency() throws IOException {
        LearnedModel m = DefaultModel.load();
        boolean reached = false;
        for (double b : Evaluation.sweep(0.125, 0.25, 0.025)) {
            PolicyResult r = at(m, HET, b, Mode.DEFER);
            reached |= r.savedVsOracle() >= 0.90 && r.exposure() <= 0.005 && r.wrongSentLateRate() <= 0.005;
        }
        assertTrue(reached, "heterogeneous: no barrier ≤ 0.25 gives DEFER ≥ 90 % of the oracle");
    }

    private static PolicyResult at(LearnedModel m, Path log, double barrier, Mode mode) throws IOException {
        return Evaluation.run(List.of(events(log)), new Evaluation.Spec(LazyConfig.defaults(), m,
                new double[] {barrier}, List.of(mode), Duration.ofSeconds(15), Duration.ofMillis(1)))
                .bayes().getFirst().result();
    }

    /** A minimal JSON reader for the shape test (objects, arrays, strings, numbers, null). */
    private static final class MiniJson {
        private final String s;
        private int i;

        MiniJson(String s) {
            this.s = s;
        }

        Object value() {
            ws();
            char c = s.charAt(i);
            if (c == '{') {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                ws();
                if (s.charAt(i) == '}') {
                    i++;
                    return m;
                }
                while (true) {
                    ws();
                    String k = (String) value();
                    ws();
                    assertEquals(':', s.charAt(i++));
                    m.put(k, value());
                    ws();
                    char d = s.charAt(i++);
                    if (d == '}') {
                        return m;
                    }
                    assertEquals(',', d);
                }
            }
            if (c == '[') {
                i++;
                List<Object> l = new ArrayList<>();
                ws();
                if (s.charAt(i) == ']') {
                    i++;
                    return l;
                }
                while (true) {
                    l.add(value());
                    ws();
                    char d = s.charAt(i++);
                    if (d == ']') {
                        return l;
                    }
                    assertEquals(',', d);
                }
            }
            if (c == '"') {
                int j = s.indexOf('"', i + 1);
                String v = s.substring(i + 1, j);
                i = j + 1;
                return v;
            }
            if (s.startsWith("null", i)) {
                i += 4;
                return null;
            }
            int j = i;
            while (j < s.length() && "+-.0123456789eE".indexOf(s.charAt(j)) >= 0) {
                j++;
            }
            double v = Double.parseDouble(s.substring(i, j));
            i = j;
            return v;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }
    }
}
