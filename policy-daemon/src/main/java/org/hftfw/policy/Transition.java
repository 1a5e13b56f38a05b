package org.hftfw.policy;

import java.util.Objects;
import java.util.Set;

/**
 * One edge of the policy state machine. {@code from} may contain {@code "*"} for any state. Transitions are tried
 * in configuration order, so the order is the priority: list the CRITICAL rules first and a CRITICAL alert wins over
 * WARNINGs that arrive with it.
 */
public record Transition(Set<String> from, String to, Trigger on, Action action) {

    public Transition {
        from = Set.copyOf(from);
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(on, "on");
        Objects.requireNonNull(action, "action");
    }

    boolean appliesIn(String state) {
        return from.contains(state) || from.contains("*");
    }
}
