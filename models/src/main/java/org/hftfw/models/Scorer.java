package org.hftfw.models;

/**
 * Scores a send schedule against a {@link Trace}, following the shared metrics definitions.
 *
 * <p>A schedule gives, per event, the time it was sent (−1: never); a send carries that event's state (or is a
 * DESTROY message). Every policy here sends only a flow's current state, so a send of state change i happens in
 * [event time, end of the state]. The backup then holds, during state i, the label it held when i began until i is
 * sent, and i's label afterwards ("backup holds the current state" = the last state message sent for the flow
 * carries the current state name).
 *
 * <p>"Sent at its event time" is read as "sent before the state is B old": identical for every policy that sends
 * at event time or never (bayes-drop, oracle, filters, replicate-all), and it keeps a transmit delay of a
 * millisecond (FT-FW queue) from counting as wrong while DEFER's sends at B and polling's late sends count as
 * wrong-but-sent-late.
 */
final class Scorer {
    private Scorer() {}

    static PolicyResult score(Trace t, long[] sendTime, String policy, String mode, double barrier,
                              String parameters) {
        int[] held = new int[t.flows];
        java.util.Arrays.fill(held, -1);
        long b = t.boundary;
        long sent = 0;
        long changes = 0;
        long labelled = 0;
        long stable = 0;
        long never = 0;
        long late = 0;
        long stableNanos = 0;
        long exposed = 0;
        long lost = 0;
        long ssLife = 0;
        long exposedFromEvent = 0;
        long tsHeld = 0;
        for (int i = 0; i < t.n; i++) {
            long st = sendTime[i];
            if (st >= 0) {
                sent++;
            }
            if (t.destroy[i]) {
                continue;
            }
            changes++;
            int f = t.flow[i];
            int heldBefore = held[f];
            byte label = t.label[i];
            if (label != Trace.UNKNOWN) {
                labelled++;
            }
            if (label == Trace.TS && st < 0) {
                tsHeld++;
            }
            if (label == Trace.SS) {
                stable++;
                long start = t.time[i];
                long e = t.end[i] >= 0 ? t.end[i] : t.logEnd;
                long stableFrom = start + b;
                stableNanos += e - stableFrom;
                ssLife += e - start;
                if (st < 0) {
                    never++;
                } else if (st - start >= b) {
                    late++;
                }
                if (heldBefore != t.state[i]) {
                    long holdsAt = st >= 0 ? Math.min(Math.max(st, stableFrom), e) : e;
                    exposed += holdsAt - stableFrom;
                    if (heldBefore < 0) {
                        lost += holdsAt - stableFrom;
                    }
                    exposedFromEvent += (st >= 0 ? Math.min(st, e) : e) - start;
                }
            }
            if (st >= 0) {
                held[f] = t.state[i];
            }
        }
        long events = t.n;
        return new PolicyResult(policy, mode, barrier, parameters, events, changes, sent,
                events == 0 ? 0.0 : 1.0 - (double) sent / events, Double.NaN, labelled, stable,
                ratio(never + late, labelled), never, late, ratio(late, labelled), ratio(exposed, stableNanos),
                ratio(exposedFromEvent, ssLife), ratio(lost, stableNanos), stableNanos, exposed, lost, tsHeld,
                ratio(stable - never - late + tsHeld, labelled), ssLife, exposedFromEvent);
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0.0 : (double) a / b;
    }
}
