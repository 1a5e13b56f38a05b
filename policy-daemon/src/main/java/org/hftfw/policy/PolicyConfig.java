package org.hftfw.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hftfw.predictor.Severity;

/**
 * The policy state machine and its damping settings. The sidecar maps a HOCON block onto {@link #fromMap(Map)}
 * (e.g. {@code ConfigFactory.parseFile(f).getConfig("policy").root().unwrapped()}); every problem is reported with
 * its path.
 *
 * @param states             declared states
 * @param initial            state at start-up
 * @param transitions        edges, tried in order (the order is the priority)
 * @param dryRun             log decisions but call no action
 * @param migrationCooldown  after a migration order, automatic migration orders are held back this long
 * @param maxAlertsPerSignal in alert counts, one signal contributes at most this many alerts
 * @param noisyAlerts        a signal that raised this many alerts within {@code noisyWindow} is noisy: its alerts
 *                           are capped at WARNING (flap damping)
 * @param noisyWindow        see {@code noisyAlerts}
 */
public record PolicyConfig(Set<String> states, String initial, List<Transition> transitions, boolean dryRun,
        Duration migrationCooldown, int maxAlertsPerSignal, int noisyAlerts, Duration noisyWindow) {

    public static final String HEALTHY = "HEALTHY";
    public static final String SUSPECT = "SUSPECT";
    public static final String MIGRATING = "MIGRATING";
    public static final String HANDED_OVER = "HANDED_OVER";
    public static final String RECOVERED = "RECOVERED";

    public PolicyConfig {
        states = Set.copyOf(new LinkedHashSet<>(states));
        transitions = List.copyOf(transitions);
        List<String> errors = new ArrayList<>();
        if (!states.contains(initial)) {
            errors.add("initial: '" + initial + "' is not a declared state " + states);
        }
        for (int i = 0; i < transitions.size(); i++) {
            Transition t = transitions.get(i);
            String at = "transitions[" + i + "]";
            for (String f : t.from()) {
                if (!f.equals("*") && !states.contains(f)) {
                    errors.add(at + ".from: unknown state '" + f + "'");
                }
            }
            if (!states.contains(t.to())) {
                errors.add(at + ".to: unknown state '" + t.to() + "'");
            }
            validate(errors, at + ".on", t.on());
        }
        positive(errors, "migration-cooldown", migrationCooldown, true);
        positive(errors, "noisy-signal.window", noisyWindow, false);
        if (maxAlertsPerSignal < 1) {
            errors.add("max-alerts-per-signal: must be >= 1, got " + maxAlertsPerSignal);
        }
        if (noisyAlerts < 2) {
            errors.add("noisy-signal.alerts: must be >= 2, got " + noisyAlerts);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid policy config: " + String.join("; ", errors));
        }
    }

    private static void validate(List<String> errors, String at, Trigger on) {
        switch (on) {
            case Trigger.Alerts a -> {
                if (a.count() < 1) {
                    errors.add(at + ".alerts.count: must be >= 1, got " + a.count());
                }
                positive(errors, at + ".alerts.window", a.window(), false);
            }
            case Trigger.Quiet q -> positive(errors, at + ".quiet.for", q.duration(), false);
            case Trigger.TimeInState t -> positive(errors, at + ".time-in-state", t.duration(), false);
            case Trigger.Event e -> {
                if (e.name().isBlank()) {
                    errors.add(at + ".event: empty name");
                }
            }
            case Trigger.Manual m -> {
                if (m.command().isBlank()) {
                    errors.add(at + ".manual: empty command");
                }
            }
        }
    }

    private static void positive(List<String> errors, String at, Duration d, boolean zeroOk) {
        if (d == null || d.isNegative() || (!zeroOk && d.isZero())) {
            errors.add(at + ": must be a " + (zeroOk ? "non-negative" : "positive") + " duration, got " + d);
        }
    }

    /**
     * The default policy: simple and conservative, as §V of the paper asks. Any CRITICAL alert orders an immediate
     * migration; a WARNING makes the node SUSPECT; two different signals agreeing within ten minutes order an
     * orderly migration (one sensor alone, however often it alerts, does not); five quiet minutes clear SUSPECT. After the migrator
     * reports {@code migration-done} (or after 60 s without word) the node is demoted; thirty quiet minutes later it
     * counts as RECOVERED and ten more make it HEALTHY; a relapse sends it back to HANDED_OVER.
     */
    public static List<Transition> defaultTransitions() {
        Set<String> canMigrate = Set.of(HEALTHY, SUSPECT, RECOVERED);
        return List.of(
                new Transition(canMigrate, MIGRATING, new Trigger.Manual("migrate-now"), Action.MIGRATE_NOW),
                new Transition(canMigrate, MIGRATING, new Trigger.Manual("migrate"), Action.MIGRATE),
                new Transition(Set.of("*"), HANDED_OVER, new Trigger.Manual("demote"), Action.DEMOTE),
                new Transition(Set.of(HANDED_OVER, RECOVERED, SUSPECT), HEALTHY, new Trigger.Manual("recover"),
                        Action.NONE),
                new Transition(Set.of(HEALTHY, SUSPECT), MIGRATING,
                        new Trigger.Alerts(Severity.CRITICAL, 1, Duration.ofMinutes(1), false), Action.MIGRATE_NOW),
                new Transition(Set.of(MIGRATING), HANDED_OVER, new Trigger.Event("migration-done"), Action.DEMOTE),
                new Transition(Set.of(MIGRATING), HANDED_OVER, new Trigger.TimeInState(Duration.ofSeconds(60)),
                        Action.DEMOTE),
                new Transition(Set.of(RECOVERED), HANDED_OVER,
                        new Trigger.Alerts(Severity.WARNING, 1, Duration.ofMinutes(10), false), Action.NONE),
                new Transition(Set.of(SUSPECT), MIGRATING,
                        new Trigger.Alerts(Severity.WARNING, 2, Duration.ofMinutes(10), true), Action.MIGRATE),
                new Transition(Set.of(HEALTHY), SUSPECT,
                        new Trigger.Alerts(Severity.WARNING, 1, Duration.ofMinutes(10), false), Action.NONE),
                new Transition(Set.of(SUSPECT), HEALTHY, new Trigger.Quiet(Severity.WARNING, Duration.ofMinutes(5)),
                        Action.NONE),
                new Transition(Set.of(HANDED_OVER), RECOVERED,
                        new Trigger.Quiet(Severity.WARNING, Duration.ofMinutes(30)), Action.NONE),
                new Transition(Set.of(RECOVERED), HEALTHY, new Trigger.Quiet(Severity.WARNING, Duration.ofMinutes(10)),
                        Action.NONE));
    }

    public static PolicyConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().states(states).initial(initial).transitions(transitions).dryRun(dryRun)
                .migrationCooldown(migrationCooldown).maxAlertsPerSignal(maxAlertsPerSignal)
                .noisySignal(noisyAlerts, noisyWindow);
    }

    /**
     * Reads a map as produced by HOCON/YAML loaders. Keys: {@code dry-run}, {@code initial}, {@code states},
     * {@code migration-cooldown}, {@code max-alerts-per-signal}, {@code noisy-signal {alerts, window}} and
     * {@code transitions} (a list of {@code {from, to, on, action}}; {@code on} is one of {@code alerts {min-severity,
     * count, window, distinct-signals}}, {@code quiet {min-severity, for}}, {@code time-in-state}, {@code event},
     * {@code manual}). Absent keys keep the defaults; absent {@code transitions} keeps the default machine.
     * Durations are strings like {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, ISO-8601, or numbers of ms.
     */
    public static PolicyConfig fromMap(Map<String, ?> map) {
        return ConfigMaps.policy(map);
    }

    /** Builder holding the defaults. */
    public static final class Builder {
        private Set<String> states = new LinkedHashSet<>(List.of(HEALTHY, SUSPECT, MIGRATING, HANDED_OVER, RECOVERED));
        private String initial = HEALTHY;
        private List<Transition> transitions = defaultTransitions();
        private boolean dryRun;
        private Duration migrationCooldown = Duration.ofMinutes(30);
        private int maxAlertsPerSignal = 3;
        private int noisyAlerts = 6;
        private Duration noisyWindow = Duration.ofMinutes(30);

        private Builder() {}

        public Builder states(Set<String> v) { states = new LinkedHashSet<>(v); return this; }
        public Builder initial(String v) { initial = v; return this; }
        public Builder transitions(List<Transition> v) { transitions = List.copyOf(v); return this; }
        public Builder dryRun(boolean v) { dryRun = v; return this; }
        public Builder migrationCooldown(Duration v) { migrationCooldown = v; return this; }
        public Builder maxAlertsPerSignal(int v) { maxAlertsPerSignal = v; return this; }
        public Builder noisySignal(int alerts, Duration window) { noisyAlerts = alerts; noisyWindow = window; return this; }

        public PolicyConfig build() {
            return new PolicyConfig(states, initial, transitions, dryRun, migrationCooldown, maxAlertsPerSignal,
                    noisyAlerts, noisyWindow);
        }
    }
}
