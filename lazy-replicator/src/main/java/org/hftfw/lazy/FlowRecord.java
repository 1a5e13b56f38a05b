package org.hftfw.lazy;

import org.hftfw.conntrack.ConntrackEvent;

/**
 * What the replicator remembers of one live flow: its current state, when it began, what was decided for it, and
 * what the backup holds. Mutable, owned by the replicator thread.
 */
final class FlowRecord {
    static final byte NONE = 0;
    /** Classified SS (or no knowledge): sent at once. */
    static final byte SENT_SS = 1;
    /** Classified TS by the tuple's own counters. */
    static final byte TS_KEY = 2;
    /** Classified TS by the naive Bayes fallback. */
    static final byte TS_FALLBACK = 3;
    /** Classified TS by the latency-scaled lifetime model. */
    static final byte TS_LATENCY = 4;

    KeyStats key;
    int stateId = -1;
    int slot = -1;
    int portClass;
    int code;
    long start;
    int seq;
    /** The current state's TS/SS label is known (superseded, or alive at B). */
    boolean labelled;
    byte decision = NONE;
    /** DEFER mode: the held (not yet sent) update of the current state, else null. */
    ConntrackEvent held;
    /** State id of the last state message sent for this flow, -1 if none: what the backup holds. */
    int backupStateId = -1;
    /** State id the backup held when the current state began (for exposure accounting). */
    int backupAtStart = -1;
    /** When the current state was sent, or -1. */
    long sentAt = -1;
    /** When the flow's NEW was seen (or its first event). */
    long flowStart;
    /** The flow's handshake RTT (NEW → first reply-confirmed state), −1 until measured. */
    long rtt = -1;
    /** The RTT known when the current state was classified (the flow's own or its source's), −1 if none. */
    long decisionRtt = -1;
    /** {@link LatencyScaledModel#prevBucket} of the current state: the previous state's lifetime in RTTs. */
    int prevBucket;
    /** {@link LatencyScaledModel#prevBucket} of the lifetime before the previous one (0: none). */
    int historyBucket;
    /** The previous state's lifetime (−1: none), for the next state's {@link #historyBucket}. */
    long prevLifetime = -1;
    /** Time of the flow's last event (idle expiry). */
    long lastSeen;
    /** Removed from the flow table by eviction or expiry: deadlines for it are ignored. */
    boolean gone;

    boolean heldBack() {
        return decision == TS_KEY || decision == TS_FALLBACK || decision == TS_LATENCY;
    }
}
