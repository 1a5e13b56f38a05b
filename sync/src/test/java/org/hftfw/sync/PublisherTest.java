package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.Counters;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;
import org.hftfw.lazy.Mode;
import org.junit.jupiter.api.Test;

/** The replication stage on virtual time: filter, direct and lazy paths, overrun reconciliation. */
class PublisherTest {
    private record Sent(EventType type, ConntrackEntry entry) {}

    private final List<Sent> sent = new ArrayList<>();
    private long now = 1_000_000_000L;
    private final FlowFilter filter = new FlowFilter(List.of(Cidr.parse("10.9.0.0/16")), Set.of(IpProto.TCP));
    private final Publisher p = new Publisher(filter, (t, e, id) -> sent.add(new Sent(t, e)), () -> now);

    private static ConntrackEntry tcp(String src, int sport, TcpState state) {
        Tuple t = Tuple.ports(InetAddress.ofLiteral(src), InetAddress.ofLiteral("10.2.0.1"), IpProto.TCP, sport, 80);
        return ConntrackEntry.builder(t).tcpState(state).status(Status.CONFIRMED).timeout(100).build();
    }

    private ConntrackEvent ev(EventType type, ConntrackEntry e) {
        return new ConntrackEvent(type, e, now, now / 1000);
    }

    @Test
    void directModeSendsEveryAcceptedChange() {
        ConntrackEntry a = tcp("10.1.0.1", 1000, TcpState.SYN_SENT);
        p.onEvent(ev(EventType.NEW, a));
        p.onEvent(ev(EventType.UPDATE, a.toBuilder().tcpState(TcpState.ESTABLISHED).build()));
        p.onEvent(ev(EventType.NEW, tcp("10.9.1.1", 1000, TcpState.SYN_SENT)));           // ignored address
        Tuple udp = Tuple.ports(InetAddress.ofLiteral("10.1.0.1"), InetAddress.ofLiteral("10.2.0.1"), IpProto.UDP, 5, 53);
        p.onEvent(ev(EventType.NEW, ConntrackEntry.builder(udp).build()));                  // protocol not accepted
        p.onEvent(ev(EventType.DESTROY, a));
        assertEquals(List.of(EventType.NEW, EventType.UPDATE, EventType.DESTROY), sent.stream().map(Sent::type).toList());
        Publisher.Stats s = p.stats();
        assertEquals(3, s.events());
        assertEquals(2, s.filtered());
        assertEquals(1, filter.ignoredByAddress());
        assertEquals(1, filter.ignoredByProtocol());
        assertEquals(0, s.backupHolds());
    }

    @Test
    void batchesEndAtTheDeliveryBatchEndTicksResyncsAndBeforeAQuiescedStep() throws Exception {
        List<String> log = new ArrayList<>();
        Publisher q = new Publisher(filter, new Outbound() {
            @Override
            public void publish(EventType type, ConntrackEntry entry, FlowId id) {
                log.add(type.name());
            }

            @Override
            public void endOfBatch() {
                log.add("end");
            }
        }, () -> now);
        ConntrackEntry a = tcp("10.1.0.1", 1000, TcpState.SYN_SENT);
        q.onEvent(ev(EventType.NEW, a));
        q.onEvent(ev(EventType.UPDATE, a.toBuilder().tcpState(TcpState.ESTABLISHED).build()));
        q.endOfBatch();
        assertEquals(List.of("NEW", "UPDATE", "end"), log, "the events of one delivery batch form one batch");
        log.clear();
        q.onEvent(ev(EventType.DESTROY, a));
        q.quiesce().whileQuiet(() -> log.add("step"));
        assertEquals(List.of("DESTROY", "end", "step"), log, "what was published reaches the channel before the step");
        log.clear();
        q.tick();
        q.onResync(List.of(a));
        assertEquals(List.of("end", "UPDATE", "end"), log);
    }

    @Test
    void resyncTreatsTheTableAsTheTruth() {
        ConntrackEntry gone = tcp("10.1.0.1", 1000, TcpState.ESTABLISHED);
        ConntrackEntry stays = tcp("10.1.0.2", 1000, TcpState.SYN_SENT);
        p.onEvent(ev(EventType.NEW, gone));
        p.onEvent(ev(EventType.NEW, stays));
        sent.clear();
        p.onOverrun(1);
        ConntrackEntry staysNow = stays.toBuilder().tcpState(TcpState.ESTABLISHED).build();
        ConntrackEntry appeared = tcp("10.1.0.3", 1000, TcpState.ESTABLISHED);
        p.onResync(List.of(staysNow, appeared, tcp("10.9.0.1", 1, TcpState.ESTABLISHED)));
        assertEquals(new Sent(EventType.DESTROY, gone), sent.get(0));
        assertEquals(Set.of(new Sent(EventType.UPDATE, staysNow), new Sent(EventType.UPDATE, appeared)),
                Set.copyOf(sent.subList(1, sent.size())));
        assertEquals(3, sent.size(), "the ignored flow is not bulk-sent");
        Publisher.Stats s = p.stats();
        assertEquals(1, s.overruns());
        assertEquals(1, s.resyncs());
        assertEquals(2, s.backupHolds());
    }

