package org.hftfw.ftfw;

/**
 * Why a received datagram (or the rest of it) or one message was dropped. The names follow the error counters of
 * conntrackd ({@code msg_rcv_*} in src/sync-mode.c) and refine "malformed payload" by the {@code msg2ct} rule that
 * failed. {@link #scope} says what was lost: the rest of the datagram, one message unseen by sequence tracking, or
 * one message whose sequence number still counts (conntrackd tracks and ACKs it before parsing the payload).
 */
public enum DropReason {
    /**
     * The datagram's source address is not the configured peer's (the source port is not checked: conntrackd sends
     * from an ephemeral port). Dropped before it touches any state.
     */
    NOT_PEER(Scope.REST_OF_DATAGRAM),
    /**
     * A sequence number further from the expected one, ahead or behind, than the peer's resend queue could explain,
     * on a message without HELLO: dropped before it moves the sequence state (see {@code SeqGuard}).
     */
    IMPLAUSIBLE_SEQ(Scope.MESSAGE),
    /**
     * A datagram from the peer's address without an authentication trailer while authentication is in force
     * ({@code sync.auth.require}, or the pair agreed on it): dropped before it touches any state.
     */
    AUTH_MISSING(Scope.REST_OF_DATAGRAM),
    /** A datagram whose MAC does not verify (forged, or another key): dropped before it touches any state. */
    AUTH_BAD_MAC(Scope.REST_OF_DATAGRAM),
    /** An authenticated datagram whose counter was seen already or is too old: a replay, dropped. */
    AUTH_REPLAY(Scope.REST_OF_DATAGRAM),
    /**
     * An hFT-FW extension message the handshake did not agree with this incarnation of the peer (a stock conntrackd
     * or hFT-FW without {@code sync.extensions} never sends one), or a full bulk's END for a bulk whose BEGIN never
     * arrived: its sequence number counts, its content is ignored (no flow is removed, nothing is confirmed).
     */
    EXT_REFUSED(Scope.PAYLOAD),
    /** Fewer bytes left than a header (8, or 16 for ACK/NACK/RESYNC). */
    TRUNCATED(Scope.REST_OF_DATAGRAM),
    /** {@code len} is 0, exceeds the bytes left, or is shorter than the header. */
    BAD_SIZE(Scope.REST_OF_DATAGRAM),
    /** Version nibble other than 1. */
    BAD_VERSION(Scope.MESSAGE),
    /** MSG_BAD: a type/flag combination that is neither data nor ACK/NACK/RESYNC/ALIVE, or a range with to before from. */
    BAD_HEADER(Scope.MESSAGE),
    /** An attribute's nta_len runs past the message. */
    ATTR_OVERRUN(Scope.PAYLOAD),
    /** An attribute's nta_len is below 4. */
    ATTR_TOO_SHORT(Scope.PAYLOAD),
    /** An attribute id at or above NTA_MAX (33), or NTA_EXP_MAX (21) for expectations. */
    ATTR_UNKNOWN(Scope.PAYLOAD),
    /** A fixed attribute with the wrong nta_len, or a variable one above its maximum. */
    ATTR_BAD_LENGTH(Scope.PAYLOAD),
    /** No IPV4/IPV6, L4PROTO, PORT (TCP/UDP/SCTP/DCCP) or ICMP type/code/id: the flow cannot be identified. */
    MISSING_IDENTITY(Scope.PAYLOAD),
    /**
     * Attributes that contradict each other or cannot be used: a NAT address of the other family, a master address
     * without protocol, a helper name without its terminating NUL.
     */
    INCONSISTENT(Scope.PAYLOAD);

    /** What a drop of this kind loses. */
    public enum Scope { REST_OF_DATAGRAM, MESSAGE, PAYLOAD }

    public final Scope scope;

    DropReason(Scope scope) {
        this.scope = scope;
    }

    /** True for a datagram refused by authentication. */
    public boolean auth() {
        return this == AUTH_MISSING || this == AUTH_BAD_MAC || this == AUTH_REPLAY;
    }

    /** True for malformed input; false for well-formed input refused for its origin or sequence number. */
    public boolean malformed() {
        return this != NOT_PEER && this != IMPLAUSIBLE_SEQ && this != EXT_REFUSED && !auth();
    }
}
