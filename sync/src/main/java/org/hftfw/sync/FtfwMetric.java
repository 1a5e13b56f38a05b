package org.hftfw.sync;

import org.hftfw.ftfw.DropReason;
import org.hftfw.ftfw.FtfwStats;

/**
 * The FT-FW channel's metrics, each read from one {@link FtfwStats} snapshot by a switch. One enum instead of a
 * lambda or method reference per metric: each of those is a hidden class of its own in metaspace for the daemon's
 * whole run (issue #12's footprint goal; docs/daemon.md, "Footprint").
 */
enum FtfwMetric {
    MESSAGES_SENT_TOTAL("hftfw_ftfw_messages_sent_total", true,
            "FT-FW messages sent (data and control, resends included)"),
    BYTES_SENT_TOTAL("hftfw_ftfw_bytes_sent_total", true, "FT-FW payload bytes sent"),
    DATAGRAMS_SENT_TOTAL("hftfw_ftfw_datagrams_sent_total", true, "FT-FW datagrams sent"),
    DATA_SENT_TOTAL("hftfw_ftfw_data_sent_total", true, "FT-FW data messages (NEW/UPD/DEL) sent"),
    MESSAGES_RECEIVED_TOTAL("hftfw_ftfw_messages_received_total", true, "FT-FW messages received"),
    BYTES_RECEIVED_TOTAL("hftfw_ftfw_bytes_received_total", true, "FT-FW payload bytes received"),
    DATA_RECEIVED_TOTAL("hftfw_ftfw_data_received_total", true, "FT-FW data messages received and applied"),
    LOST_TOTAL("hftfw_ftfw_lost_total", true, "messages the peer sent that never arrived"),
    RESENT_TOTAL("hftfw_ftfw_resent_total", true, "messages resent after a NACK"),
    ACKS_SENT_TOTAL("hftfw_ftfw_acks_sent_total", true, "ACKs sent"),
    NACKS_SENT_TOTAL("hftfw_ftfw_nacks_sent_total", true, "NACKs sent"),
    NACKS_RECEIVED_TOTAL("hftfw_ftfw_nacks_received_total", true, "NACKs received"),
    DATAGRAMS_RECEIVED_TOTAL("hftfw_ftfw_datagrams_received_total", true, "FT-FW datagrams received"),
    ACKS_RECEIVED_TOTAL("hftfw_ftfw_acks_received_total", true, "ACKs received from the peer"),
    PEER_SILENCE_SECONDS("hftfw_ftfw_peer_silence_seconds", false,
            "time since the last datagram from the peer (peer liveness; the peer sends at least an ALIVE every "
                    + "sync.alive-interval), NaN before the first"),
    PEER_RESTARTS_TOTAL("hftfw_ftfw_peer_restarts_total", true, "times the peer was seen (re)starting (its HELLO)"),
    RESYNCS_ANSWERED_TOTAL("hftfw_ftfw_resyncs_answered_total", true, "peer RESYNC requests received"),
    BULK_SENDS_TOTAL("hftfw_ftfw_bulk_sends_total", true,
            "bulk sends of the table (RESYNC answers and local requests)"),
    BULK_REQUESTS_COALESCED_TOTAL("hftfw_ftfw_bulk_requests_coalesced_total", true,
            "RESYNC or bulk requests joined to a pending one (at most one bulk send per sync.resync-interval)"),
    MALFORMED_TOTAL("hftfw_ftfw_malformed_total", true, "malformed input dropped"),
    NOT_PEER_DROPPED_TOTAL("hftfw_ftfw_not_peer_dropped_total", true,
            "datagrams dropped because their source is not the peer"),
    IMPLAUSIBLE_SEQ_DROPPED_TOTAL("hftfw_ftfw_implausible_seq_dropped_total", true,
            "messages from the peer dropped for a sequence number implausibly far from the expected one"),
    EXT_REFUSED_TOTAL("hftfw_ftfw_ext_refused_total", true,
            "hFT-FW extension messages from the peer ignored: not agreed in the handshake, or a full bulk's end "
                    + "without its begin"),
    AUTH_DROPPED_TOTAL("hftfw_ftfw_auth_dropped_total", true,
            "datagrams from the peer's address dropped by authentication: no MAC while authentication is in force, "
                    + "or a MAC that does not verify (forged, other key)"),
    AUTH_REPLAYS_TOTAL("hftfw_ftfw_auth_replays_total", true,
            "authentic datagrams dropped as replays (counter seen or too old)"),
    PEER_AUTHENTICATED("hftfw_ftfw_peer_authenticated", false,
            "1 when the sync link is authenticated (HMAC-SHA-256), else 0"),
    PEER_CAPS_SENT_TOTAL("hftfw_ftfw_peer_caps_sent_total", true, "hFT-FW capability handshake datagrams sent"),
    SEQ_RESETS_TOTAL("hftfw_ftfw_seq_resets_total", true,
            "resets of the receive sequence state (peer restarts, re-anchoring)"),
    QUEUE_OVERFLOWS_TOTAL("hftfw_ftfw_queue_overflows_total", true, "queue entries dropped because a queue was full"),
    EXPECTATIONS_SENT_TOTAL("hftfw_ftfw_expectations_sent_total", true,
            "FT-FW expectation messages sent (ExpectationSync)"),
    EXPECTATIONS_RECEIVED_TOTAL("hftfw_ftfw_expectations_received_total", true,
            "FT-FW expectation messages received and applied"),
    RESEND_QUEUE_LENGTH("hftfw_ftfw_resend_queue_length", false, "resend queue length"),
    TRANSMIT_QUEUE_LENGTH("hftfw_ftfw_transmit_queue_length", false, "transmit queue length");

