package org.hftfw.ftfw;

import java.util.Map;

/**
 * Counters of one FT-FW channel, in the spirit of {@code conntrackd -s} / {@code -s network} / {@code -s rsqueue}.
 *
 * @param msgsTx          messages sent (data, ACK, NACK, RESYNC, ALIVE; retransmissions included)
 * @param bytesTx         payload bytes sent
 * @param datagramsTx     datagrams sent
 * @param msgsRx          messages received with a valid header
 * @param bytesRx         payload bytes received
 * @param datagramsRx     datagrams received
 * @param dataTx          data messages sent (NEW/UPD/DEL)
 * @param dataRx          data messages received and applied
 * @param lost            messages the peer sent that never arrived, summed over detected gaps
 *                        (conntrackd's "lost" overcounts by 2 per gap; this does not)
 * @param before          stale or replayed messages dropped (SEQ_BEFORE)
 * @param resent          messages resent after a NACK
 * @param nacksRx         NACKs received
 * @param nacksTx         NACKs sent
 * @param acksTx          ACKs sent
 * @param resyncsRx       RESYNC requests received from the peer (answered by the bulk sends of {@code bulksSent})
 * @param peerRestarts    restarts of the peer seen (a new HELLO series)
 * @param rsQueueLen      resend queue length now
 * @param txQueueLen      transmit queue length now
 * @param rsQueueOverflow entries dropped because the resend queue was full
 * @param txQueueOverflow entries dropped because the transmit queue was full
 * @param superseded      local updates that replaced a not-yet-acknowledged state of the same flow
 * @param expectationsTx  expectation messages sent (ExpectationSync)
 * @param expectationsRx  expectation messages received and handed to the receiver
 * @param helperOmitted   helper names not sent because conntrackd would reject them (over 11 characters), and
 *                        expectations not sent at all for the same reason
 * @param seqResets       resets of the receive sequence state: restarts of the peer after the first contact, and
 *                        re-anchorings on a series of implausible sequence numbers
 * @param bulksSent       bulk sends started (answers to RESYNC requests and local bulk requests)
 * @param resyncsCoalesced RESYNC or bulk requests that joined one already pending (the rate limit)
 * @param acksRx          ACKs received from the peer
 * @param sincePeerNanos  time since the last datagram from the peer arrived (peer liveness), or -1 if none has
 * @param malformed       dropped input per reason, including datagrams from other hosts than the peer
 * @param peer            the hFT-FW handshake: what was agreed with the peer, and the bulks confirmed in-band
 */
public record FtfwStats(long msgsTx, long bytesTx, long datagramsTx, long msgsRx, long bytesRx, long datagramsRx,
                        long dataTx, long dataRx, long lost, long before, long resent, long nacksRx, long nacksTx,
                        long acksTx, long resyncsRx, long peerRestarts, int rsQueueLen, int txQueueLen,
                        long rsQueueOverflow, long txQueueOverflow, long superseded, long expectationsTx, long expectationsRx,
                        long helperOmitted, long seqResets, long bulksSent, long resyncsCoalesced, long acksRx,
                        long sincePeerNanos, Map<DropReason, Long> malformed, Peer peer) {

    /**
     * The hFT-FW side of the link.
     *
     * @param kind          {@code hftfw} (the peer answered the handshake), {@code stock} (it did not: a stock
     *                      conntrackd), {@code pending}, or {@code off} ({@code sync.extensions = false})
     * @param capabilities  what both sides use
     * @param authenticated datagrams are sealed and only authentic ones are read
     * @param capsSent      CAPS datagrams sent
     * @param capsReceived  CAPS received
     * @param bulkEndsReceived BULK_END messages of the peer's marked bulks
     * @param staleRemoved  flows removed at the end of the peer's full bulks (it no longer had them)
     */
    public record Peer(String kind, java.util.Set<Capability> capabilities, boolean authenticated, long capsSent,
                       long capsReceived, long bulkEndsReceived, long staleRemoved) {}

    /** Datagrams from the peer's address refused by authentication (missing, bad MAC, replay). */
    public long authDropped() {
        return dropped(DropReason.AUTH_MISSING) + dropped(DropReason.AUTH_BAD_MAC) + dropped(DropReason.AUTH_REPLAY);
    }

    /** Total of {@link #malformed} over the reasons that are malformed input ({@link DropReason#malformed()}). */
    public long malformedTotal() {
        return malformed.entrySet().stream().filter(e -> e.getKey().malformed()).mapToLong(Map.Entry::getValue).sum();
    }

    /** Input dropped for this reason. */
    public long dropped(DropReason reason) {
        return malformed.getOrDefault(reason, 0L);
    }

    /** A multi-line report like {@code conntrackd -s}. */
    public String format() {
        return String.format("""
                message tracking:
                %12d messages sent     %12d bytes sent     %10d datagrams
                %12d messages received %12d bytes received %10d datagrams
                %12d data sent         %12d data received
                %12d lost              %12d before         %10d resent
                %12d ACK sent  %8d NACK sent  %8d ACK received  %8d NACK received  %8d resync requests
                resend queue: %d (overflow %d)  transmit queue: %d (overflow %d)  superseded %d  peer restarts %d
                last datagram from the peer: %s
                sequence resets %d  bulk sends %d  resync requests coalesced %d
                peer: %s %s%s  CAPS sent %d received %d  bulk ends received %d  stale removed %d
                dropped: %s""",
                msgsTx, bytesTx, datagramsTx, msgsRx, bytesRx, datagramsRx, dataTx, dataRx, lost, before, resent,
                acksTx, nacksTx, acksRx, nacksRx, resyncsRx, rsQueueLen, rsQueueOverflow, txQueueLen, txQueueOverflow,
                superseded, peerRestarts, sincePeerNanos < 0 ? "never" : String.format(java.util.Locale.ROOT, "%.1f s ago",
                        sincePeerNanos / 1e9), seqResets, bulksSent, resyncsCoalesced, peer.kind(), peer.capabilities(),
                peer.authenticated() ? " authenticated" : "", peer.capsSent(), peer.capsReceived(),
                peer.bulkEndsReceived(), peer.staleRemoved(), malformed.isEmpty() ? "none" : malformed.toString());
    }
}
