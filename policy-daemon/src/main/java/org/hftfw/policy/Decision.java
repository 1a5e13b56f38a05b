package org.hftfw.policy;

/** A transition taken: when, from where to where, which action, why, and whether the action was executed. */
public record Decision(long timeNanos, String from, String to, Action action, Reason reason, boolean executed) {

    @Override
    public String toString() {
        return from + " -> " + to + (action == Action.NONE ? "" : " " + action + (executed ? "" : " (dry-run)"))
                + ": " + reason.summary();
    }
}
