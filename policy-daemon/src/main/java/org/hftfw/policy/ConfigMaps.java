package org.hftfw.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.hftfw.common.Durations;
import org.hftfw.common.InvalidConfigException;
import org.hftfw.predictor.Severity;

/** Maps plain maps/lists/strings/numbers (HOCON {@code unwrapped()}, YAML) onto {@link PolicyConfig}. */
final class ConfigMaps {

    private static final Set<String> TOP_KEYS = Set.of("dry-run", "initial", "states", "migration-cooldown",
            "max-alerts-per-signal", "noisy-signal", "transitions");

    private ConfigMaps() {}

    /** A problem in the policy block, with the path where it is. */
    private static InvalidConfigException problem(String path, String message) {
        return new InvalidConfigException("policy config " + path + ": " + message);
    }

    static PolicyConfig policy(Map<String, ?> map) {
        unknownKeys("", map, TOP_KEYS);
        PolicyConfig.Builder b = PolicyConfig.builder();
        if (map.containsKey("dry-run")) {
            b.dryRun(bool("dry-run", map.get("dry-run")));
        }
        Set<String> states = null;
        if (map.containsKey("states")) {
            states = new LinkedHashSet<>();
            for (Object o : list("states", map.get("states"))) {
                states.add(string("states[]", o));
            }
            b.states(states);
        }
        if (map.containsKey("initial")) {
            b.initial(string("initial", map.get("initial")));
        }
        if (map.containsKey("migration-cooldown")) {
            b.migrationCooldown(duration("migration-cooldown", map.get("migration-cooldown")));
        }
        if (map.containsKey("max-alerts-per-signal")) {
            b.maxAlertsPerSignal(integer("max-alerts-per-signal", map.get("max-alerts-per-signal")));
        }
        if (map.containsKey("noisy-signal")) {
            Map<String, ?> n = object("noisy-signal", map.get("noisy-signal"));
            unknownKeys("noisy-signal.", n, Set.of("alerts", "window"));
            PolicyConfig d = PolicyConfig.defaults();
            b.noisySignal(n.containsKey("alerts") ? integer("noisy-signal.alerts", n.get("alerts")) : d.noisyAlerts(),
                    n.containsKey("window") ? duration("noisy-signal.window", n.get("window")) : d.noisyWindow());
        }
        if (map.containsKey("transitions")) {
            List<Transition> ts = new ArrayList<>();
            List<?> raw = list("transitions", map.get("transitions"));
            for (int i = 0; i < raw.size(); i++) {
                ts.add(transition("transitions[" + i + "]", object("transitions[" + i + "]", raw.get(i))));
            }
            b.transitions(ts);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw problem("", e.getMessage());
        }
    }

    private static Transition transition(String at, Map<String, ?> m) {
        unknownKeys(at + ".", m, Set.of("from", "to", "on", "action"));
        require(at, m, "from");
        require(at, m, "to");
        require(at, m, "on");
        Set<String> from = new LinkedHashSet<>();
        Object f = m.get("from");
        if (f instanceof Collection<?> c) {
            for (Object o : c) {
                from.add(string(at + ".from[]", o));
            }
        } else {
            from.add(string(at + ".from", f));
        }
        Action action = m.containsKey("action") ? enumValue(at + ".action", m.get("action"), Action.class)
                : Action.NONE;
        return new Transition(from, string(at + ".to", m.get("to")), trigger(at + ".on", m.get("on")), action);
    }

    private static Trigger trigger(String at, Object o) {
        Map<String, ?> on = object(at, o);
        if (on.size() != 1) {
            throw problem(at, "exactly one of alerts, quiet, time-in-state, event, manual; got " + on.keySet());
        }
        var e = on.entrySet().iterator().next();
        String k = e.getKey();
        String p = at + "." + k;
        return switch (k) {
            case "alerts" -> {
                Map<String, ?> a = object(p, e.getValue());
                unknownKeys(p + ".", a, Set.of("min-severity", "count", "window", "distinct-signals"));
                require(p, a, "window");
                yield new Trigger.Alerts(
                        a.containsKey("min-severity") ? enumValue(p + ".min-severity", a.get("min-severity"),
                                Severity.class) : Severity.WARNING,
                        a.containsKey("count") ? integer(p + ".count", a.get("count")) : 1,
                        duration(p + ".window", a.get("window")),
                        a.containsKey("distinct-signals") && bool(p + ".distinct-signals", a.get("distinct-signals")));
            }
            case "quiet" -> {
                Map<String, ?> q = object(p, e.getValue());
                unknownKeys(p + ".", q, Set.of("min-severity", "for"));
                require(p, q, "for");
                yield new Trigger.Quiet(q.containsKey("min-severity") ? enumValue(p + ".min-severity",
                        q.get("min-severity"), Severity.class) : Severity.WARNING, duration(p + ".for", q.get("for")));
            }
            case "time-in-state" -> new Trigger.TimeInState(duration(p, e.getValue()));
            case "event" -> new Trigger.Event(string(p, e.getValue()));
            case "manual" -> new Trigger.Manual(string(p, e.getValue()));
            default -> throw problem(at, "unknown trigger '" + k
                    + "', expected alerts, quiet, time-in-state, event or manual");
        };
    }

    static Duration duration(String at, Object o) {
        if (o instanceof Duration d) {
            return d;
        }
        try {
            return Durations.parse(at, o);
        } catch (InvalidConfigException e) {
            throw problem(at, "not a duration: '" + o + "' (use e.g. 500ms, 10s, 5m, 1h; a bare number is milliseconds)");
        }
    }

    private static <E extends Enum<E>> E enumValue(String at, Object o, Class<E> type) {
        String s = string(at, o);
        try {
            return Enum.valueOf(type, s.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw problem(at, "'" + s + "' is not one of " + List.of(type.getEnumConstants()));
        }
    }

    private static int integer(String at, Object o) {
        if (o instanceof Integer || o instanceof Long || o instanceof Short) {
            long v = ((Number) o).longValue();
            if (v == (int) v) {
                return (int) v;
            }
        }
        if (o instanceof String s && s.strip().matches("-?\\d{1,9}")) {
            return Integer.parseInt(s.strip());
        }
        throw problem(at, "expected an integer, got " + typeOf(o));
    }

    private static boolean bool(String at, Object o) {
        if (o instanceof Boolean b) {
            return b;
        }
        if (o instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw problem(at, "expected true or false, got " + typeOf(o));
    }

    private static String string(String at, Object o) {
        if (o instanceof String s && !s.isBlank()) {
            return s.strip();
        }
        throw problem(at, "expected a non-empty string, got " + typeOf(o));
    }

    private static List<?> list(String at, Object o) {
        if (o instanceof List<?> l) {
            return l;
        }
        throw problem(at, "expected a list, got " + typeOf(o));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> object(String at, Object o) {
        if (o instanceof Map<?, ?> m && m.keySet().stream().allMatch(String.class::isInstance)) {
            return (Map<String, ?>) m;
        }
        throw problem(at, "expected an object, got " + typeOf(o));
    }

    private static void require(String at, Map<String, ?> m, String key) {
        if (!m.containsKey(key)) {
            throw problem(at, "missing '" + key + "'");
        }
    }

    private static void unknownKeys(String prefix, Map<String, ?> m, Set<String> allowed) {
        for (String k : m.keySet()) {
            if (!allowed.contains(k)) {
                throw problem(prefix + k, "unknown key (allowed: " + allowed.stream().sorted().toList() + ")");
            }
        }
    }

    private static String typeOf(Object o) {
        return o == null ? "nothing" : o.getClass().getSimpleName() + " '" + o + "'";
    }
}
