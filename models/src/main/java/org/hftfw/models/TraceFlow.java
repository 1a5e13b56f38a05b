package org.hftfw.models;

import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;

/** One generated flow's events, appended to a trace, each a gap (ms) after the previous one (SyntheticTraces, MixTraces). */
final class TraceFlow {
    private static final long MS = 1_000_000L;

    private final List<ConntrackEvent> out;
    private final long id;
    private double t;

    TraceFlow(List<ConntrackEvent> out, long id, double startMs) {
        this.out = out;
        this.id = id;
        this.t = startMs;
    }

    /** The list the events go to (its last element is the event just added). */
    List<ConntrackEvent> events() {
        return out;
    }

    void tcp(Tuple tu, EventType type, TcpState s, double gapMs) {
        t += gapMs;
        long status = s == TcpState.SYN_SENT ? 0 : s == TcpState.SYN_RECV ? Status.SEEN_REPLY
                : Status.SEEN_REPLY | Status.ASSURED;
        add(type, ConntrackEntry.builder(tu).tcpState(s).status(status | Status.CONFIRMED).id(id).build());
    }

    void udp(Tuple tu, EventType type, long status, double gapMs) {
        t += gapMs;
        add(type, ConntrackEntry.builder(tu).status(status | Status.CONFIRMED).id(id).build());
    }

    private void add(EventType type, ConntrackEntry e) {
        long nanos = Math.round(t * MS);
        out.add(new ConntrackEvent(type, e, nanos, 1_700_000_000_000_000L + nanos / 1000));
    }
}