    @Test
    void resyncSendsOnlyWhatDiffersFromWhatTheBackupHolds() {
        ConntrackEntry quiet = tcp("10.1.0.1", 1000, TcpState.ESTABLISHED).toBuilder().id(7).build();
        ConntrackEntry moved = tcp("10.1.0.2", 1000, TcpState.SYN_SENT).toBuilder().id(8).build();
        ConntrackEntry reborn = tcp("10.1.0.3", 1000, TcpState.ESTABLISHED).toBuilder().id(9).build();
        for (ConntrackEntry e : List.of(quiet, moved, reborn)) {
            p.onEvent(ev(EventType.NEW, e));
        }
        sent.clear();
        p.onOverrun(1);
        // the dump: the quiet flow only aged (timeout, counters), the others changed state or were re-created
        ConntrackEntry quietNow = quiet.toBuilder().timeout(42).counters(new Counters(9, 900), new Counters(3, 300))
                .use(2).build();
        ConntrackEntry movedNow = moved.toBuilder().tcpState(TcpState.ESTABLISHED).status(Status.CONFIRMED
                | Status.ASSURED).build();
        ConntrackEntry rebornNow = reborn.toBuilder().id(10).build();
        p.onResync(List.of(quietNow, movedNow, rebornNow));
        assertEquals(Set.of(new Sent(EventType.UPDATE, movedNow), new Sent(EventType.UPDATE, rebornNow)),
                Set.copyOf(sent));
        assertEquals(2, sent.size());
        Publisher.Stats s = p.stats();
        assertEquals(2, s.resyncUpdates());
        assertEquals(1, s.resyncUnchanged());
        assertEquals(0, s.resyncDestroys());
        assertEquals(3, s.backupHolds());
        sent.clear();
        p.onResync(List.of(quietNow, movedNow, rebornNow));
        assertEquals(List.of(), sent, "a second resync of the same table sends nothing");
    }

    @Test
    void resyncSendsEveryFlowWhenTheLinkDroppedStatesSinceTheLastRepair() {
        long[] dropped = {0};
        Publisher q = new Publisher(filter, new Outbound() {
            @Override
            public void publish(EventType type, ConntrackEntry entry, FlowId id) {
                sent.add(new Sent(type, entry));
            }

            @Override
            public long statesDropped() {
                if (dropped[0] < 0) {
                    throw new IllegalStateException("cannot read FT-FW stats");
                }
                return dropped[0];
            }
        }, () -> now);
        ConntrackEntry a = tcp("10.1.0.1", 1000, TcpState.ESTABLISHED);
        ConntrackEntry b = tcp("10.1.0.2", 1000, TcpState.ESTABLISHED);
        q.onEvent(ev(EventType.NEW, a));
        q.onEvent(ev(EventType.NEW, b));
        sent.clear();
        dropped[0] = 1;                                  // the link's queue overflowed: a state may not have arrived
        q.onResync(List.of(a, b));
        assertEquals(Set.of(new Sent(EventType.UPDATE, a), new Sent(EventType.UPDATE, b)), Set.copyOf(sent));
        sent.clear();
        q.onResync(List.of(a, b));                       // nothing dropped since: the set is exact again
        assertEquals(List.of(), sent);
        assertEquals(2, q.stats().resyncUnchanged());
        dropped[0] = -2;                                 // the channel does not answer: assume the worst
        q.onResync(List.of(a, b));
        assertEquals(2, sent.size());
    }

    /** A short HTTP-like connection: every state but TIME_WAIT lives far less than B. */
    private void shortConnection(int i) {
        ConntrackEntry e = tcp("10.1.0.1", 2000 + i, TcpState.SYN_SENT);
        p.onEvent(ev(EventType.NEW, e));
        for (TcpState s : new TcpState[] {TcpState.SYN_RECV, TcpState.ESTABLISHED, TcpState.FIN_WAIT,
            TcpState.LAST_ACK, TcpState.TIME_WAIT}) {
            now += 1_000_000L;
            p.onEvent(ev(EventType.UPDATE, e.toBuilder().tcpState(s).build()));
        }
        now += 1_000_000_000L;                 // TIME_WAIT outlives B = 200 ms
        p.tick();
    }

