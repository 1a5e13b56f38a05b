package org.hftfw.ftfw;

import java.util.EnumSet;
import java.util.Set;

/**
 * What two hFT-FW peers can agree on through their capability handshake ({@link Ext#T_CAPS}). A stock conntrackd
 * never takes part: it drops the handshake datagram as a wrong protocol version, and no capability is used with it.
 */
public enum Capability {
    /** Every datagram carries an HMAC-SHA-256 trailer with a replay counter ({@code sync.auth.key-file}). */
    AUTH(1),
    /**
     * Bulk sends end with a BULK_END in the FT-FW sequence (opened by a BULK_BEGIN with {@link #BULK_BEGIN}); a
     * full-table bulk removes from the backup the flows the primary no longer has (generation-marked resync).
     */
    GENERATION_RESYNC(2),
    /** The backup answers a BULK_END with HOLDS: how many flows of that bulk it holds (in-band completion). */
    BULK_COMPLETION(4),
    /**
     * HOLDS counts per flow of the bulk: the bulk's data messages carry {@link Nethdr#F_BULK_FLOW}, and the backup
     * answers with the bulk's flows it holds and the bulk's flows the peer deleted (a 32-byte HOLDS), so flows created
     * or deleted meanwhile by live traffic do not stand in for missing ones. Without it (an older hFT-FW peer) HOLDS
     * counts every flow written since the bulk began: a lower bound.
     */
    BULK_FLOWS(8),
    /**
     * A marked bulk opens with a BULK_BEGIN carrying its id (random per start of the sender, so not guessable): the
     * backup removes flows at a full bulk's END only when it received that bulk's BEGIN from the same incarnation of
     * the peer. A peer without it (an older hFT-FW) gets no removal at a full bulk's end, as with conntrackd.
     */
    BULK_BEGIN(16);

    final int bit;

    Capability(int bit) {
        this.bit = bit;
    }

    static int bits(Set<Capability> caps) {
        int b = 0;
        for (Capability c : caps) {
            b |= c.bit;
        }
        return b;
    }

    static Set<Capability> of(int bits) {
        Set<Capability> s = EnumSet.noneOf(Capability.class);
        for (Capability c : values()) {
            if ((bits & c.bit) != 0) {
                s.add(c);
            }
        }
        return s;
    }
}
