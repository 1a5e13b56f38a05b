package org.hftfw.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.predictor.Alert;
import org.hftfw.predictor.Severity;
import org.junit.jupiter.api.Test;

/** The default policy state machine on a virtual clock. */
class PolicyDaemonTest {

    private static final long S = 1_000_000_000L;
    private final AtomicLong clock = new AtomicLong();
    private final RecordingActions actions = new RecordingActions();

    private PolicyDaemon daemon(PolicyConfig cfg) {
        return new PolicyDaemon(cfg, actions, clock::get);
    }

    private static Alert alert(long t, String signal, Severity s) {
        return new Alert(t * S, "test", signal, s, "test " + s, "");
    }

    private void at(PolicyDaemon d, long t, Alert... alerts) {
        clock.set(t * S);
        d.onAlerts(t * S, List.of(alerts));
    }

    @Test
    void criticalAlertMigratesAtOnceThenDoneDemotesThenQuietRecovers() {
        PolicyDaemon d = daemon(PolicyConfig.defaults());
        at(d, 10, alert(10, "edac:MEM_UE:mc0", Severity.CRITICAL));
        assertEquals("MIGRATING", d.state());
        assertEquals(List.of("migrateNow"), actions.calls);
        at(d, 12);
        d.event("migration-done");
        assertEquals("HANDED_OVER", d.state());
        assertEquals(List.of("migrateNow", "demote"), actions.calls);
        at(d, 12 + 29 * 60);
        assertEquals("HANDED_OVER", d.state(), "30 quiet minutes needed");
        at(d, 12 + 30 * 60);
        assertEquals("RECOVERED", d.state());
        at(d, 12 + 40 * 60);
        assertEquals("HEALTHY", d.state());
        assertEquals(List.of("HEALTHY->MIGRATING", "MIGRATING->HANDED_OVER", "HANDED_OVER->RECOVERED",
                "RECOVERED->HEALTHY"), d.decisions().stream().map(x -> x.from() + "->" + x.to()).toList());
    }

    @Test
    void migratingWithoutWordFromTheMigratorDemotesAfterTimeout() {
        PolicyDaemon d = daemon(PolicyConfig.defaults());
        at(d, 0, alert(0, "aer:AER_FATAL:x", Severity.CRITICAL));
        at(d, 59);
        assertEquals("MIGRATING", d.state());
        at(d, 60);
        assertEquals("HANDED_OVER", d.state());
        assertEquals(List.of("migrateNow", "demote"), actions.calls);
    }

    @Test
    void oneWarningMakesSuspectTwoDistinctSignalsMigrateOneNoisySignalNever() {
        PolicyDaemon d = daemon(PolicyConfig.defaults());
        at(d, 0, alert(0, "hwmon:TEMP_C:hwmon0/temp1", Severity.WARNING));
        assertEquals("SUSPECT", d.state());
        for (int i = 1; i <= 8; i++) {
            at(d, i * 30L, alert(i * 30L, "hwmon:TEMP_C:hwmon0/temp1", Severity.WARNING));
        }
        assertEquals("SUSPECT", d.state(), "9 alerts from one sensor: no migration");
        assertTrue(actions.calls.isEmpty());
        at(d, 300, alert(300, "edac:MEM_CE:mc0", Severity.WARNING));
        assertEquals("MIGRATING", d.state());
        assertEquals(List.of("migrate"), actions.calls);
        assertTrue(d.decisions().getLast().reason().summary().startsWith("2 distinct WARNING+"));
    }

    @Test
    void hysteresisSuspectNeedsFiveQuietMinutesAndOldAlertsDoNotReenter() {
        PolicyDaemon d = daemon(PolicyConfig.defaults());
        at(d, 0, alert(0, "nic:NIC_ERRORS:eth0", Severity.WARNING));
        at(d, 200, alert(200, "nic:NIC_ERRORS:eth0", Severity.WARNING));
        at(d, 499);
        assertEquals("SUSPECT", d.state());
        at(d, 500);
        assertEquals("HEALTHY", d.state(), "5 min after the last alert");
        at(d, 510);
        assertEquals("HEALTHY", d.state(), "alerts from before HEALTHY was entered do not count again");
        at(d, 520, alert(520, "nic:NIC_ERRORS:eth0", Severity.INFO));
        assertEquals("HEALTHY", d.state(), "INFO alerts do not make a node suspect");
    }

