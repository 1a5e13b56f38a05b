package org.hftfw.models.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FlowPlanTest {

    @Test
    void sameSeedGivesTheSamePlan() {
        FlowPlan a = FlowPlan.generate(42, 500, 5, 600_000, 40, Map.of());
        FlowPlan b = FlowPlan.generate(42, 500, 5, 600_000, 40, Map.of());
        assertEquals(a, b);
        assertEquals(a.countByService(), b.countByService());
    }

    @Test
    void otherSeedGivesAnotherPlan() {
        assertNotEquals(FlowPlan.generate(1, 200, 5, 600_000, 40, Map.of()).flows(),
                FlowPlan.generate(2, 200, 5, 600_000, 40, Map.of()).flows());
    }

    @Test
    void planIsBoundedByCountAndTime() {
        FlowPlan p = FlowPlan.generate(7, 10_000, 10, 30_000, 5, Map.of());
        assertTrue(p.flows().size() < 10_000, "the 30 s bound cuts a 10/s plan of 10 000 flows");
        assertTrue(p.flows().stream().allMatch(f -> f.startMillis() < 30_000));
        assertTrue(p.flows().stream().allMatch(f -> f.client() >= 0 && f.client() < 5));
        double rate = p.flows().size() / 30.0;
        assertTrue(rate > 8 && rate < 12, "Poisson arrivals near the requested rate, got " + rate);
    }

    @Test
    void mixFollowsTheWeights() {
        FlowPlan p = FlowPlan.generate(3, 5_000, 1000, 600_000, 10, Map.of(Service.HTTP, 1, Service.DNS, 1,
                Service.SSH, 0, Service.POP3, 0, Service.IMAP, 0, Service.FTP, 0));
        Map<Service, Long> n = p.countByService();
        assertEquals(2, n.size());
        assertTrue(Math.abs(n.get(Service.HTTP) - n.get(Service.DNS)) < 300);
    }

    @Test
    void rejectsNonsense() {
        assertThrows(IllegalArgumentException.class, () -> FlowPlan.generate(1, 0, 1, 1000, 1, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> FlowPlan.generate(1, 10, 1, 1000, 1,
                Map.of(Service.HTTP, 0, Service.DNS, 0, Service.SSH, 0, Service.POP3, 0, Service.IMAP, 0, Service.FTP, 0)));
    }

    @Test
    void heterogeneousRttsStayInTheSeedRange() {
        LatencyProfile p = LatencyProfile.heterogeneous(200, 9);
        for (int r : p.rttMillis()) {
            assertTrue(r >= 20 && r <= 500, "RTT " + r);
        }
        assertEquals(p.rttMillis().length, 200);
        assertTrue(java.util.Arrays.stream(p.rttMillis()).distinct().count() > 50, "spread, not one value");
    }
}