    final String metricName;
    final boolean counter;
    final String help;

    FtfwMetric(String metricName, boolean counter, String help) {
        this.metricName = metricName;
        this.counter = counter;
        this.help = help;
    }

    double read(FtfwStats s) {
        return switch (this) {
            case MESSAGES_SENT_TOTAL -> s.msgsTx();
            case BYTES_SENT_TOTAL -> s.bytesTx();
            case DATAGRAMS_SENT_TOTAL -> s.datagramsTx();
            case DATA_SENT_TOTAL -> s.dataTx();
            case MESSAGES_RECEIVED_TOTAL -> s.msgsRx();
            case BYTES_RECEIVED_TOTAL -> s.bytesRx();
            case DATA_RECEIVED_TOTAL -> s.dataRx();
            case LOST_TOTAL -> s.lost();
            case RESENT_TOTAL -> s.resent();
            case ACKS_SENT_TOTAL -> s.acksTx();
            case NACKS_SENT_TOTAL -> s.nacksTx();
            case NACKS_RECEIVED_TOTAL -> s.nacksRx();
            case DATAGRAMS_RECEIVED_TOTAL -> s.datagramsRx();
            case ACKS_RECEIVED_TOTAL -> s.acksRx();
            case PEER_SILENCE_SECONDS -> s.sincePeerNanos() < 0 ? Double.NaN : s.sincePeerNanos() / 1e9;
            case PEER_RESTARTS_TOTAL -> s.peerRestarts();
            case RESYNCS_ANSWERED_TOTAL -> s.resyncsRx();
            case BULK_SENDS_TOTAL -> s.bulksSent();
            case BULK_REQUESTS_COALESCED_TOTAL -> s.resyncsCoalesced();
            case MALFORMED_TOTAL -> s.malformedTotal();
            case NOT_PEER_DROPPED_TOTAL -> s.dropped(DropReason.NOT_PEER);
            case IMPLAUSIBLE_SEQ_DROPPED_TOTAL -> s.dropped(DropReason.IMPLAUSIBLE_SEQ);
            case EXT_REFUSED_TOTAL -> s.dropped(DropReason.EXT_REFUSED);
            case AUTH_DROPPED_TOTAL -> s.dropped(DropReason.AUTH_MISSING) + s.dropped(DropReason.AUTH_BAD_MAC);
            case AUTH_REPLAYS_TOTAL -> s.dropped(DropReason.AUTH_REPLAY);
            case PEER_AUTHENTICATED -> s.peer().authenticated() ? 1 : 0;
            case PEER_CAPS_SENT_TOTAL -> s.peer().capsSent();
            case SEQ_RESETS_TOTAL -> s.seqResets();
            case QUEUE_OVERFLOWS_TOTAL -> s.rsQueueOverflow() + s.txQueueOverflow();
            case EXPECTATIONS_SENT_TOTAL -> s.expectationsTx();
            case EXPECTATIONS_RECEIVED_TOTAL -> s.expectationsRx();
            case RESEND_QUEUE_LENGTH -> s.rsQueueLen();
            case TRANSMIT_QUEUE_LENGTH -> s.txQueueLen();
        };
    }
}