    @Test
    void noisySignalIsDampedSoItsCriticalsStopOrderingMigrations() {
        PolicyConfig cfg = PolicyConfig.builder().noisySignal(3, Duration.ofMinutes(30)).build();
        PolicyDaemon d = daemon(cfg);
        at(d, 0, alert(0, "hwmon:TEMP_C:glitchy", Severity.WARNING));
        at(d, 10, alert(10, "hwmon:TEMP_C:glitchy", Severity.WARNING));
        at(d, 20, alert(20, "hwmon:TEMP_C:glitchy", Severity.CRITICAL));
        assertTrue(d.noisySignals().contains("hwmon:TEMP_C:glitchy"));
        assertEquals("SUSPECT", d.state(), "third alert in 30 min: noisy, CRITICAL counted as WARNING");
        assertTrue(actions.calls.isEmpty());
        at(d, 30, alert(30, "edac:MEM_UE:mc0", Severity.CRITICAL));
        assertEquals(List.of("migrateNow"), actions.calls, "other signals are not damped");
    }

    @Test
    void conflictingAlertsInOneBatchTheCriticalRuleWinsAndOnlyOneOrderIsGiven() {
        PolicyDaemon d = daemon(PolicyConfig.defaults());
        at(d, 5, alert(5, "hwmon:TEMP_C:a", Severity.WARNING), alert(5, "nic:NIC_ERRORS:eth0", Severity.WARNING),
                alert(5, "edac:MEM_UE:mc0", Severity.CRITICAL), alert(5, "nic:NIC_OPER_UP:eth0", Severity.INFO));
        assertEquals("MIGRATING", d.state());
        assertEquals(List.of("migrateNow"), actions.calls);
        at(d, 6, alert(6, "aer:AER_FATAL:x", Severity.CRITICAL));
        assertEquals(List.of("migrateNow"), actions.calls, "already migrating: no second order");
    }

    @Test
    void cooldownHoldsBackAutomaticMigrationButNotTheOperator() {
        PolicyDaemon d = daemon(PolicyConfig.defaults());
        at(d, 0, alert(0, "edac:MEM_UE:mc0", Severity.CRITICAL));
        d.event("migration-done", S);
        clock.set(2 * S);
        d.manual("recover", "DIMM replaced");
        assertEquals("HEALTHY", d.state());
        at(d, 60, alert(60, "edac:MEM_UE:mc0", Severity.CRITICAL));
        assertEquals("SUSPECT", d.state(), "within the 30 min cooldown: suspect, but no migration order");
        assertEquals(List.of("migrateNow", "demote"), actions.calls);
        d.manual("migrate-now", "operator insists");
        assertEquals(List.of("migrateNow", "demote", "migrateNow"), actions.calls);
        assertEquals("MIGRATING", d.state());
    }

    @Test
    void manualCommandsFollowTheConfigAndRejectWhatIsNotAllowed() {
        PolicyDaemon d = daemon(PolicyConfig.defaults());
        clock.set(S);
        var e = assertThrows(IllegalStateException.class, () -> d.manual("recover", ""));
        assertTrue(e.getMessage().contains("not allowed in state HEALTHY"), e.getMessage());
        Decision m = d.manual("migrate", "maintenance window");
        assertEquals(Action.MIGRATE, m.action());
        assertEquals("operator: migrate (maintenance window)", m.reason().summary());
        assertEquals(List.of("migrate"), actions.calls);
        d.manual("demote", "");
        assertEquals("HANDED_OVER", d.state());
        assertTrue(d.event("nonsense").isEmpty());
    }

    @Test
    void dryRunAdvancesTheMachineAndLogsButCallsNothing() {
        PolicyDaemon d = daemon(PolicyConfig.builder().dryRun(true).build());
        at(d, 0, alert(0, "edac:MEM_UE:mc0", Severity.CRITICAL));
        assertEquals("MIGRATING", d.state());
        assertTrue(actions.calls.isEmpty());
        assertFalse(d.decisions().getFirst().executed());
        assertEquals(Action.MIGRATE_NOW, d.decisions().getFirst().action());
    }

    @Test
    void relapseAfterRecoveryGoesBackToHandedOverWithoutANewOrder() {
        PolicyDaemon d = daemon(PolicyConfig.defaults());
        at(d, 0, alert(0, "edac:MEM_UE:mc0", Severity.CRITICAL));
        d.event("migration-done", S);
        at(d, 1 + 30 * 60);
        assertEquals("RECOVERED", d.state());
        at(d, 1 + 31 * 60, alert(1 + 31 * 60, "edac:MEM_CE:mc0", Severity.WARNING));
        assertEquals("HANDED_OVER", d.state());
        assertEquals(List.of("migrateNow", "demote"), actions.calls);
    }

    @Test
    void failingActionIsLoggedAndRecordedAsNotExecuted() {
        PolicyDaemon d = new PolicyDaemon(PolicyConfig.defaults(), new MigrationActions() {
            @Override
            public void migrate(Reason r) {}

            @Override
            public void migrateNow(Reason r) {
                throw new IllegalStateException("peer unreachable");
            }

            @Override
            public void demote(Reason r) {}
        }, clock::get);
        at(d, 0, alert(0, "edac:MEM_UE:mc0", Severity.CRITICAL));
        assertEquals("MIGRATING", d.state());
        assertFalse(d.decisions().getFirst().executed());
    }
}
