package org.hftfw.policy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hftfw.predictor.Alert;
import org.hftfw.predictor.AlertListener;
import org.hftfw.predictor.DeferredLog;
import org.hftfw.predictor.Severity;
import org.hftfw.common.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy daemon (PD) of the hFT-FW paper, §V "Proactive: migration on errors": it evaluates the alerts of the
 * fault predictor and, when it judges that the firewall is compromised, tells the state migrator to move the flow
 * states to the healthy replica. The paper asks for "simple but conservative policies" and "fast runtime decision
 * algorithms", because Tprop (migration time plus decision time) must stay below Tfail.
 *
 * <p>Design note. A state machine whose states and transitions come from {@link PolicyConfig}; transitions are tried
 * in configuration order, so a CRITICAL rule listed first beats WARNINGs that arrive in the same batch (conflicting
 * alerts resolve to the most severe applicable rule, one order per batch). Alert-count triggers only count alerts
 * received since the current state was entered, and quiet triggers need a quiet period at least as long in the
 * state: leaving a state needs a different, longer condition than entering it (hysteresis). Three dampers keep one
 * noisy sensor from making the cluster flap: counts may require distinct signals; one signal contributes at most
 * {@code maxAlertsPerSignal} alerts to a count; and a signal that alerts {@code noisyAlerts} times within
 * {@code noisyWindow} is marked noisy and its alerts are capped at WARNING (after BGP route-flap damping, RFC 2439).
 * After a migration order, automatic migration orders wait {@code migrationCooldown}; operator commands are not held
 * back. In dry-run mode the machine advances and every decision is logged, but no action is called. Time comes only
 * from the callers ({@code onAlerts(now, ...)}) or the injected {@link Clock}. Work per batch is linear in the
 * alerts kept (bounded by the longest window), with no I/O: an order is given before it is logged, and decision
 * lines are written by {@link DeferredLog}'s thread.
 */
