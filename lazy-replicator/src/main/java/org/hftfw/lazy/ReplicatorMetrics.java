package org.hftfw.lazy;

import java.util.Map;

/**
 * A snapshot of the lazy replicator's live metrics (definitions as in the shared metrics notes, counted online:
 * a state's exposure is added when the state ends, so states still alive are not yet included).
 *
 * @param events              events seen (NEW + UPDATE + DESTROY): what replicate-all would send
 * @param stateChanges        NEW + UPDATE events
 * @param destroys            DESTROY events
 * @param sent                messages put on the sync link (state messages + DESTROYs)
 * @param destroysSent        DESTROY messages sent
 * @param saved               1 − sent / events
 * @param labelled            state changes whose TS/SS label is known
 * @param wrong               SS state changes classified TS
 * @param wrongRate           wrong / labelled
 * @param deferredThenSent    held updates sent at their deadline (DEFER)
 * @param resets              tuples reset after too many consecutive wrong predictions
 * @param fallbackDecisions   decisions taken by the naive Bayes fallback
 * @param noKnowledge         state changes replicated because nothing was known
 * @param knowledgeBaseSize   tuples in the knowledge base
 * @param knowledgeBaseEvictions tuples evicted by the size bound or idle expiry
 * @param bytesPerTupleEstimate estimated memory per IPv4 tuple (object layout + cache node, table and sketch
 *                            share; IPv6 tuples take 24 B more)
 * @param liveFlows           flows tracked
 * @param flowEvictions       flows dropped from the flow table by its bound or idle expiry
 * @param stableNanos         Σ time ended states spent ≥ B old
 * @param exposedNanos        the part of it during which the backup did not hold the current state
 * @param exposure            exposedNanos / stableNanos
 * @param lostNanos           the part during which the backup held nothing for the flow
 * @param lostAtFailover      lostNanos / stableNanos
 * @param perState            per state label
 * @param perPortClass        per destination-port class
 */
public record ReplicatorMetrics(long events, long stateChanges, long destroys, long sent, long destroysSent,
                                double saved, long labelled, long wrong, double wrongRate, long deferredThenSent,
                                long resets, long fallbackDecisions, long noKnowledge, long knowledgeBaseSize,
                                long knowledgeBaseEvictions, double bytesPerTupleEstimate, long liveFlows,
                                long flowEvictions, long stableNanos, long exposedNanos, double exposure,
                                long lostNanos, double lostAtFailover, Map<String, ClassMetrics> perState,
                                Map<String, ClassMetrics> perPortClass) {}
