package org.hftfw.policy;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.predictor.Severity;

/** Maps plain maps/lists/strings/numbers (HOCON {@code unwrapped()}, YAML) onto {@link PolicyConfig}. */
final class ConfigMaps {

    private static final Set<String> TOP_KEYS = Set.of("dry-run", "initial", "states", "migration-cooldown",
            "max-alerts-per-signal", "noisy-signal", "transitions");
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ns|us|ms|s|m|min|h|d)?");

    private ConfigMaps() {}

    /** A problem in the config, with the path where it is. */
    static final class ConfigException extends IllegalArgumentException {
        ConfigException(String path, String message) {
            super("policy config " + path + ": " + message);
        }
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
            throw new ConfigException("", e.getMessage());
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
            throw new ConfigException(at, "exactly one of alerts, quiet, time-in-state, event, manual; got " + on.keySet());
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
            default -> throw new ConfigException(at, "unknown trigger '" + k
                    + "', expected alerts, quiet, time-in-state, event or manual");
        };
    }

    static Duration duration(String at, Object o) {
        if (o instanceof Duration d) {
            return d;
        }
        if (o instanceof Number n) {
            return Duration.ofNanos(Math.round(n.doubleValue() * 1_000_000));
        }
        if (o instanceof String s) {
            String t = s.strip();
            if (t.startsWith("P") || t.startsWith("p")) {
                try {
                    return Duration.parse(t);
                } catch (DateTimeParseException ex) {
                    throw new ConfigException(at, "not an ISO-8601 duration: '" + s + "'");
                }
            }
            Matcher m = DURATION.matcher(t);
            if (m.matches()) {
                double v = Double.parseDouble(m.group(1));
                String unit = m.group(2) == null ? "ms" : m.group(2);
                double nanos = v * switch (unit) {
                    case "ns" -> 1;
                    case "us" -> 1e3;
                    case "ms" -> 1e6;
                    case "s" -> 1e9;
                    case "m", "min" -> 60e9;
                    case "h" -> 3600e9;
                    default -> 86400e9;
                };
                return Duration.ofNanos(Math.round(nanos));
            }
            throw new ConfigException(at, "not a duration: '" + s + "' (use e.g. 500ms, 10s, 5m, 1h or PT5M)");
        }
        throw new ConfigException(at, "expected a duration, got " + typeOf(o));
    }

    private static <E extends Enum<E>> E enumValue(String at, Object o, Class<E> type) {
        String s = string(at, o);
        try {
            return Enum.valueOf(type, s.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(at, "'" + s + "' is not one of " + List.of(type.getEnumConstants()));
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
        throw new ConfigException(at, "expected an integer, got " + typeOf(o));
    }

    private static boolean bool(String at, Object o) {
        if (o instanceof Boolean b) {
            return b;
        }
        if (o instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw new ConfigException(at, "expected true or false, got " + typeOf(o));
    }

    private static String string(String at, Object o) {
        if (o instanceof String s && !s.isBlank()) {
            return s.strip();
        }
        throw new ConfigException(at, "expected a non-empty string, got " + typeOf(o));
    }

    private static List<?> list(String at, Object o) {
        if (o instanceof List<?> l) {
            return l;
        }
        throw new ConfigException(at, "expected a list, got " + typeOf(o));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> object(String at, Object o) {
        if (o instanceof Map<?, ?> m && m.keySet().stream().allMatch(String.class::isInstance)) {
            return (Map<String, ?>) m;
        }
        throw new ConfigException(at, "expected an object, got " + typeOf(o));
    }

    private static void require(String at, Map<String, ?> m, String key) {
        if (!m.containsKey(key)) {
            throw new ConfigException(at, "missing '" + key + "'");
        }
    }

    private static void unknownKeys(String prefix, Map<String, ?> m, Set<String> allowed) {
        for (String k : m.keySet()) {
            if (!allowed.contains(k)) {
                throw new ConfigException(prefix + k, "unknown key (allowed: " + allowed.stream().sorted().toList() + ")");
            }
        }
    }

    private static String typeOf(Object o) {
        return o == null ? "nothing" : o.getClass().getSimpleName() + " '" + o + "'";
    }
}
