package org.hftfw.predictor;

import java.util.Objects;

/**
 * A prediction that something is going wrong. {@code signal} names the sensor/counter that raised it
 * ({@code source:metric:component}) so that a policy can tell one noisy sensor from several agreeing ones;
 * {@code evidence} carries the numbers behind the decision.
 */
public record Alert(long timeNanos, String source, String signal, Severity severity, String reason, String evidence) {

    public Alert {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(reason, "reason");
        evidence = evidence == null ? "" : evidence;
    }

    @Override
    public String toString() {
        return severity + " " + signal + ": " + reason + (evidence.isEmpty() ? "" : " [" + evidence + "]");
    }
}
