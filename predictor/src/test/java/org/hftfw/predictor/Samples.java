package org.hftfw.predictor;

import java.util.List;
import java.util.Optional;

/** Helpers for asserting on samples. */
final class Samples {

    private Samples() {}

    static Optional<Reading> find(SourceSample s, Metric m, String component) {
        return s.readings().stream().filter(r -> r.metric() == m && r.component().equals(component)).findFirst();
    }

    static double value(SourceSample s, Metric m, String component) {
        return find(s, m, component).orElseThrow(() -> new AssertionError("no " + m + " " + component + " in "
                + s.readings())).value();
    }

    static List<Alert> ofSeverity(List<Alert> alerts, Severity s) {
        return alerts.stream().filter(a -> a.severity() == s).toList();
    }
}
