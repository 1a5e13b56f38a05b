package org.hftfw.lazy;

import org.hftfw.common.InvalidConfigException;

import static org.hftfw.lazy.Ev.MS;
import static org.hftfw.lazy.Ev.httpFlow;
import static org.hftfw.lazy.Ev.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

class LazyReplicatorTest {
    private final AtomicLong clock = new AtomicLong();
    private final Ev.Sink sink = new Ev.Sink();

    private LazyReplicator replicator(LazyConfig c) {
        return new LazyReplicator(c, sink, clock::get);
    }

    private static void feed(LazyReplicator r, List<ConntrackEvent> events) {
        events.forEach(r::onEvent);
    }

    /** Five fast HTTP flows (rtt 10 ms, ESTABLISHED 500 ms, TIME_WAIT 1 s) to 10.0.0.2:80, 2 s apart. */
    private static long train(LazyReplicator r, int flows) {
        long t = 0;
        for (int i = 0; i < flows; i++) {
            feed(r, httpFlow(Ev.tcp("10.0.0.1", "10.0.0.2", 40000 + i, 80), t, 10, 500, 1000));
            t += 2000;
        }
        return t;
    }

    @Test
    void withoutKnowledgeEverythingIsReplicated() {
        LazyReplicator r = replicator(LazyConfig.defaults().withBarrier(1.0));
        feed(r, httpFlow(Ev.tcp("10.0.0.1", "10.0.0.2", 40000, 80), 0, 10, 500, 1000));
        assertEquals(List.of("SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "LAST_ACK", "TIME_WAIT", "DESTROY"),
                sink.states());
        ReplicatorMetrics m = r.metrics();
        assertEquals(6, m.noKnowledge());
        assertEquals(0.0, m.saved());
    }

    @Test
    void learnsTransitionalStatesFromLifetimes() {
        LazyReplicator r = replicator(LazyConfig.defaults());
        long t = train(r, 5);
        assertEquals(35, sink.size(), "nothing is held while fewer than minObservations are known");
        sink.clear();
        feed(r, httpFlow(Ev.tcp("10.0.0.1", "10.0.0.2", 41000, 80), t, 10, 500, 1000));
        assertEquals(List.of("ESTABLISHED", "TIME_WAIT", "DESTROY"), sink.states());
        KeyStats k = r.knowledgeOf(Ev.tcp("10.0.0.1", "10.0.0.2", 1, 80));
        assertNotNull(k);
        int synSent = StateIds.slot(StateIds.TCP + TcpState.SYN_SENT.kernelValue());
        int est = StateIds.slot(StateIds.TCP + TcpState.ESTABLISHED.kernelValue());
        assertEquals(6, k.observed(synSent));
        assertEquals(6, k.observedTs(synSent));
        assertEquals(6, k.observed(est));
        assertEquals(0, k.observedTs(est));
        ReplicatorMetrics m = r.metrics();
        assertEquals(42, m.events());
        assertEquals(38, m.sent());
        assertEquals(1.0 - 38.0 / 42, m.saved(), 1e-12);
        assertEquals(0, m.wrong());
        assertEquals(5, m.perState().get("SYN_SENT").sent());
        assertEquals(6, m.perState().get("ESTABLISHED").sent());
        assertEquals(1.0 / 6, m.perState().get("SYN_SENT").saved(), 1e-12);
        assertEquals(1, m.knowledgeBaseSize());
    }

    @Test
    void stateAliveAtBIsStableWithoutWaitingForItsEnd() {
        LazyReplicator r = replicator(LazyConfig.defaults());
        Tuple t = Ev.tcp("10.0.0.1", "10.0.0.2", 40000, 80);
        r.onEvent(tcp(EventType.NEW, t, TcpState.SYN_SENT, 0));
        r.advanceTo(199 * MS);
        assertEquals(0, r.metrics().labelled());
        r.advanceTo(200 * MS);
        assertEquals(1, r.metrics().labelled());
        KeyStats k = r.knowledgeOf(t);
        assertEquals(1, k.observed(0));
        assertEquals(0, k.observedTs(0));
    }

    /** 8 flows: SYN_SENT 7 × TS + 1 × SS (P(SS) = 1/8), SYN_RECV always TS, ESTABLISHED always SS. */
    private LearnedModel edgeModel() {
        LazyReplicator r = replicator(LazyConfig.defaults().withBarrier(0));
        long t = 0;
        for (int i = 0; i < 8; i++) {
            Tuple tu = Ev.tcp("10.0.0.1", "10.0.0.2", 40000 + i, 80);
            long synSent = i == 0 ? 300 : 10;
            r.onEvent(tcp(EventType.NEW, tu, TcpState.SYN_SENT, t));
            r.onEvent(tcp(EventType.UPDATE, tu, TcpState.SYN_RECV, t + synSent));
            r.onEvent(tcp(EventType.UPDATE, tu, TcpState.ESTABLISHED, t + synSent + 5));
            r.onEvent(tcp(EventType.DESTROY, tu, TcpState.ESTABLISHED, t + synSent + 1005));
            t += 2000;
        }
        r.advanceTo(t * MS);
        KeyStats k = r.knowledgeOf(Ev.tcp("10.0.0.1", "10.0.0.2", 1, 80));
        assertEquals(8, k.observed(0));
        assertEquals(7, k.observedTs(0));
        return r.snapshot();
    }

    private boolean sendsFirst(LearnedModel m, double barrier, TcpState state) {
        Ev.Sink s = new Ev.Sink();
        LazyReplicator r = new LazyReplicator(LazyConfig.defaults().withBarrier(barrier).withLearning(false), s,
                () -> 0, m);
        EventType type = state == TcpState.SYN_SENT ? EventType.NEW : EventType.UPDATE;
        r.onEvent(tcp(type, Ev.tcp("10.0.0.1", "10.0.0.2", 50000, 80), state, 100_000));
        return s.size() == 1;
    }

    @Test
    void barrierEdgeCases() {
        LearnedModel m = edgeModel();
        assertFalse(sendsFirst(m, 0.125, TcpState.SYN_SENT), "P(SS) exactly equal to the barrier is TS");
        assertTrue(sendsFirst(m, 0.124, TcpState.SYN_SENT));
        assertTrue(sendsFirst(m, 0.0, TcpState.SYN_SENT), "barrier 0 holds only states never seen stable");
        assertFalse(sendsFirst(m, 0.0, TcpState.SYN_RECV), "never seen stable: held even at barrier 0");
        assertFalse(sendsFirst(m, 1.0, TcpState.ESTABLISHED), "barrier 1 holds back even always-stable states");
        assertTrue(sendsFirst(m, 0.99, TcpState.ESTABLISHED));
        assertTrue(sendsFirst(LearnedModel.empty(), 1.0, TcpState.SYN_SENT), "no model: replicate");
    }

    /**
     * The paper's reset, where the tuple's own counters decide: a UDP query's UNREPLIED state (no RTT is known for
     * it before the reply) learned from 20 queries answered in 10 ms, then the server slows down to 300 ms.
     */
    @Test
    void keyIsResetAfterConsecutiveWrongPredictions() {
        LazyReplicator r = replicator(LazyConfig.defaults().withMaxFailingPredictions(3));
        long t = 0;
        for (int i = 0; i < 23; i++) {
            long reply = i < 20 ? 10 : 300;   // held while P(SS) = k / (20 + k) ≤ 0.125: k = 0, 1, 2
            Tuple u = Tuple.ports(Ev.ip("10.0.0.1"), Ev.ip("10.0.0.53"), org.hftfw.conntrack.IpProto.UDP,
                    50000 + i, 53);
            r.onEvent(Ev.udp(EventType.NEW, u, 0, t));
            r.onEvent(Ev.udp(EventType.UPDATE, u, org.hftfw.conntrack.Status.SEEN_REPLY, t + reply));
            r.onEvent(Ev.udp(EventType.DESTROY, u, org.hftfw.conntrack.Status.SEEN_REPLY, t + 1000));
            t += 2000;
        }
        ReplicatorMetrics m = r.metrics();
        assertEquals(1, m.resets());
        assertEquals(3, m.wrong(), "three UNREPLIED held back and stable, then the reset");
        KeyStats k = r.knowledgeOf(Tuple.ports(Ev.ip("10.0.0.1"), Ev.ip("10.0.0.53"),
                org.hftfw.conntrack.IpProto.UDP, 1, 53));
        assertEquals(1, k.observed(0), "the reset forgot the 20 + 2 observations at the old latency; only the one "
                + "that triggered it is kept");
    }

    /**
     * TCP flows whose latency rises: the latency-scaled model follows the flow's measured RTT, so only the states
     * classified before the new RTT is measured (SYN_SENT, SYN_RECV at the source's old RTT) can be wrong.
     */
    @Test
    void aLatencyRiseIsFollowedByTheMeasuredRoundTrip() {
        // DROP: what is sent is what was predicted stable (DEFER would also send the two wrong ones at B)
        LazyReplicator r = replicator(LazyConfig.defaults().withMode(Mode.DROP).withMaxFailingPredictions(3));
        long t = train(r, 5);
        sink.clear();
        feed(r, httpFlow(Ev.tcp("10.0.0.1", "10.0.0.2", 41000, 80), t, 300, 500, 1000));
        assertEquals(2, r.metrics().wrong(), "SYN_SENT and SYN_RECV, classified at the old 10 ms RTT");
        assertEquals(List.of("ESTABLISHED", "FIN_WAIT", "LAST_ACK", "TIME_WAIT", "DESTROY"), sink.states(),
                "at the measured 600 ms handshake every later state is predicted stable");
    }

    /**
     * The tuple's own counters veto a TS prediction of the latency-scaled model when the state was stable in at least
     * half of the tuple's own observations (a server that behaves unlike its port class).
     */
    @Test
    void aTuplesOwnStableHistoryVetoesALatencyScaledTsPrediction() {
        LazyReplicator r = replicator(LazyConfig.defaults());
        long t = 0;
        // port class "web" learns FIN_WAIT lasting 1 RTT at 10 ms (TS) from many clients ...
        for (int i = 0; i < 20; i++) {
            feed(r, httpFlow(Ev.tcp("10.0.1." + (i + 1), "10.0.0.2", 40000, 80), t, 10, 500, 1000));
            t += 2000;
        }
        // ... while one server's FIN_WAIT lingers 400 ms for every client (its own counters: stable)
        for (int i = 0; i < 5; i++) {
            Tuple a = Ev.tcp("10.0.2.1", "10.0.0.3", 40000 + i, 80);
            feed(r, List.of(tcp(EventType.NEW, a, TcpState.SYN_SENT, t), tcp(EventType.UPDATE, a, TcpState.SYN_RECV, t + 10),
                    tcp(EventType.UPDATE, a, TcpState.ESTABLISHED, t + 20),
                    tcp(EventType.UPDATE, a, TcpState.FIN_WAIT, t + 520),
                    tcp(EventType.UPDATE, a, TcpState.LAST_ACK, t + 920),
                    tcp(EventType.DESTROY, a, TcpState.LAST_ACK, t + 930)));
            t += 2000;
        }
        sink.clear();
        Tuple a = Ev.tcp("10.0.2.1", "10.0.0.3", 41000, 80);
        feed(r, List.of(tcp(EventType.NEW, a, TcpState.SYN_SENT, t), tcp(EventType.UPDATE, a, TcpState.SYN_RECV, t + 10),
                tcp(EventType.UPDATE, a, TcpState.ESTABLISHED, t + 20),
                tcp(EventType.UPDATE, a, TcpState.FIN_WAIT, t + 520)));
        assertTrue(sink.states().contains("FIN_WAIT"), "the tuple's own history says stable: " + sink.states());
        Tuple b = Ev.tcp("10.0.1.1", "10.0.0.2", 41000, 80);
        sink.clear();
        feed(r, List.of(tcp(EventType.NEW, b, TcpState.SYN_SENT, t), tcp(EventType.UPDATE, b, TcpState.SYN_RECV, t + 10),
                tcp(EventType.UPDATE, b, TcpState.ESTABLISHED, t + 20),
                tcp(EventType.UPDATE, b, TcpState.FIN_WAIT, t + 520)));
        assertFalse(sink.states().contains("FIN_WAIT"), "another tuple: TS as its port class: " + sink.states());
    }

    @Test
    void correctTsPredictionEndsTheFailureStreak() {
        LazyReplicator r = replicator(LazyConfig.defaults().withMaxFailingPredictions(2).withBarrier(0.25));
        long t = train(r, 5);
        Tuple a = Ev.tcp("10.0.0.1", "10.0.0.2", 41000, 80);
        // one wrong (SYN_SENT lives 300 ms), then correct TS predictions: no reset
        r.onEvent(tcp(EventType.NEW, a, TcpState.SYN_SENT, t));
        r.onEvent(tcp(EventType.UPDATE, a, TcpState.SYN_RECV, t + 300));
        r.onEvent(tcp(EventType.UPDATE, a, TcpState.ESTABLISHED, t + 310));
        Tuple b = Ev.tcp("10.0.0.1", "10.0.0.2", 41001, 80);
        r.onEvent(tcp(EventType.NEW, b, TcpState.SYN_SENT, t + 1000));
        r.onEvent(tcp(EventType.UPDATE, b, TcpState.SYN_RECV, t + 1300));
        assertEquals(2, r.metrics().wrong(), "SYN_SENT held twice (P(SS) 0, then 1/6 ≤ 0.25) and stable twice");
        assertEquals(0, r.metrics().resets());
    }

    /** A trained key, then a flow whose SYN_RECV lives 300 ms (slow server). */
    private List<ConntrackEvent> slowSynRecv(long t) {
        Tuple tu = Ev.tcp("10.0.0.1", "10.0.0.2", 41000, 80);
        return List.of(tcp(EventType.NEW, tu, TcpState.SYN_SENT, t),
                tcp(EventType.UPDATE, tu, TcpState.SYN_RECV, t + 10),
                tcp(EventType.UPDATE, tu, TcpState.ESTABLISHED, t + 310),
                tcp(EventType.UPDATE, tu, TcpState.FIN_WAIT, t + 810),
                tcp(EventType.DESTROY, tu, TcpState.FIN_WAIT, t + 815));
    }

    @Test
    void dropNeverSendsAWrongPrediction() {
        LazyReplicator r = replicator(LazyConfig.defaults().withMode(Mode.DROP));
        long t = train(r, 5);
        sink.clear();
        feed(r, slowSynRecv(t));
        assertEquals(List.of("ESTABLISHED", "DESTROY"), sink.states());
        ReplicatorMetrics m = r.metrics();
        assertEquals(1, m.wrong());
        assertEquals(0, m.deferredThenSent());
        // exposure: SYN_RECV stable for 100 ms without the backup holding anything; ESTABLISHED sent at once
        assertEquals(100 * MS, m.exposedNanos());
        assertEquals(100 * MS, m.lostNanos());
        assertEquals(5 * 1100 * MS + 100 * MS + 300 * MS, m.stableNanos());
    }

    @Test
    void deferSendsAHeldUpdateWhenItOutlivesB() {
        LazyReplicator r = replicator(LazyConfig.defaults().withMode(Mode.DEFER));
        long t = train(r, 5);
        sink.clear();
        feed(r, slowSynRecv(t));
        assertEquals(List.of("SYN_RECV", "ESTABLISHED", "DESTROY"), sink.states());
        assertEquals((t + 10 + 200) * MS, sink.at.get(0), "sent at its deadline start + B");
        ReplicatorMetrics m = r.metrics();
        assertEquals(1, m.wrong());
        assertEquals(1, m.deferredThenSent());
        assertEquals(0, m.exposedNanos());
        assertEquals(1, m.perState().get("SYN_RECV").deferredThenSent());
    }

    @Test
    void deferredSendIsDrivenByTheInjectedClock() {
        LazyReplicator r = replicator(LazyConfig.defaults().withMode(Mode.DEFER));
        long t = train(r, 5);
        sink.clear();
        Tuple tu = Ev.tcp("10.0.0.1", "10.0.0.2", 41000, 80);
        r.onEvent(tcp(EventType.NEW, tu, TcpState.SYN_SENT, t));
        clock.set((t + 199) * MS);
        r.tick();
        assertEquals(0, sink.size(), "held: not yet B old");
        clock.set((t + 200) * MS);
        r.tick();
        assertEquals(List.of("SYN_SENT"), sink.states());
    }

    @Test
    void supersededHeldUpdateIsNeverSent() {
        LazyReplicator r = replicator(LazyConfig.defaults().withMode(Mode.DEFER));
        long t = train(r, 5);
        sink.clear();
        feed(r, httpFlow(Ev.tcp("10.0.0.1", "10.0.0.2", 41000, 80), t, 10, 500, 1000));
        r.advanceTo((t + 5000) * MS);
        assertEquals(List.of("ESTABLISHED", "TIME_WAIT", "DESTROY"), sink.states());
        assertEquals(0, r.metrics().deferredThenSent());
    }

    @Test
    void destroyIsSentOnlyWhenTheBackupHoldsTheFlow() {
        LazyReplicator r = replicator(LazyConfig.defaults());
        long t = train(r, 5);
        sink.clear();
        Tuple rst = Ev.tcp("10.0.0.1", "10.0.0.2", 41000, 80);
        r.onEvent(tcp(EventType.NEW, rst, TcpState.SYN_SENT, t));
        r.onEvent(tcp(EventType.UPDATE, rst, TcpState.SYN_RECV, t + 10));
        r.onEvent(tcp(EventType.DESTROY, rst, TcpState.CLOSE, t + 20));
        assertEquals(List.of(), sink.states(), "backup never held it: no DESTROY");
        feed(r, httpFlow(Ev.tcp("10.0.0.1", "10.0.0.2", 41001, 80), t + 100, 10, 500, 1000));
        assertEquals(List.of("ESTABLISHED", "TIME_WAIT", "DESTROY"), sink.states());
        sink.clear();
        r.onEvent(tcp(EventType.DESTROY, Ev.tcp("10.9.9.9", "10.0.0.2", 1234, 80), TcpState.TIME_WAIT, t + 5000));
        assertEquals(List.of("DESTROY"), sink.states(), "unknown flow: the backup may hold it, send");
        ReplicatorMetrics m = r.metrics();
        assertEquals(5 + 3, m.destroys());
        assertEquals(5 + 2, m.destroysSent());
    }

    @Test
    void fallbackModelDecidesForANewTuple() {
        LazyReplicator r = replicator(LazyConfig.defaults());
        long t = train(r, 5);
        sink.clear();
        long before = r.metrics().fallbackDecisions();
        feed(r, httpFlow(Ev.tcp("10.0.0.1", "10.0.0.99", 40000, 80), t, 10, 500, 1000));
        assertEquals(List.of("ESTABLISHED", "TIME_WAIT", "DESTROY"), sink.states());
        assertEquals(6, r.metrics().fallbackDecisions() - before);
    }

    /**
     * CalibrationGuard, the way the shipped prior failed in a site's first seconds: elsewhere this service answered
     * at once (ESTABLISHED 50 ms: transitional), here it takes a second (stable), and five flows start within 100 ms,
     * before the first label. On probation the prior holds only the first ESTABLISHED; the first label (stable at
     * B) withdraws it, and later flows' ESTABLISHED go out at once.
     */
    @Test
    void aPriorWrongOnThisTrafficHoldsOneChangeOnProbationAndIsThenWithdrawn() {
        LazyReplicator elsewhere = replicator(LazyConfig.defaults());
        long t = 0;
        for (int i = 0; i < 40; i++) {
            feed(elsewhere, httpFlow(Ev.tcp("10.0.0." + (1 + i % 20), "10.0.0.2", 40000 + i, 80), t, 10, 50, 1000));
            t += 2000;
        }
        LearnedModel prior = elsewhere.snapshot().asPrior(LearnedModel.DEFAULT_PRIOR_STRENGTH);
        Ev.Sink s = new Ev.Sink();
        LazyReplicator r = new LazyReplicator(LazyConfig.defaults().withMode(Mode.DEFER), s, clock::get, prior);
        List<ConntrackEvent> burst = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            burst.addAll(httpFlow(Ev.tcp("10.0.9." + (i + 1), "10.0.9.100", 40000, 80), t + 20L * i, 10, 1000, 1000));
        }
        burst.sort(Comparator.comparingLong(ConntrackEvent::monotonicNanos));
        feed(r, burst);
        long later = t + 5000;
        feed(r, httpFlow(Ev.tcp("10.0.9.9", "10.0.9.100", 40000, 80), later, 10, 1000, 1000));
        List<Long> establishedDelays = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            ConntrackEvent e = s.events.get(i);
            if (e.type() != EventType.DESTROY && e.entry().tcpState() == TcpState.ESTABLISHED) {
                establishedDelays.add((s.at.get(i) - e.monotonicNanos()) / MS);
            }
        }
        assertEquals(List.of(0L, 0L, 0L, 0L, 0L, 200L), establishedDelays.stream().sorted().toList(),
                "one held on probation (sent at B), the rest at once");
        assertEquals(1, r.metrics().wrong(), "the prior was wrong once, not once per flow of the burst");
        assertTrue(r.calibrationTrips() >= 1);
    }

    @Test
    void boundedKnowledgeBaseEvicts() {
        LazyReplicator r = replicator(LazyConfig.defaults().withMaxKeys(100).withMaxFlows(50));
        for (int i = 0; i < 1000; i++) {
            Tuple tu = Ev.tcp("10.0.0.1", "10.1." + (i / 250) + "." + (i % 250), 40000, 80);
            r.onEvent(tcp(EventType.NEW, tu, TcpState.SYN_SENT, i));
        }
        ReplicatorMetrics m = r.metrics();
        assertTrue(m.knowledgeBaseSize() <= 100, "size " + m.knowledgeBaseSize());
        assertTrue(m.knowledgeBaseEvictions() >= 900, "evictions " + m.knowledgeBaseEvictions());
        assertTrue(m.liveFlows() <= 50, "flows " + m.liveFlows());
        assertTrue(m.flowEvictions() >= 950, "flow evictions " + m.flowEvictions());
        r.advanceTo(10_000 * MS);
        long labelled = r.metrics().labelled();
        assertTrue(labelled < 1000, "deadlines of evicted flows are skipped: " + labelled);
        assertTrue(labelled >= r.metrics().liveFlows(), "every tracked flow was labelled: " + labelled);
    }

    @Test
    void idleTuplesExpire() {
        LazyReplicator r = replicator(LazyConfig.defaults().withKeyIdleExpiry(java.time.Duration.ofSeconds(1)));
        for (int i = 0; i < 3000; i++) {
            r.onEvent(tcp(EventType.NEW, Ev.tcp("10.0.0.1", "10.3." + (i / 250) + "." + (i % 250), 40000, 80),
                    TcpState.SYN_SENT, 0));
        }
        assertEquals(3000, r.metrics().knowledgeBaseSize());
        r.advanceTo(2000 * MS);
        assertEquals(0, r.metrics().knowledgeBaseSize(), "more than one Caffeine maintenance cycle's worth");
        assertEquals(0, r.snapshot().keyCount());
    }

    @Test
    void idleFlowsExpireAndTheirDestroyIsTreatedAsUnknown() {
        LazyReplicator r = replicator(LazyConfig.defaults().withFlowIdleExpiry(java.time.Duration.ofSeconds(10)));
        Tuple t = Ev.tcp("10.0.0.1", "10.0.0.2", 40000, 80);
        r.onEvent(tcp(EventType.NEW, t, TcpState.SYN_SENT, 0));
        r.advanceTo(9_999 * MS);
        assertEquals(1, r.metrics().liveFlows());
        r.advanceTo(10_000 * MS);
        assertEquals(0, r.metrics().liveFlows());
        assertEquals(1, r.metrics().flowEvictions());
    }

    @Test
    void reconfigureAppliesGoodAndKeepsOldOnBad() {
        LazyReplicator r = replicator(LazyConfig.defaults());
        for (int i = 0; i < 200; i++) {
            r.onEvent(tcp(EventType.NEW, Ev.tcp("10.0.0.1", "10.2.0." + i, 40000, 80), TcpState.SYN_SENT, i));
        }
        LazyConfig before = r.config();
        InvalidConfigException e = org.junit.jupiter.api.Assertions.assertThrows(InvalidConfigException.class,
                () -> r.reconfigure(before.withBarrier(1.5).withLatency(java.time.Duration.ZERO)));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("barrier"));
        assertEquals(before, r.config());
        assertEquals(200, r.metrics().knowledgeBaseSize());

        r.reconfigure(before.withMaxKeys(10).withBarrier(0.25).withMode(Mode.DEFER));
        assertEquals(0.25, r.config().barrier());
        assertEquals(Mode.DEFER, r.config().mode());
        assertTrue(r.metrics().knowledgeBaseSize() <= 10);
    }

    @Test
    void reconfiguredLatencyMovesTheBoundary() {
        LazyReplicator r = replicator(LazyConfig.defaults());
        Tuple tu = Ev.tcp("10.0.0.1", "10.0.0.2", 40000, 80);
        r.reconfigure(r.config().withLatency(java.time.Duration.ofMillis(20)));
        r.onEvent(tcp(EventType.NEW, tu, TcpState.SYN_SENT, 0));
        r.onEvent(tcp(EventType.UPDATE, tu, TcpState.SYN_RECV, 50));
        KeyStats k = r.knowledgeOf(tu);
        assertEquals(0, k.observedTs(0), "50 ms ≥ B = 40 ms: stable");
    }

    @Test
    void newOnALiveTupleStartsAFreshFlow() {
        LazyReplicator r = replicator(LazyConfig.defaults());
        Tuple tu = Ev.tcp("10.0.0.1", "10.0.0.2", 40000, 80);
        r.onEvent(tcp(EventType.NEW, tu, TcpState.SYN_SENT, 0));
        r.onEvent(tcp(EventType.NEW, tu, TcpState.SYN_SENT, 5));
        KeyStats k = r.knowledgeOf(tu);
        assertEquals(1, k.observedTs(0), "the old instance's state ended after 5 ms");
        assertEquals(1, r.metrics().liveFlows());
    }
}
