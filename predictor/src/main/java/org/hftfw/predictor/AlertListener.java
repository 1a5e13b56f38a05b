package org.hftfw.predictor;

import java.util.List;

/** Receives the alerts of each sampling round, also when there are none (so time-driven policies can advance). */
@FunctionalInterface
public interface AlertListener {
    void onAlerts(long nowNanos, List<Alert> alerts);
}
