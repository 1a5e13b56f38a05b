package org.hftfw.lazy;

/**
 * What the replicator remembers of one live flow: its current state, when it began, what was decided for it, and
 * what the backup holds. Mutable, owned by the replicator thread.
 *
 * <p>Design note (issue #12's footprint goal: one of these per live flow). The fields are as narrow as their ranges
 * allow without changing a single decision: state ids ({@code < StateIds.COUNT}, 49), port classes (8) and lifetime
 * buckets ({@code < LatencyScaledModel.PREV_BUCKETS}, 14) are bytes, the feature code ({@code < FeatureEncoder.CODES},
 * 15 680) a short; the tuple slot is looked up from the state id instead of kept; the flow's start is needed only
 * until its RTT is measured and shares one field with it; the three flags share a byte. Times stay nanoseconds on the
 * event clock in longs: an int of any coarser unit would round lifetimes that the labels and the latency model compare
 * with B. The record also names its flow for {@link FlowTable} (the knowledge-base tuple {@link #key} holds the
 * addresses and the protocol, {@link #ports} and {@link #zone} the rest), instead of a key array of its own there, and
 * its last event is its current state's start (every event starts a state), not a time of its own: 80 bytes with
 * compact object headers (112 at first, then 80 beside a 32-byte key array and its slot reference).
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
    /** The current state's TS/SS label is known (superseded, or alive at B). */
    private static final int LABELLED = 1;
    /** Removed from the flow table by eviction or expiry: deadlines for it are ignored. */
    private static final int GONE = 2;
    private static final int RTT_KNOWN = 4;

    KeyStats key;
    /** DEFER mode: the held (not yet sent) update of the current state, else null (a pooled holder). */
    HeldEvent held;
    /** When the current state began: the flow's last event too (idle expiry, {@link FlowTable#expire}). */
    long start;
    /** When the current state was sent, or -1. */
    long sentAt = -1;
    /** The RTT known when the current state was classified (the flow's own or its source's), −1 if none. */
    long decisionRtt = -1;
    /** The previous state's lifetime (−1: none), for the next state's {@link #historyBucket}. */
    long prevLifetime = -1;
    /** {@link #RTT_KNOWN}: the flow's handshake RTT (NEW → first reply-confirmed state); else when its NEW was seen. */
    private long rttOrFlowStart;
    /** The original tuple's ports, ICMP type, code and id ({@link FlowTable#ports}): with {@link #key}, the flow. */
    long ports;
    int seq;
    /** The flow's conntrack zone (16 bits, as the kernel's). */
    short zone;
    /** {@link FeatureEncoder#code} of the current state. */
    short code;
    /** {@link StateIds} id of the current state, -1 before the first. */
    byte stateId = -1;
    byte portClass;
    /** {@link LatencyScaledModel#prevBucket} of the current state: the previous state's lifetime in RTTs. */
    byte prevBucket;
    /** {@link LatencyScaledModel#prevBucket} of the lifetime before the previous one (0: none). */
    byte historyBucket;
    byte decision = NONE;
    /** State id of the last state message sent for this flow, -1 if none: what the backup holds. */
    byte backupStateId = -1;
    /** State id the backup held when the current state began (for exposure accounting). */
    byte backupAtStart = -1;
    /** {@link #LABELLED}, {@link #GONE}, {@link #RTT_KNOWN}. */
    private byte flags;

    /** The current state's TS/SS label is known (superseded, or alive at B). */
    boolean labelled() {
        return (flags & LABELLED) != 0;
    }

    void labelled(boolean known) {
        flag(LABELLED, known);
    }

    /** Removed from the flow table by eviction or expiry: deadlines for it are ignored. */
    boolean gone() {
        return (flags & GONE) != 0;
    }

    void markGone() {
        flag(GONE, true);
    }

    private void flag(int bit, boolean on) {
        flags = (byte) (on ? flags | bit : flags & ~bit);
    }

    boolean heldBack() {
        return decision == TS_KEY || decision == TS_FALLBACK || decision == TS_LATENCY;
    }

    /** The current state's per-tuple counter slot ({@link StateIds#slot}), -1 if it has none. */
    int slot() {
        return StateIds.slot(stateId);
    }

    /** The flow's NEW (or first event) was seen at {@code now}: its RTT is measured afresh. */
    void flowStarted(long now) {
        rttOrFlowStart = now;
        flag(RTT_KNOWN, false);
    }

    /** The flow's handshake completed at {@code now}: its RTT is the time since {@link #flowStarted}. */
    void rttMeasured(long now) {
        rttOrFlowStart = now - rttOrFlowStart;
        flag(RTT_KNOWN, true);
    }

    /** The flow's handshake RTT, −1 until measured. */
    long rtt() {
        return (flags & RTT_KNOWN) != 0 ? rttOrFlowStart : -1;
    }
}