    @Test
    void lazyModeHoldsBackTransitionalStatesOnceLearned() {
        p.replicateLazily(LazyConfig.defaults().withMode(Mode.DROP), LearnedModel.empty());
        for (int i = 0; i < 10; i++) {
            shortConnection(i);
        }
        int learning = sent.size();
        sent.clear();
        for (int i = 10; i < 20; i++) {
            shortConnection(i);
        }
        assertTrue(learning >= 30, "replicates every change until it knows the tuple: " + learning);
        assertEquals(10, sent.size(), "once learned only TIME_WAIT is sent: " + sent);
        assertTrue(sent.stream().allMatch(s -> s.entry().tcpState() == TcpState.TIME_WAIT));
        double saved = ((Replication.Lazy) p.replication()).metrics().saved();
        assertTrue(saved > 0.3, "saved " + saved);
    }

    @Test
    void lazyModeDestroyIsSentForAFlowTheBackupGotFromAResync() {
        p.replicateLazily(LazyConfig.defaults(), LearnedModel.empty());
        for (int i = 0; i < 10; i++) {
            shortConnection(i);
        }
        ConntrackEntry e = tcp("10.1.0.7", 7000, TcpState.SYN_SENT);
        p.onEvent(ev(EventType.NEW, e));                 // held back: SYN_SENT is known to be transitional
        assertTrue(sent.stream().noneMatch(x -> x.entry().equals(e)));
        p.onResync(List.of(e));                          // an overrun's resync bulk-sends it: the backup holds it
        sent.clear();
        p.onEvent(ev(EventType.DESTROY, e));
        assertEquals(List.of(new Sent(EventType.DESTROY, e)), sent);
        assertEquals(1, p.stats().destroysForced(), "the lazy replicator never sent the flow; the stage did");
    }

    @Test
    void deferredSendOlderThanAResyncIsDropped() {
        p.replicateLazily(LazyConfig.defaults().withMode(Mode.DEFER), LearnedModel.empty());
        for (int i = 0; i < 10; i++) {
            shortConnection(i);
        }
        ConntrackEntry e = tcp("10.1.0.1", 9000, TcpState.SYN_SENT);
        p.onEvent(ev(EventType.NEW, e));                 // held: SYN_SENT is known to be transitional
        now += 1_000_000L;
        ConntrackEntry est = e.toBuilder().tcpState(TcpState.ESTABLISHED).build();
        p.onResync(List.of(est));                        // events were lost; the table says ESTABLISHED
        sent.clear();
        now += Duration.ofSeconds(1).toNanos();
        p.tick();                                        // SYN_SENT's deadline passes: it must not overwrite
        assertTrue(sent.stream().noneMatch(s -> s.entry().tcpState() == TcpState.SYN_SENT), sent.toString());
        assertEquals(1, p.stats().staleDeferredDropped());
    }

    @Test
    void whileAMigrationIsOrderedEveryChangeIsReplicatedAndOldDeferredSendsAreDropped() {
        p.replicateLazily(LazyConfig.defaults().withMode(Mode.DEFER), LearnedModel.empty());
        for (int i = 0; i < 10; i++) {
            shortConnection(i);
        }
        ConntrackEntry held = tcp("10.1.0.1", 9100, TcpState.SYN_SENT);
        p.onEvent(ev(EventType.NEW, held));              // deferred: SYN_SENT is known to be transitional
        sent.clear();
        now += 1_000_000L;
        p.replicateAll(true);
        assertTrue(p.stats().replicateAll());
        ConntrackEntry e = tcp("10.1.0.1", 9200, TcpState.SYN_SENT);
        p.onEvent(ev(EventType.NEW, e));
        for (TcpState st : new TcpState[] {TcpState.SYN_RECV, TcpState.ESTABLISHED, TcpState.FIN_WAIT}) {
            now += 1_000_000L;
            p.onEvent(ev(EventType.UPDATE, e.toBuilder().tcpState(st).build()));
        }
        assertEquals(List.of(TcpState.SYN_SENT, TcpState.SYN_RECV, TcpState.ESTABLISHED, TcpState.FIN_WAIT),
                sent.stream().map(x -> x.entry().tcpState()).toList(), "nothing is held back while migrating");
        now += Duration.ofSeconds(1).toNanos();
        p.tick();                                        // the lazy replicator's own sends stay suppressed
        assertEquals(4, sent.size(), sent.toString());
        p.replicateAll(false);
        sent.clear();
        now += Duration.ofSeconds(1).toNanos();
        p.tick();
        assertTrue(sent.stream().noneMatch(x -> x.entry().equals(held)), "a deferral older than the switch: " + sent);
        shortConnection(99);
        assertEquals(List.of(TcpState.TIME_WAIT), sent.stream().map(x -> x.entry().tcpState()).toList(),
                "lazy again after the handover");
    }
}
