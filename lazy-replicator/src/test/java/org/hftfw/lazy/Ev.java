package org.hftfw.lazy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;

/** Builds conntrack events for tests; times in milliseconds of virtual time. */
final class Ev {
    static final long MS = 1_000_000L;

    private Ev() {}

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Tuple tcp(String src, String dst, int sport, int dport) {
        return Tuple.ports(ip(src), ip(dst), IpProto.TCP, sport, dport);
    }

    static ConntrackEvent tcp(EventType type, Tuple t, TcpState s, long ms) {
        long status = s.kernelValue() >= TcpState.ESTABLISHED.kernelValue() ? Status.SEEN_REPLY | Status.ASSURED
                : s == TcpState.SYN_RECV ? Status.SEEN_REPLY : 0;
        ConntrackEntry e = ConntrackEntry.builder(t).tcpState(s).status(status).build();
        return new ConntrackEvent(type, e, ms * MS, ms * 1000);
    }

    static ConntrackEvent udp(EventType type, Tuple t, long status, long ms) {
        ConntrackEntry e = ConntrackEntry.builder(t).status(status).build();
        return new ConntrackEvent(type, e, ms * MS, ms * 1000);
    }

    /**
     * One HTTP-like TCP flow starting at {@code t0}: NEW SYN_SENT, SYN_RECV after rtt, ESTABLISHED after rtt,
     * FIN_WAIT after {@code establishedMs}, LAST_ACK and TIME_WAIT an rtt apart, DESTROY {@code timeWaitMs} later.
     */
    static List<ConntrackEvent> httpFlow(Tuple t, long t0, long rtt, long establishedMs, long timeWaitMs) {
        List<ConntrackEvent> l = new ArrayList<>();
        long now = t0;
        l.add(tcp(EventType.NEW, t, TcpState.SYN_SENT, now));
        now += rtt;
        l.add(tcp(EventType.UPDATE, t, TcpState.SYN_RECV, now));
        now += rtt;
        l.add(tcp(EventType.UPDATE, t, TcpState.ESTABLISHED, now));
        now += establishedMs;
        l.add(tcp(EventType.UPDATE, t, TcpState.FIN_WAIT, now));
        now += rtt;
        l.add(tcp(EventType.UPDATE, t, TcpState.LAST_ACK, now));
        now += rtt;
        l.add(tcp(EventType.UPDATE, t, TcpState.TIME_WAIT, now));
        now += timeWaitMs;
        l.add(tcp(EventType.DESTROY, t, TcpState.TIME_WAIT, now));
        return l;
    }

    /** Records sends. */
    static final class Sink implements ReplicationSink {
        final List<ConntrackEvent> events = new ArrayList<>();
        final List<Long> at = new ArrayList<>();

        @Override
        public void send(ConntrackEvent event, long atNanos) {
            events.add(event);
            at.add(atNanos);
        }

        int size() {
            return events.size();
        }

        void clear() {
            events.clear();
            at.clear();
        }

        List<String> states() {
            List<String> s = new ArrayList<>();
            for (ConntrackEvent e : events) {
                s.add(e.type() == EventType.DESTROY ? "DESTROY" : e.entry().stateLabel());
            }
            return s;
        }
    }
}
