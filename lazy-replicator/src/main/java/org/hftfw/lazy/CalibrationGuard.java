package org.hftfw.lazy;

/**
 * Checks the predictions of the coarse knowledge sources against this site's own labels, per (state, port class),
 * and withdraws a source where it is plainly miscalibrated (issue 13: the shipped prior must never make a site's
 * first minutes worse than starting empty).
 *
 * <p><b>Why.</b> A change is held when its P(SS) ≤ barrier, so among the changes a calibrated source holds at most a
 * barrier's share turn out stable (usually far fewer: most held changes have P(SS) near 0). Two sources can be far
 * off on traffic unlike what taught them, and for a whole context at once: the <i>prior</i> (the shipped model's
 * lifetimes of the lab's HTTP ESTABLISHED were applied to another service's responses on the generated mixes and
 * held 8 stable ESTABLISHED changes an empty model sent), and the <i>naive Bayes fallback</i>, whose features are
 * all conjunctions with the state and so count the state's evidence three times (overconfident: it held the
 * SYN_RECV of a new client, whose RTT is not yet known, although a third of them were stable on a bimodal mix).
 * The tuple's own counters have their reset (the paper's, after consecutive wrong predictions), the site's own
 * latency-scaled histograms are the site's evidence: neither is guarded here.
 *
 * <p><b>Rule.</b> Per source and (state, port class): count the changes it held and those of them that turned out
 * stable. Once at least {@link #MIN_WRONG} were stable and more than a barrier's share of those held, the source is
 * distrusted there: the latency-scaled model's prior is dropped for that (state, port class) (the site's own
 * histograms decide once they have enough observations), the fallback is no longer asked (the change is replicated,
 * the safe default). Two wrong predictions, not one: a calibrated source holding changes at P(SS) just under the
 * barrier is still wrong now and then. Measured on the mix lab and the real recordings: docs/evaluation.md, 5.6
 * (it cannot stop what the prior held before the first labels came back, 200 ms after the first changes).
 * Runtime only: a restart trusts the sources again (by then the site's own evidence outweighs the prior).
 */
final class CalibrationGuard {
    static final int MIN_WRONG = 2;
    static final int PRIOR = 0;
    static final int FALLBACK = 1;

    private final int[][] held = new int[2][LatencyScaledModel.POOLED_CONTEXTS];
    private final int[][] wrong = new int[2][LatencyScaledModel.POOLED_CONTEXTS];
    private final boolean[][] distrusted = new boolean[2][LatencyScaledModel.POOLED_CONTEXTS];
    private long trips;

    boolean distrusted(int source, int stateId, int portClass) {
        return distrusted[source][LatencyScaledModel.pooledContext(stateId, portClass)];
    }

    /**
     * A change {@code source} held has been labelled; true when this label makes the source distrusted for its
     * (state, port class).
     */
    boolean record(int source, int stateId, int portClass, boolean stable, double barrier) {
        int pc = LatencyScaledModel.pooledContext(stateId, portClass);
        if (distrusted[source][pc]) {
            return false;
        }
        held[source][pc]++;
        if (stable) {
            wrong[source][pc]++;
        }
        if (wrong[source][pc] >= MIN_WRONG && wrong[source][pc] > barrier * held[source][pc]) {
            distrusted[source][pc] = true;
            trips++;
            return true;
        }
        return false;
    }

    /** (state, port class) contexts where a source was withdrawn so far. */
    long trips() {
        return trips;
    }
}
