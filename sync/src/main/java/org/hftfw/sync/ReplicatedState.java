package org.hftfw.sync;

import java.util.Objects;
import org.hftfw.conntrack.ConntrackEntry;

/**
 * Whether two states of one flow carry the same replicated state: what an FT-FW message tells the backup and the
 * kernel reports with an event (tuples and so NAT, status, protocol state and TCP window scale, mark, zone, helper,
 * the kernel's id, which changes when a flow was destroyed and re-created under the same tuple). The timeout, the
 * counters and the use count change all the time without an event (conntrackd's backup refreshes its own timers),
 * so a state that differs only in them is the same state: resending it would repair nothing. Used by the overrun
 * repair to send only what changed.
 */
final class ReplicatedState {
    private ReplicatedState() {}

    static boolean same(ConntrackEntry a, ConntrackEntry b) {
        return a.status() == b.status() && a.protoState() == b.protoState() && a.mark() == b.mark()
                && a.zone() == b.zone() && (a.id() == b.id() || a.id() == 0 || b.id() == 0)
                && a.original().equals(b.original()) && a.reply().equals(b.reply())
                && Objects.equals(a.helper(), b.helper()) && sameWindowScale(a.tcp(), b.tcp());
    }

    /** Only the window scale is sent (FT-FW's TCP_WSCALE_*); a state without TCP details leaves them unknown. */
    private static boolean sameWindowScale(ConntrackEntry.TcpInfo a, ConntrackEntry.TcpInfo b) {
        return a == null || b == null
                || (a.wscaleOriginal() == b.wscaleOriginal() && a.wscaleReply() == b.wscaleReply());
    }
}
