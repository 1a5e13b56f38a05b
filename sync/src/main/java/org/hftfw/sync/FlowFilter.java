package org.hftfw.sync;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.EnumSet;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.EventView;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.TcpState;

/**
 * Which flows the primary replicates, like conntrackd's user-space filter (conntrack-tools src/filter.c,
 * {@code ct_filter_check}): a flow whose original source or reply source address is in the ignore list is not
 * replicated (the sync link's own traffic and the firewall's own connections: they make no sense on the peer), nor is
 * a flow of a protocol outside the accept list, nor a TCP change to a state outside the TCP state list (conntrackd's
 * {@code State Accept { … for TCP }}, {@code __ct_filter_test_state}). With an accept list (conntrackd's
 * {@code Address Accept}), a flow is replicated only if one of those two addresses is in it; conntrackd's address
 * pool holds one list, so its file never has both, while here the ignore list (the sync link's and the firewall's
 * own addresses) still applies after the accept list. Unlike conntrackd's, the state filter never
 * holds back a DESTROY: a flow that ends must leave the backup whatever state it ended in. Decisions are counted.
 * Immutable apart from its counters; safe for any thread.
 */
final class FlowFilter {
    private final List<Cidr> ignore;
    private final List<Cidr> accept;
    /** Accepted L4 protocol numbers, null for all: a lookup that boxes no protocol number per event. */
    private final boolean[] protocols;
    private final Set<TcpState> tcpStates;
    private final AtomicLong ignoredAddress = new AtomicLong();
    private final AtomicLong ignoredProtocol = new AtomicLong();
    private final AtomicLong ignoredState = new AtomicLong();

    /** @param protocols accepted L4 protocols; empty accepts every protocol */
    FlowFilter(List<Cidr> ignore, Set<Integer> protocols) {
        this(ignore, protocols, Set.of());
    }

    /** @param tcpStates accepted TCP states of NEW and UPDATE events; empty accepts every state */
    FlowFilter(List<Cidr> ignore, Set<Integer> protocols, Set<TcpState> tcpStates) {
        this(List.of(), ignore, protocols, tcpStates);
    }

    /** @param accept address ranges one of a flow's two addresses must be in; empty accepts every address */
    FlowFilter(List<Cidr> accept, List<Cidr> ignore, Set<Integer> protocols, Set<TcpState> tcpStates) {
        this.accept = List.copyOf(accept);
        this.ignore = List.copyOf(ignore);
        this.protocols = protocols.isEmpty() ? null : new boolean[256];
        for (int p : protocols) {
            if (p < 0 || p > 255) {
                throw new IllegalArgumentException("L4 protocol number out of range 0-255: " + p);
            }
            this.protocols[p] = true;
        }
        this.tcpStates = tcpStates.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(tcpStates));
    }

    /** Whether an event is replicated; counts what it ignores (the stats' "filtered" of events). */
    boolean accepts(EventView ev) {
        EntryView e = ev.entry();
        if (!protocolAccepted(e)) {
            ignoredProtocol.incrementAndGet();
            return false;
        }
        if (!addressAccepted(e)) {
            ignoredAddress.incrementAndGet();
            return false;
        }
        if (ev.type() != EventType.DESTROY && !stateAccepted(e)) {
            ignoredState.incrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * The same verdict for a row of a bulk send, not counted: the counters are of events, and a bulk (a peer's
     * RESYNC, a restarted backup's startup resync) would otherwise count the same ignored flows again each time.
     */
    boolean admits(ConntrackEntry e) {
        return protocolAccepted(e) && addressAccepted(e) && stateAccepted(e);
    }

    private boolean stateAccepted(EntryView e) {
        if (tcpStates.isEmpty() || e.l4proto() != IpProto.TCP) {
            return true;
        }
        TcpState s = e.tcpState();
        return s == null || tcpStates.contains(s);
    }

    private boolean protocolAccepted(EntryView e) {
        return protocols == null || protocols[e.l4proto()];
    }

    private boolean addressAccepted(EntryView e) {
        InetAddress src = e.original().src();
        InetAddress replySrc = e.reply().src();
        return (accept.isEmpty() || in(accept, src) || in(accept, replySrc))
                && !in(ignore, src) && !in(ignore, replySrc);
    }

    /** Indexed, not for-each: the list's iterator was an allocation per event where the JIT did not remove it. */
    private static boolean in(List<Cidr> ranges, InetAddress a) {
        for (int i = 0, n = ranges.size(); i < n; i++) {
            if (ranges.get(i).contains(a)) {
                return true;
            }
        }
        return false;
    }

    List<Cidr> ignoreList() {
        return ignore;
    }

    List<Cidr> acceptList() {
        return accept;
    }

    long ignoredByAddress() {
        return ignoredAddress.get();
    }

    long ignoredByProtocol() {
        return ignoredProtocol.get();
    }

    long ignoredByState() {
        return ignoredState.get();
    }
}
