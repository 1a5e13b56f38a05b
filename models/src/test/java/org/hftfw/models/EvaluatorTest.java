package org.hftfw.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LazyReplicator;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;
import org.junit.jupiter.api.Test;

/** Scores on small hand-built logs; every expected figure is worked out by hand in the comments (B = 200 ms). */
class EvaluatorTest {
    private static final long MS = 1_000_000L;
    private static final double EPS = 1e-12;
    private static final Duration L = Duration.ofMillis(100);

    private static Tuple tcp(int sport) {
        try {
            return Tuple.ports(InetAddress.getByName("10.0.0.1"), InetAddress.getByName("10.0.0.2"), IpProto.TCP,
                    sport, 80);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ConntrackEvent tcp(EventType type, Tuple t, long id, TcpState s, double ms) {
        ConntrackEntry e = ConntrackEntry.builder(t).tcpState(s).id(id)
                .status(s.kernelValue() >= 3 ? Status.ASSURED | Status.SEEN_REPLY : 0).build();
        return new ConntrackEvent(type, e, Math.round(ms * MS), 0);
    }

    private static ConntrackEvent udp(EventType type, long status, double ms) throws Exception {
        Tuple t = Tuple.ports(InetAddress.getByName("10.0.0.1"), InetAddress.getByName("10.0.0.3"), IpProto.UDP,
                5000, 53);
        return new ConntrackEvent(type, ConntrackEntry.builder(t).status(status).id(2).build(), Math.round(ms * MS),
                0);
    }

    /**
     * A (TCP, id 1): SYN_SENT 0, SYN_RECV 10, ESTABLISHED 20, FIN_WAIT 1020, LAST_ACK 1030, TIME_WAIT 1040,
     * DESTROY 3040 → TS TS SS TS TS SS. B (UDP, id 2): UNREPLIED 100, REPLIED 500 (alive at the end, 2540 ms old:
     * SS) → SS SS. C (TCP, id 3): SYN_SENT 2900, alive 140 ms at the end: unknown. 10 events, 9 changes, 8
     * labelled, 4 SS. Stable time: ESTABLISHED 800 + TIME_WAIT 1800 + UNREPLIED 200 + REPLIED 2340 = 5140 ms;
     * SS lifetimes 1000 + 2000 + 400 + 2540 = 5940 ms.
     */
    private static Trace handTrace() throws Exception {
        Tuple a = tcp(40000);
        List<ConntrackEvent> l = new ArrayList<>(List.of(
                tcp(EventType.NEW, a, 1, TcpState.SYN_SENT, 0),
                tcp(EventType.UPDATE, a, 1, TcpState.SYN_RECV, 10),
                tcp(EventType.UPDATE, a, 1, TcpState.ESTABLISHED, 20),
                udp(EventType.NEW, 0, 100),
                udp(EventType.UPDATE, Status.SEEN_REPLY, 500),
                tcp(EventType.UPDATE, a, 1, TcpState.FIN_WAIT, 1020),
                tcp(EventType.UPDATE, a, 1, TcpState.LAST_ACK, 1030),
                tcp(EventType.UPDATE, a, 1, TcpState.TIME_WAIT, 1040),
                tcp(EventType.NEW, tcp(40001), 3, TcpState.SYN_SENT, 2900),
                tcp(EventType.DESTROY, a, 1, TcpState.TIME_WAIT, 3040)));
        java.util.Collections.reverse(l);
        return Trace.of(l, L);
    }

    @Test
    void traceLabels() throws Exception {
        Trace t = handTrace();
        assertEquals(10, t.size());
        assertEquals(3, t.flowCount());
        PolicyResult all = new Evaluator(t).evaluate(new Policy.ReplicateAll());
        assertEquals(10, all.replicateAll());
        assertEquals(9, all.stateChanges());
        assertEquals(8, all.labelled());
        assertEquals(4, all.stable());
        assertEquals(5140 * MS, all.stableNanos());
        assertEquals(10, all.sent());
        assertEquals(0.0, all.saved());
        assertEquals(0.0, all.wrong());
        assertEquals(0.0, all.exposure());
        assertEquals(PolicyResult.csvHeader().split(",").length, all.csv().split(",").length);
        assertTrue(all.summary().startsWith("replicate-all"));
    }

    @Test
    void oracleAndStateFilters() throws Exception {
        Evaluator ev = new Evaluator(handTrace());
        // oracle: ESTABLISHED, TIME_WAIT, UNREPLIED, REPLIED + A's DESTROY = 5
        PolicyResult o = ev.evaluate(new Policy.Oracle());
        assertEquals(5, o.sent());
        assertEquals(0.5, o.saved(), EPS);
        assertEquals(1.0, o.savedVsOracle(), EPS);
        assertEquals(0.0, o.wrong());
        assertEquals(0.0, o.exposure());
        // conntrackd filter with UDP: ESTABLISHED, TIME_WAIT, DESTROY, UNREPLIED, REPLIED = 5, like the oracle here
        PolicyResult f = ev.evaluate(Policy.StateFilter.conntrackdExample(true));
        assertEquals(5, f.sent());
        assertEquals(0.0, f.wrong());
        assertEquals(1.0, f.savedVsOracle(), EPS);
        // without UDP: 3 sent; both UDP states never sent: wrong 2/8, exposed 200 + 2340 of 5140 ms, all lost
        PolicyResult tcpOnly = ev.evaluate(Policy.StateFilter.conntrackdExample(false));
        assertEquals(3, tcpOnly.sent());
        assertEquals(0.7, tcpOnly.saved(), EPS);
        assertEquals(2.0 / 8, tcpOnly.wrong(), EPS);
        assertEquals(2, tcpOnly.wrongNeverSent());
        assertEquals(2540.0 / 5140, tcpOnly.exposure(), EPS);
        assertEquals(2540.0 / 5140, tcpOnly.lostAtFailover(), EPS);
        assertEquals((400.0 + 2540) / 5940, tcpOnly.exposureFromEvent(), EPS);
        assertEquals(0.7 / 0.5, tcpOnly.savedVsOracle(), EPS);
    }

    @Test
    void polling() throws Exception {
        // polls at 1000, 2000, 3000: ESTABLISHED + REPLIED at 1000, TIME_WAIT at 2000, C's SYN_SENT at 3000;
        // A's DESTROY (3040) comes after the last poll within the log. sent 4.
        PolicyResult p = new Evaluator(handTrace()).evaluate(new Policy.Polling(Duration.ofSeconds(1)));
        assertEquals(4, p.sent());
        assertEquals(0.6, p.saved(), EPS);
        // UNREPLIED never sent; ESTABLISHED (980 ms), TIME_WAIT (960), REPLIED (500) sent late
        assertEquals(1, p.wrongNeverSent());
        assertEquals(3, p.wrongSentLate());
        assertEquals(4.0 / 8, p.wrong(), EPS);
        // exposed: ESTABLISHED 220→1000 = 780 (lost), TIME_WAIT 1240→2000 = 760 (backup holds ESTABLISHED),
        // UNREPLIED 200 (lost), REPLIED 700→1000 = 300 (lost)
        assertEquals(2040.0 / 5140, p.exposure(), EPS);
        assertEquals(1280.0 / 5140, p.lostAtFailover(), EPS);
        assertEquals((980.0 + 960 + 400 + 500) / 5940, p.exposureFromEvent(), EPS);
    }

    @Test
    void queueCollapsing() {
        Tuple a = tcp(40000);
        // NEW 0, UPDATE 0.3 ms, UPDATE 0.6 ms go out as one message at 1 ms; UPDATE 500 and DESTROY 500.5 as one
        List<ConntrackEvent> l = List.of(
                tcp(EventType.NEW, a, 1, TcpState.SYN_SENT, 0),
                tcp(EventType.UPDATE, a, 1, TcpState.SYN_RECV, 0.3),
                tcp(EventType.UPDATE, a, 1, TcpState.ESTABLISHED, 0.6),
                tcp(EventType.UPDATE, a, 1, TcpState.CLOSE, 500),
                tcp(EventType.DESTROY, a, 1, TcpState.CLOSE, 500.5));
        PolicyResult q = new Evaluator(Trace.of(l, L)).evaluate(new Policy.QueueCollapsing(Duration.ofMillis(1)));
        assertEquals(2, q.sent());
        assertEquals(0.6, q.saved(), EPS);
        assertEquals(0.0, q.wrong(), "ESTABLISHED sent 0.4 ms after its event is on time");
        assertEquals(0.0, q.exposure());
    }

    /** Five fast HTTP flows on [10.0.0.1, 10.0.0.2, tcp/80]. */
    private static LearnedModel trainedModel() {
        LazyReplicator r = new LazyReplicator(LazyConfig.defaults(), (e, t) -> { }, () -> 0);
        for (int i = 0; i < 5; i++) {
            Tuple t = tcp(30000 + i);
            double t0 = i * 5000;
            r.onEvent(tcp(EventType.NEW, t, 100 + i, TcpState.SYN_SENT, t0));
            r.onEvent(tcp(EventType.UPDATE, t, 100 + i, TcpState.SYN_RECV, t0 + 10));
            r.onEvent(tcp(EventType.UPDATE, t, 100 + i, TcpState.ESTABLISHED, t0 + 20));
            r.onEvent(tcp(EventType.UPDATE, t, 100 + i, TcpState.FIN_WAIT, t0 + 1020));
            r.onEvent(tcp(EventType.UPDATE, t, 100 + i, TcpState.LAST_ACK, t0 + 1030));
            r.onEvent(tcp(EventType.UPDATE, t, 100 + i, TcpState.TIME_WAIT, t0 + 1040));
            r.onEvent(tcp(EventType.DESTROY, t, 100 + i, TcpState.TIME_WAIT, t0 + 3040));
        }
        return r.snapshot();
    }

    @Test
    void bayesFromAModelMatchesTheOracleOnTheHandTrace() throws Exception {
        // A's SYN_SENT, SYN_RECV, FIN_WAIT, LAST_ACK and C's SYN_SENT are held; UDP is unknown: replicated
        PolicyResult b = new Evaluator(handTrace()).evaluate(
                new Policy.Bayes(LazyConfig.defaults(), trainedModel()));
        assertEquals(5, b.sent());
        assertEquals(0.5, b.saved(), EPS);
        assertEquals(1.0, b.savedVsOracle(), EPS);
        assertEquals(0.0, b.wrong());
        assertEquals(0.0, b.exposure());
        PolicyResult online = new Evaluator(handTrace()).evaluate(
                new Policy.Bayes(LazyConfig.defaults(), LearnedModel.empty()));
        assertEquals(10, online.sent(), "online learning from nothing replicates its first flows");
    }

    @Test
    void bayesDropVersusDefer() {
        // E: SYN_SENT 0 (TS), SYN_RECV 10 lives 300 ms (SS), ESTABLISHED 310 (SS), DESTROY 1310.
        // Stable: SYN_RECV 210→310 = 100, ESTABLISHED 510→1310 = 800. Oracle sends SYN_RECV, ESTABLISHED, DESTROY.
        Tuple e = tcp(41000);
        Trace t = Trace.of(List.of(
                tcp(EventType.NEW, e, 9, TcpState.SYN_SENT, 0),
                tcp(EventType.UPDATE, e, 9, TcpState.SYN_RECV, 10),
                tcp(EventType.UPDATE, e, 9, TcpState.ESTABLISHED, 310),
                tcp(EventType.DESTROY, e, 9, TcpState.ESTABLISHED, 1310)), L);
        Evaluator ev = new Evaluator(t);
        LearnedModel m = trainedModel();
        PolicyResult drop = ev.evaluate(new Policy.Bayes(LazyConfig.defaults().withMode(Mode.DROP), m));
        assertEquals(2, drop.sent());
        assertEquals(0.5 / 0.25, drop.savedVsOracle(), EPS);
        assertEquals(1.0 / 3, drop.wrong(), EPS);
        assertEquals(1, drop.wrongNeverSent());
        assertEquals(100.0 / 900, drop.exposure(), EPS);
        assertEquals(100.0 / 900, drop.lostAtFailover(), EPS);
        PolicyResult defer = ev.evaluate(new Policy.Bayes(LazyConfig.defaults().withMode(Mode.DEFER), m));
        assertEquals(3, defer.sent());
        assertEquals(1.0 / 3, defer.wrong(), EPS);
        assertEquals(0, defer.wrongNeverSent());
        assertEquals(1, defer.wrongSentLate());
        assertEquals(0.0, defer.exposure(), "sent exactly when it became stable");
        assertEquals(200.0 / 1300, defer.exposureFromEvent(), EPS);
    }

    @Test
    void newOnAnOpenTupleEndsTheOldFlowSilently() {
        Tuple a = tcp(40000);
        Trace t = Trace.of(List.of(
                tcp(EventType.NEW, a, 1, TcpState.SYN_SENT, 0),
                tcp(EventType.NEW, a, 2, TcpState.SYN_SENT, 50),
                tcp(EventType.UPDATE, a, 2, TcpState.SYN_RECV, 400)), L);
        assertEquals(2, t.flowCount());
        assertEquals(Trace.TS, t.label[0]);
        assertEquals(Trace.SS, t.label[1]);
        assertEquals(Trace.UNKNOWN, t.label[2]);
    }
}
