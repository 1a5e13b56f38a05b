package org.hftfw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hftfw.predictor.PredictorConfig;
import org.junit.jupiter.api.Test;

/** The shipped histories through the default predictor and policy. */
class ReplayEvaluatorTest {

    private final ReplayEvaluator ev = new ReplayEvaluator(PredictorConfig.defaults(), PolicyConfig.defaults(),
            Duration.ofHours(1), Duration.ofSeconds(4));

    private static ReplayHistory load(String name) throws Exception {
        return ReplayHistory.parse(Path.of(ReplayEvaluatorTest.class.getResource("/replay/" + name).toURI()));
    }

    @Test
    void ceBurstIsPredictedWellBeforeTheFirstUe() throws Exception {
        ReplayHistory h = load("ce-burst-then-ue.csv");
        ReplayEvaluator.Score s = ev.evaluate(h);
        assertEquals(1, s.failures());
        assertEquals(1, s.predictedFailures());
        assertEquals(1.0, s.precision());
        long failure = h.failures().getFirst().timeNanos();
        long firstUe = h.samples().stream().filter(x -> x.readings().stream().anyMatch(
                r -> r.metric() == org.hftfw.predictor.Metric.MEM_UE && r.value() > 0)).findFirst().orElseThrow()
                .timeNanos();
        assertTrue(s.lead(0.5).toNanos() > failure - firstUe,
                "the CE storm orders the migration before the UE could: lead " + s.lead(0.5));
        assertEquals(1, s.inTime());
        assertEquals(Action.MIGRATE_NOW, s.decisions().stream().filter(d -> d.action().isMigration()).findFirst()
                .orElseThrow().action());
    }

    @Test
    void noisySensorNeverOrdersAMigration() throws Exception {
        ReplayEvaluator.Score s = ev.evaluate(load("noisy-sensor.csv"));
        assertEquals(0, s.orders(), s.decisions().toString());
        assertTrue(s.decisions().stream().anyMatch(d -> d.to().equals("SUSPECT")),
                "the sensor does cross its limit: the node becomes suspect, then healthy again");
        assertTrue(s.decisions().stream().allMatch(d -> d.to().equals("SUSPECT") || d.to().equals("HEALTHY")));
    }

    @Test
    void suddenUeGivesAShortLeadAndTheSilentFailureIsMissed() throws Exception {
        ReplayHistory h = load("sudden-ue.csv");
        ReplayEvaluator.Score s = ev.evaluate(h);
        assertEquals(2, s.failures());
        assertEquals(1, s.predictedFailures());
        assertEquals(0.5, s.recall());
        assertEquals(1.0, s.precision());
        assertEquals(Duration.ofSeconds(20), s.lead(0.5), "UE at 3000 s, crash at 3020 s, UE seen in the same sample");
    }

    @Test
    void combinedScores() throws Exception {
        List<ReplayEvaluator.Score> all = List.of(ev.evaluate(load("ce-burst-then-ue.csv")),
                ev.evaluate(load("noisy-sensor.csv")), ev.evaluate(load("sudden-ue.csv")));
        ReplayEvaluator.Score c = ReplayEvaluator.combine("ALL", all);
        assertEquals(3, c.failures());
        assertEquals(2, c.predictedFailures());
        assertEquals(2, c.orders());
        assertEquals(1.0, c.precision());
        assertEquals(2.0 / 3, c.recall(), 1e-9);
        assertEquals(Duration.ofSeconds(20), c.lead(0));
        assertTrue(c.format().contains("recall=0.67"), c.format());
    }

    @Test
    void malformedHistoryNamesTheLine() {
        var e = assertThrows(IllegalArgumentException.class, () -> ReplayHistory.parse("h.csv",
                "# c\n0,edac,MEM_CE,mc0,0\n10,edac,MEM_CX,mc0,1\n"));
        assertTrue(e.getMessage().startsWith("h.csv:3: unknown metric 'MEM_CX'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ReplayHistory.parse("h.csv", "10,a,MEM_CE,mc0,1\n5,a,MEM_CE,mc0,1\n"));
        assertTrue(e.getMessage().contains("time goes backwards"), e.getMessage());
    }
}
