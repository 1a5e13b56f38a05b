package org.hftfw.policy;

import java.util.List;
import java.util.Objects;
import org.hftfw.predictor.Alert;

/** Why the policy daemon acted: a one-line summary and the alerts that led to it (empty for manual or timed steps). */
public record Reason(String summary, List<Alert> alerts) {

    public Reason {
        Objects.requireNonNull(summary, "summary");
        alerts = List.copyOf(alerts);
    }

    @Override
    public String toString() {
        return alerts.isEmpty() ? summary : summary + " " + alerts;
    }
}
