package org.hftfw.sync;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.conntrack.ConntrackEntry;

/**
 * Which flows the primary replicates, like conntrackd's user-space filter (conntrack-tools src/filter.c,
 * {@code ct_filter_check}): a flow whose original source or reply source address is in the ignore list is not
 * replicated (the sync link's own traffic and the firewall's own connections: they make no sense on the peer), nor is
 * a flow of a protocol outside the accept list. Decisions are counted. Immutable apart from its counters; safe for
 * any thread.
 */
final class FlowFilter {
    private final List<Cidr> ignore;
    private final Set<Integer> protocols;
    private final AtomicLong ignoredAddress = new AtomicLong();
    private final AtomicLong ignoredProtocol = new AtomicLong();

    /** @param protocols accepted L4 protocols; empty accepts every protocol */
    FlowFilter(List<Cidr> ignore, Set<Integer> protocols) {
        this.ignore = List.copyOf(ignore);
        this.protocols = Set.copyOf(protocols);
    }

    /** Whether an event's flow is replicated; counts what it ignores (the stats' "filtered" of events). */
    boolean accepts(ConntrackEntry e) {
        if (!protocolAccepted(e)) {
            ignoredProtocol.incrementAndGet();
            return false;
        }
        if (!addressAccepted(e)) {
            ignoredAddress.incrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * The same verdict for a row of a bulk send, not counted: the counters are of events, and a bulk (a peer's
     * RESYNC, a restarted backup's startup resync) would otherwise count the same ignored flows again each time.
     */
    boolean admits(ConntrackEntry e) {
        return protocolAccepted(e) && addressAccepted(e);
    }

    private boolean protocolAccepted(ConntrackEntry e) {
        return protocols.isEmpty() || protocols.contains(e.l4proto());
    }

    private boolean addressAccepted(ConntrackEntry e) {
        return !ignored(e.original().src()) && !ignored(e.reply().src());
    }

    private boolean ignored(InetAddress a) {
        for (Cidr c : ignore) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }

    List<Cidr> ignoreList() {
        return ignore;
    }

    long ignoredByAddress() {
        return ignoredAddress.get();
    }

    long ignoredByProtocol() {
        return ignoredProtocol.get();
    }
}
