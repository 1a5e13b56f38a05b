package org.hftfw.ftfw;

/**
 * Keeps one datagram from moving the receiver's sequence state anywhere it likes.
 *
 * <p>Design note. conntrackd believes every sequence number: a gap of any size is NACKed and the expected number
 * jumps there, and a HELLO resets it (src/network.c {@code nethdr_track_seq}, src/sync-ftfw.c). One forged ALIVE
 * with seq = now + 2^30 thus makes every real message "before", dropped silently for good. Here a message whose seq
 * is further than {@code maxJump} from the expected one, ahead or behind, is implausible: a real gap is at most what
 * the peer can still resend (its resend queue), and a replay older than that was acknowledged long ago. An
 * implausible message is dropped before it changes any state, unless it carries HELLO (a restarted peer, whose
 * counter restarts at {@code time(NULL)}). Our own state can still be wrong (a link down for longer than the resend
 * queue lasts, or a state set by a spoofed HELLO): when implausible messages keep arriving that agree with each
 * other (each ahead of the previous by at most {@code maxJump}) over {@link #REANCHOR_DATAGRAMS} datagrams, the
 * receiver re-anchors on them, resets its state and NACKs what it dropped meanwhile. A lone forged datagram cannot
 * do that; only a sender that keeps talking in one consistent sequence can, which is what the peer does.
 */
final class SeqGuard {
    /** Datagrams of agreeing implausible messages after which the receiver re-anchors. */
    static final int REANCHOR_DATAGRAMS = 3;

    private final int maxJump;
    private boolean candidate;
    private int candidateLast;
    private long candidateFirstDatagram;

    SeqGuard(int maxJump) {
        this.maxJump = maxJump;
    }

    /** True when {@code seq} is within {@code maxJump} of {@code expected}, ahead or behind (wraparound-safe). */
    boolean plausible(int seq, int expected) {
        int d = seq - expected;
        return d >= -maxJump && d <= maxJump;
    }

    /** A plausible message was accepted: an implausible series in progress is forgotten. */
    void accepted() {
        candidate = false;
    }

    /**
     * An implausible message arrived in datagram number {@code datagram}; true when it completes a series to
     * re-anchor on (the series then starts anew).
     */
    boolean reanchorOn(int seq, long datagram) {
        int d = seq - candidateLast;
        if (candidate && d > 0 && d <= maxJump) {
            candidateLast = seq;
            if (datagram - candidateFirstDatagram >= REANCHOR_DATAGRAMS - 1) {
                candidate = false;
                return true;
            }
            return false;
        }
        candidate = true;
        candidateLast = seq;
        candidateFirstDatagram = datagram;
        return false;
    }

    int maxJump() {
        return maxJump;
    }
}
