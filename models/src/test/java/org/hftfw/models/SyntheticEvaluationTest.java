package org.hftfw.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;
import org.junit.jupiter.api.Test;

/** Invariants of the evaluation on seeded synthetic logs (no measured figure is asserted). */
class SyntheticEvaluationTest {
    private static final Duration L = Duration.ofMillis(100);

    @Test
    void sameSeedSameLog() {
        List<ConntrackEvent> a = SyntheticTraces.generate(SyntheticTraces.Spec.webMix(7, 500));
        List<ConntrackEvent> b = SyntheticTraces.generate(SyntheticTraces.Spec.webMix(7, 500));
        assertEquals(a, b);
        Trace t = Trace.of(a, L);
        assertEquals(500, t.flowCount());
        for (int i = 1; i < t.size(); i++) {
            assertTrue(t.time[i] >= t.time[i - 1]);
        }
    }

    @Test
    void policiesKeepTheirDefiningProperties() {
        Trace t = Trace.of(SyntheticTraces.generate(SyntheticTraces.Spec.webMix(11, 3000)), L);
        Evaluator ev = new Evaluator(t);
        List<PolicyResult> std = ev.standard(LazyConfig.defaults(), LearnedModel.empty(), Duration.ofMillis(1),
                Duration.ofSeconds(15));
        PolicyResult oracle = std.get(0);
        PolicyResult all = std.get(1);
        PolicyResult queue = std.get(2);
        PolicyResult filterUdp = std.get(3);
        PolicyResult filterTcp = std.get(4);
        PolicyResult drop = std.get(6);
        PolicyResult defer = std.get(7);
        assertEquals("oracle", oracle.policy());
        assertEquals(0.0, oracle.wrong());
        assertEquals(0.0, oracle.exposure());
        assertEquals(0.0, all.saved());
        assertEquals(0.0, all.exposure());
        assertTrue(queue.sent() <= all.sent());
        assertEquals(0L, queue.wrongNeverSent(), "collapsed states were superseded within 1 ms: never SS");
        assertTrue(filterTcp.sent() < filterUdp.sent());
        assertTrue(filterTcp.wrong() > filterUdp.wrong());
        assertEquals(drop.wrong(), defer.wrong(), 1e-12, "drop and defer learn the same and decide the same");
        assertEquals(0, defer.wrongNeverSent(), "every held state that turns stable is sent at B");
        assertEquals(drop.wrongNeverSent(), defer.wrongSentLate());
        assertTrue(defer.sent() >= drop.sent());
        assertTrue(defer.exposure() <= drop.exposure());
        assertEquals("drop", drop.mode());
        assertTrue(drop.saved() > 0, "it learns something on 3000 flows");
    }

    @Test
    void sweepCoversEveryBarrierAndMode() {
        Trace t = Trace.of(SyntheticTraces.generate(SyntheticTraces.Spec.webMix(3, 300)), L);
        List<PolicyResult> r = new Evaluator(t).sweep(LazyConfig.defaults(), new double[] {0, 0.125, 1},
                List.of(Mode.DROP, Mode.DEFER), LearnedModel.empty());
        assertEquals(6, r.size());
        assertEquals(1.0, r.get(2).barrier());
        assertEquals("defer", r.get(5).mode());
    }
}
