package org.hftfw.policy;

import java.time.Duration;
import org.hftfw.predictor.Severity;

/** What makes a transition fire. */
public sealed interface Trigger {

    /**
     * At least {@code count} alerts of at least {@code minSeverity} within {@code window}, counting only alerts
     * received since the current state was entered. With {@code distinctSignals} each sensor counts once, so one noisy
     * sensor cannot reach a count of 2 on its own.
     */
    record Alerts(Severity minSeverity, int count, Duration window, boolean distinctSignals) implements Trigger {}

    /** No alert of at least {@code minSeverity} for {@code duration}, and at least that long in the state. */
    record Quiet(Severity minSeverity, Duration duration) implements Trigger {}

    /** The state has lasted {@code duration} (a timeout). */
    record TimeInState(Duration duration) implements Trigger {}

    /** An external event, e.g. {@code migration-done} from the state migrator. */
    record Event(String name) implements Trigger {}

    /** An operator command, e.g. {@code migrate}, {@code migrate-now}, {@code demote}, {@code recover}. */
    record Manual(String command) implements Trigger {}
}
