package org.hftfw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hftfw.predictor.Severity;
import org.junit.jupiter.api.Test;

class PolicyConfigTest {

    @Test
    void emptyMapGivesTheDefaults() {
        assertEquals(PolicyConfig.defaults(), PolicyConfig.fromMap(Map.of()));
    }

    @Test
    void mapsAWholeMachineAsHoconUnwrappedWouldGiveIt() {
        PolicyConfig c = PolicyConfig.fromMap(Map.of(
                "dry-run", true,
                "states", List.of("OK", "BAD"),
                "initial", "OK",
                "migration-cooldown", "10m",
                "max-alerts-per-signal", 2,
                "noisy-signal", Map.of("alerts", 4, "window", "15m"),
                "transitions", List.of(
                        Map.of("from", "OK", "to", "BAD", "on", Map.of("alerts",
                                Map.of("min-severity", "critical", "count", 1, "window", "30s")), "action", "migrate-now"),
                        Map.of("from", List.of("BAD"), "to", "OK", "on", Map.of("quiet", Map.of("for", 600000))),
                        Map.of("from", "*", "to", "BAD", "on", Map.of("manual", "demote"), "action", "DEMOTE"))));
        assertTrue(c.dryRun());
        assertEquals(Duration.ofMinutes(10), c.migrationCooldown());
        assertEquals(Duration.ofMinutes(15), c.noisyWindow());
        assertEquals(new Transition(Set.of("OK"), "BAD", new Trigger.Alerts(Severity.CRITICAL, 1,
                Duration.ofSeconds(30), false), Action.MIGRATE_NOW), c.transitions().get(0));
        assertEquals(new Trigger.Quiet(Severity.WARNING, Duration.ofMinutes(10)), c.transitions().get(1).on());
    }

    @Test
    void errorsNameThePath() {
        assertMessage(Map.of("dry-runn", true), "policy config dry-runn: unknown key");
        assertMessage(Map.of("migration-cooldown", "soon"), "migration-cooldown: not a duration: 'soon'");
        assertMessage(Map.of("transitions", List.of(Map.of("from", "HEALTHY", "to", "NOWHERE",
                "on", Map.of("manual", "x")))), "transitions[0].to: unknown state 'NOWHERE'");
        assertMessage(Map.of("transitions", List.of(Map.of("from", "HEALTHY", "to", "SUSPECT",
                "on", Map.of("alerts", Map.of("count", 0, "window", "1m"))))), "transitions[0].on.alerts.count: must be >= 1");
        assertMessage(Map.of("transitions", List.of(Map.of("from", "HEALTHY", "to", "SUSPECT",
                "on", Map.of("alerts", Map.of("min-severity", "PANIC", "window", "1m"))))),
                "transitions[0].on.alerts.min-severity: 'PANIC' is not one of [INFO, WARNING, CRITICAL]");
        assertMessage(Map.of("transitions", List.of(Map.of("from", "HEALTHY", "to", "SUSPECT",
                "on", Map.of("sometimes", "x")))), "unknown trigger 'sometimes'");
        assertMessage(Map.of("initial", "LIMBO"), "initial: 'LIMBO' is not a declared state");
        assertMessage(Map.of("max-alerts-per-signal", "many"), "max-alerts-per-signal: expected an integer");
    }

    private static void assertMessage(Map<String, ?> m, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PolicyConfig.fromMap(m));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @Test
    void durationForms() {
        assertEquals(Duration.ofMillis(500), ConfigMaps.duration("x", "500ms"));
        assertEquals(Duration.ofMinutes(5), ConfigMaps.duration("x", "5m"));
        assertEquals(Duration.ofHours(1), ConfigMaps.duration("x", "1h"));
        assertEquals(Duration.ofSeconds(90), ConfigMaps.duration("x", "90s"));
        assertEquals(Duration.ofMillis(250), ConfigMaps.duration("x", 250));
    }
}
