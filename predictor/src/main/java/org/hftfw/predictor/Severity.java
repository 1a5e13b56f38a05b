package org.hftfw.predictor;

/** Alert severity, ordered: {@code INFO < WARNING < CRITICAL}. */
public enum Severity {
    INFO, WARNING, CRITICAL;

    public boolean atLeast(Severity other) {
        return compareTo(other) >= 0;
    }
}
