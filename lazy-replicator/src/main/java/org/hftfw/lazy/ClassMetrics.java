package org.hftfw.lazy;

/**
 * Counters of one class of state changes (one state label, or one destination-port class).
 *
 * @param name             the state label or port-class name
 * @param changes          state changes seen (NEW + UPDATE)
 * @param sent             state messages sent for them (at once or deferred)
 * @param saved            1 − sent / changes
 * @param labelled         changes whose TS/SS label became known
 * @param wrong            SS changes that had been classified TS (not sent at their event time)
 * @param wrongRate        wrong / labelled
 * @param deferredThenSent held changes sent at their B deadline (DEFER mode)
 * @param fallbackDecisions decisions taken by the naive Bayes fallback
 * @param noKnowledge      changes replicated because nothing was known about them
 */
public record ClassMetrics(String name, long changes, long sent, double saved, long labelled, long wrong,
                           double wrongRate, long deferredThenSent, long fallbackDecisions, long noKnowledge) {}