public final class PolicyDaemon implements AlertListener {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyDaemon.class);
    private static final int MAX_DECISIONS = 1000;
    private static final int MAX_HISTORY = 4096;
    private static final int MAX_REASON_ALERTS = 8;

    private record Seen(long t, String signal, Severity severity, Alert alert) {}

    private final PolicyConfig config;
    private final MigrationActions actions;
    private final Clock clock;
    private final long keepNanos;
    private final ArrayDeque<Seen> history = new ArrayDeque<>();
    private final Map<String, ArrayDeque<Long>> perSignal = new HashMap<>();
    private final Set<String> noisy = new HashSet<>();
    private final ArrayDeque<Decision> decisions = new ArrayDeque<>();
    private String state;
    private long enteredAt;
    private long lastMigrationAt;
    private boolean migratedOnce;
    private long lastNow;

    public PolicyDaemon(PolicyConfig config, MigrationActions actions, Clock clock) {
        this.config = config;
        this.actions = actions;
        this.clock = clock;
        this.state = config.initial();
        this.enteredAt = clock.nanos();
        this.lastNow = enteredAt;
        long keep = config.noisyWindow().toNanos();
        for (Transition t : config.transitions()) {
            keep = Math.max(keep, switch (t.on()) {
                case Trigger.Alerts a -> a.window().toNanos();
                case Trigger.Quiet q -> q.duration().toNanos();
                default -> 0L;
            });
        }
        this.keepNanos = keep;
        LOG.info("policy daemon starts in {}{}", state, config.dryRun() ? " (dry-run: decisions are only logged)" : "");
    }

    public synchronized String state() {
        return state;
    }

    public synchronized long enteredAtNanos() {
        return enteredAt;
    }

    public synchronized List<Decision> decisions() {
        return List.copyOf(decisions);
    }

    public synchronized Set<String> noisySignals() {
        return Set.copyOf(noisy);
    }

    public PolicyConfig config() {
        return config;
    }

    /** Forgets everything and returns to the initial state (the node restarted). */
    public synchronized void reset(long now) {
        history.clear();
        perSignal.clear();
        noisy.clear();
        state = config.initial();
        enteredAt = now;
        lastNow = now;
        migratedOnce = false;
    }

    /** Time passes with no alert: timeouts and quiet periods are evaluated. */
    public void tick(long now) {
        onAlerts(now, List.of());
    }

    @Override
    public synchronized void onAlerts(long now, List<Alert> alerts) {
        lastNow = Math.max(lastNow, now);
        for (Alert a : alerts) {
            record(now, a);
        }
        prune(now);
        for (int step = 0; step <= config.states().size(); step++) {
            if (!evaluateAutomatic(now)) {
                return;
            }
        }
        LOG.warn("policy: more than {} chained transitions at once; stopped in {}", config.states().size(), state);
    }

    /** An operator command (e.g. {@code migrate}, {@code demote}, {@code recover}); not held back by the cooldown. */
    public synchronized Decision manual(String command, String why) {
        long now = Math.max(lastNow, clock.nanos());
        for (Transition t : config.transitions()) {
            if (t.on() instanceof Trigger.Manual m && m.command().equals(command) && t.appliesIn(state)) {
                return take(now, t, new Reason("operator: " + command + (why == null || why.isBlank() ? ""
                        : " (" + why + ")"), List.of()));
            }
        }
        throw new IllegalStateException("command '" + command + "' is not allowed in state " + state
                + "; allowed here: " + allowed(Trigger.Manual.class));
    }

    /** An external event such as {@code migration-done}; ignored (and logged) when no transition takes it here. */
    public synchronized Optional<Decision> event(String name) {
        long now = Math.max(lastNow, clock.nanos());
        return event(name, now);
    }

    public synchronized Optional<Decision> event(String name, long now) {
        lastNow = Math.max(lastNow, now);
        for (Transition t : config.transitions()) {
            if (t.on() instanceof Trigger.Event e && e.name().equals(name) && t.appliesIn(state)) {
                return Optional.of(take(now, t, new Reason("event: " + name, List.of())));
            }
        }
        LOG.info("policy: event '{}' ignored in state {}", name, state);
        return Optional.empty();
    }

    private List<String> allowed(Class<? extends Trigger> kind) {
        List<String> out = new ArrayList<>();
        for (Transition t : config.transitions()) {
            if (kind.isInstance(t.on()) && t.appliesIn(state) && t.on() instanceof Trigger.Manual m) {
                out.add(m.command());
            }
        }
        return out;
    }

    private void record(long now, Alert a) {
        ArrayDeque<Long> times = perSignal.computeIfAbsent(a.signal(), k -> new ArrayDeque<>());
        times.addLast(now);
        while (times.peekFirst() < now - config.noisyWindow().toNanos()) {
            times.pollFirst();
        }
        Severity sev = a.severity();
        if (times.size() >= config.noisyAlerts()) {
            if (noisy.add(a.signal())) {
                DeferredLog.shared().warn(LOG,
                        "policy: signal {} raised {} alerts within {}: noisy, its alerts now count as WARNING at most",
                        a.signal(), times.size(), config.noisyWindow());
            }
            if (sev == Severity.CRITICAL) {
                sev = Severity.WARNING;
            }
        } else if (times.size() == 1) {
            noisy.remove(a.signal());
        }
        history.addLast(new Seen(now, a.signal(), sev, a));
        if (history.size() > MAX_HISTORY) {
            history.pollFirst();
        }
    }

    private void prune(long now) {
        while (!history.isEmpty() && history.peekFirst().t() < now - keepNanos) {
            history.pollFirst();
        }
        if (perSignal.size() > MAX_HISTORY) {
            perSignal.values().removeIf(q -> q.isEmpty() || q.peekLast() < now - config.noisyWindow().toNanos());
        }
    }

    private boolean evaluateAutomatic(long now) {
        for (Transition t : config.transitions()) {
            if (!t.appliesIn(state)) {
                continue;
            }
            Optional<Reason> why = fires(t.on(), now);
            if (why.isEmpty()) {
                continue;
            }
            if (t.action().isMigration() && migratedOnce
                    && now - lastMigrationAt < config.migrationCooldown().toNanos()) {
                LOG.debug("policy: {} -> {} held back: migration cooldown {}", state, t.to(), config.migrationCooldown());
                continue;
            }
            take(now, t, why.get());
            return true;
        }
        return false;
    }

    private Optional<Reason> fires(Trigger on, long now) {
        return switch (on) {
            case Trigger.Alerts a -> alerts(a, now);
            case Trigger.Quiet q -> {
                long d = q.duration().toNanos();
                if (now - enteredAt < d) {
                    yield Optional.empty();
                }
                for (Iterator<Seen> it = history.descendingIterator(); it.hasNext(); ) {
                    Seen s = it.next();
                    if (s.t() <= now - d) {
                        break;
                    }
                    if (s.severity().atLeast(q.minSeverity())) {
                        yield Optional.empty();
                    }
                }
                yield Optional.of(new Reason("no " + q.minSeverity() + "+ alert for " + fmt(q.duration()), List.of()));
            }
            case Trigger.TimeInState t -> now - enteredAt >= t.duration().toNanos()
                    ? Optional.of(new Reason(fmt(t.duration()) + " in " + state, List.of())) : Optional.empty();
            case Trigger.Event e -> Optional.empty();
            case Trigger.Manual m -> Optional.empty();
        };
    }

    private Optional<Reason> alerts(Trigger.Alerts a, long now) {
        long since = Math.max(now - a.window().toNanos(), enteredAt);
        Map<String, Integer> perSig = new HashMap<>();
        List<Alert> used = new ArrayList<>();
        int count = 0;
        for (Iterator<Seen> it = history.descendingIterator(); it.hasNext(); ) {
            Seen s = it.next();
            if (s.t() < since) {
                break;
            }
            if (!s.severity().atLeast(a.minSeverity())) {
                continue;
            }
            int n = perSig.merge(s.signal(), 1, Integer::sum);
            if (a.distinctSignals() ? n > 1 : n > config.maxAlertsPerSignal()) {
                continue;
            }
            count++;
            if (used.size() < MAX_REASON_ALERTS) {
                used.add(s.alert());
            }
            if (count >= a.count()) {
                return Optional.of(new Reason(count + (a.distinctSignals() ? " distinct " : " ") + a.minSeverity()
                        + "+ signal alert(s) within " + fmt(a.window()), used));
            }
        }
        return Optional.empty();
    }

    private Decision take(long now, Transition t, Reason reason) {
        String from = state;
        state = t.to();
        enteredAt = now;
        boolean executed = false;
        if (t.action().isMigration()) {
            migratedOnce = true;
            lastMigrationAt = now;
        }
        if (config.dryRun()) {
            if (t.action() != Action.NONE) {
                DeferredLog.shared().warn(LOG, "policy DRY-RUN: {} -> {}: would call {}({})", from, t.to(), t.action(), reason);
            } else {
                DeferredLog.shared().info(LOG, "policy DRY-RUN: {} -> {}: {}", from, t.to(), reason);
            }
        } else {
            // the order goes out first; the line saying so is written afterwards, off this thread
            executed = execute(t.action(), reason);
            DeferredLog.shared().info(LOG, "policy: {} -> {}{}: {}", from, t.to(), t.action() == Action.NONE ? ""
                    : " " + t.action(), reason);
        }
        Decision d = new Decision(now, from, t.to(), t.action(), reason, executed);
        decisions.addLast(d);
        if (decisions.size() > MAX_DECISIONS) {
            decisions.pollFirst();
        }
        return d;
    }

    private boolean execute(Action action, Reason reason) {
        try {
            switch (action) {
                case MIGRATE -> actions.migrate(reason);
                case MIGRATE_NOW -> actions.migrateNow(reason);
                case DEMOTE -> actions.demote(reason);
                case NONE -> {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            DeferredLog.shared().error(LOG, "policy: action {} failed", action, e);
            return false;
        }
    }

    private static String fmt(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
