package org.hftfw.ftfw;

/**
 * One message waiting in the resend queue for the peer's ACK, as conntrackd's {@code -s rsqueue} lists it
 * (conntrack-tools src/sync-ftfw.c, {@code rs_queue_dump}): a cache object (a flow's or an expectation's latest
 * state, {@code Q_ELEM_OBJ}) by the sequence number it was last sent with, or a control message ({@code Q_ELEM_CTL})
 * by its sequence number and flags.
 */
public sealed interface ResendEntry {
    /** The sequence number the message was last sent with (unsigned, as conntrackd prints it). */
    int seq();

    /** A flow's or an expectation's state: conntrackd's {@code object -> seq:N}. */
    record CacheObject(int seq) implements ResendEntry {}

    /**
     * An ACK, NACK or RESYNC (or an hFT-FW extension message to an hFT-FW peer): conntrackd's {@code control ->
     * seq:N flags:F}. {@code flags} are the message's own (conntrackd's NET_F_ACK 8, NET_F_NACK 4, NET_F_RESYNC 2;
     * an extension's are its own: 1 for a full bulk's BULK_END, else 0); conntrackd's also carry HELLO/HELLO_BACK
     * when the message went out with them during the handshake, which hFT-FW does not remember.
     */
    record Control(int seq, int flags) implements ResendEntry {}
}
