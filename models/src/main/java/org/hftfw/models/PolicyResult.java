package org.hftfw.models;

/**
 * The score of one policy on one trace (definitions: shared metrics notes; see {@link Scorer}).
 *
 * @param policy            policy name
 * @param mode              drop / defer for bayes, "-" otherwise
 * @param barrier           bayes barrier, NaN for other policies
 * @param parameters        other settings, human-readable
 * @param replicateAll      events in the trace (NEW + UPDATE + DESTROY): replicate-all's message count
 * @param stateChanges      NEW + UPDATE
 * @param sent              messages the policy put on the sync link (state messages + DESTROYs)
 * @param saved             1 − sent / replicateAll
 * @param savedVsOracle     saved / the oracle's saved on the same trace (NaN when the oracle saves nothing)
 * @param labelled          state changes with a known TS/SS label
 * @param stable            SS state changes
 * @param wrong             SS state changes not sent on time (never, or only after they were B old) ÷ labelled
 * @param wrongNeverSent    SS state changes never sent
 * @param wrongSentLate     SS state changes sent, but only once ≥ B old (DEFER's deferred sends, polling)
 * @param wrongSentLateRate wrongSentLate ÷ labelled
 * @param exposure          time in which a flow's current state is ≥ B old and the backup does not hold it ÷ time
 *                          spent in states ≥ B old
 * @param exposureFromEvent the same, counted from each SS state's event time (÷ the lifetime of SS states)
 * @param lostAtFailover    the part of the exposure in which the backup holds nothing for the flow ÷ the same
 *                          denominator as exposure
 * @param stableNanos       denominator of exposure
 * @param exposedNanos      numerator of exposure
 * @param lostNanos         numerator of lostAtFailover
 * @param tsHeld            TS state changes never sent (correctly held back)
 * @param good              good prediction rate (the seed's): SS sent on time + TS held back, ÷ labelled
 * @param ssLifeNanos       denominator of exposureFromEvent (Σ lifetime of SS states)
 * @param exposedFromEventNanos numerator of exposureFromEvent
 */
public record PolicyResult(String policy, String mode, double barrier, String parameters, long replicateAll,
                           long stateChanges, long sent, double saved, double savedVsOracle, long labelled,
                           long stable, double wrong, long wrongNeverSent, long wrongSentLate,
                           double wrongSentLateRate, double exposure, double exposureFromEvent,
                           double lostAtFailover, long stableNanos, long exposedNanos, long lostNanos,
                           long tsHeld, double good, long ssLifeNanos, long exposedFromEventNanos) {

    PolicyResult withSavedVsOracle(double oracleSaved) {
        double r = oracleSaved > 0 ? saved / oracleSaved : Double.NaN;
        return new PolicyResult(policy, mode, barrier, parameters, replicateAll, stateChanges, sent, saved, r,
                labelled, stable, wrong, wrongNeverSent, wrongSentLate, wrongSentLateRate, exposure,
                exposureFromEvent, lostAtFailover, stableNanos, exposedNanos, lostNanos, tsHeld, good, ssLifeNanos,
                exposedFromEventNanos);
    }

    /**
     * The results of one policy on several logs as if they were one: counts and times summed, rates recomputed
     * ({@code savedVsOracle} against {@code oracleSaved}, the oracle's summed savings).
     */
    public static PolicyResult sum(java.util.List<PolicyResult> parts, double oracleSaved) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to sum");
        }
        PolicyResult f = parts.getFirst();
        long all = 0, changes = 0, sent = 0, labelled = 0, stable = 0, never = 0, late = 0, stableNs = 0,
                exposedNs = 0, lostNs = 0, held = 0, ssLife = 0, fromEvent = 0;
        for (PolicyResult p : parts) {
            all += p.replicateAll;
            changes += p.stateChanges;
            sent += p.sent;
            labelled += p.labelled;
            stable += p.stable;
            never += p.wrongNeverSent;
            late += p.wrongSentLate;
            stableNs += p.stableNanos;
            exposedNs += p.exposedNanos;
            lostNs += p.lostNanos;
            held += p.tsHeld;
            ssLife += p.ssLifeNanos;
            fromEvent += p.exposedFromEventNanos;
        }
        String params = parts.size() == 1 ? f.parameters : f.parameters + " (" + parts.size() + " logs)";
        return new PolicyResult(f.policy, f.mode, f.barrier, params, all, changes, sent,
                all == 0 ? 0.0 : 1.0 - (double) sent / all, Double.NaN, labelled, stable, ratio(never + late, labelled),
                never, late, ratio(late, labelled), ratio(exposedNs, stableNs), ratio(fromEvent, ssLife),
                ratio(lostNs, stableNs), stableNs, exposedNs, lostNs, held,
                ratio(stable - never - late + held, labelled), ssLife, fromEvent).withSavedVsOracle(oracleSaved);
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0.0 : (double) a / b;
    }

    /** Column names matching {@link #csv()}. */
    public static String csvHeader() {
        return "policy,mode,barrier,parameters,replicate_all,state_changes,sent,saved,saved_vs_oracle,labelled,stable,"
                + "wrong,wrong_never_sent,wrong_sent_late,wrong_sent_late_rate,exposure,exposure_from_event,"
                + "lost_at_failover,stable_ns,exposed_ns,lost_ns,ts_held,good,ss_life_ns,exposed_from_event_ns";
    }

    /** One CSV row (parameters quoted). */
    public String csv() {
        return String.join(",", policy, mode, Double.isNaN(barrier) ? "" : Double.toString(barrier),
                "\"" + parameters.replace("\"", "\"\"") + "\"", Long.toString(replicateAll), Long.toString(stateChanges),
                Long.toString(sent), Double.toString(saved), Double.toString(savedVsOracle), Long.toString(labelled),
                Long.toString(stable), Double.toString(wrong), Long.toString(wrongNeverSent),
                Long.toString(wrongSentLate), Double.toString(wrongSentLateRate), Double.toString(exposure),
                Double.toString(exposureFromEvent), Double.toString(lostAtFailover), Long.toString(stableNanos),
                Long.toString(exposedNanos), Long.toString(lostNanos), Long.toString(tsHeld), Double.toString(good),
                Long.toString(ssLifeNanos), Long.toString(exposedFromEventNanos));
    }

    /** One line for logs and reports. */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "%-22s %-5s %6s sent %8d/%-8d saved %6.2f%% (%.0f%% of oracle) wrong %6.3f%% (late %6.3f%%) "
                        + "exposure %6.3f%% lost %6.3f%%",
                policy, mode, Double.isNaN(barrier) ? "-" : String.format(java.util.Locale.ROOT, "%.3f", barrier),
                sent, replicateAll, 100 * saved, 100 * savedVsOracle, 100 * wrong, 100 * wrongSentLateRate,
                100 * exposure, 100 * lostAtFailover);
    }
}
