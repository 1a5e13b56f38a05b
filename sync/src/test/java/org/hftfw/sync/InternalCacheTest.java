package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.compact.FlowCodec;
import org.hftfw.migrator.StateMigrator;
import org.junit.jupiter.api.Test;

/** The primary's internal cache as a migration reads it: keys at the order, each state as it is sent. */
class InternalCacheTest {

    private static ConntrackEntry flow(int i, TcpState state) {
        Tuple t = Tuple.ports(InetAddress.ofLiteral("10.240.0." + (1 + i)), InetAddress.ofLiteral("10.241.0.1"),
                IpProto.TCP, 30_000 + i, 443);
        return ConntrackEntry.builder(t).tcpState(state).status(Status.SEEN_REPLY | Status.ASSURED).timeout(600).build();
    }

    private static List<ConntrackEntry> drain(Iterator<ConntrackEntry> it) {
        List<ConntrackEntry> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void aSnapshotSendsEachFlowAtItsLatestStateAndSkipsFlowsGoneSinceTheOrder() {
        InternalCache cache = new InternalCache();
        for (int i = 0; i < 3; i++) {
            update(cache, flow(i, TcpState.ESTABLISHED));
        }
        StateMigrator.Snapshot snap = cache.snapshot();
        update(cache, flow(0, TcpState.FIN_WAIT));                  // changed after the order
        cache.remove(flow(1, TcpState.ESTABLISHED).flowId());               // destroyed after the order
        assertEquals(3, snap.size(), "the flows at the order");
        assertEquals(Set.of(flow(0, TcpState.FIN_WAIT), flow(2, TcpState.ESTABLISHED)), Set.copyOf(drain(snap.entries())),
                "the newer state of flow 0 and flow 2; flow 1 is gone (its DESTROY went out live)");
        assertEquals(List.of(flow(2, TcpState.ESTABLISHED)),
                drain(snap.again(List.of(flow(1, TcpState.CLOSE), flow(2, TcpState.CLOSE)))),
                "a resend of lost flows reads their latest state and skips the destroyed one");
    }

    @Test
    void aResyncReplacesTheImage() {
        InternalCache cache = new InternalCache();
        update(cache, flow(0, TcpState.ESTABLISHED));
        update(cache, flow(1, TcpState.ESTABLISHED));
        ConntrackEntry two = flow(2, TcpState.ESTABLISHED);
        cache.replace(List.of(FlowCodec.encode(two)));
        assertEquals(List.of(two), drain(cache.snapshot().entries()));
    }

    @Test
    void aResyncDuringAMigrationWalkKeepsTheWalkExactlyOnceForTheFlowsItKeeps() {
        InternalCache cache = new InternalCache();
        for (int i = 0; i < 200; i++) {
            update(cache, flow(i, TcpState.ESTABLISHED));
        }
        Iterator<ConntrackEntry> walk = cache.snapshot().entries();
        List<ConntrackEntry> seen = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            seen.add(walk.next());
        }
        Set<FlowId> before = seen.stream().map(ConntrackEntry::flowId).collect(Collectors.toSet());
        List<byte[]> table = new ArrayList<>();
        for (int i = 0; i < 254; i++) {
            if (i % 2 == 0 || i >= 200) {                           // odd flows below 200 ended during the overrun
                table.add(FlowCodec.encode(flow(i, TcpState.CLOSE_WAIT)));
            }
        }
        cache.replace(table);                                       // the overrun resync, under the publisher's lock
        walk.forEachRemaining(seen::add);
        Map<FlowId, Long> times = seen.stream().collect(Collectors.groupingBy(ConntrackEntry::flowId,
                Collectors.counting()));
        for (int i = 0; i < 200; i++) {
            FlowId id = flow(i, TcpState.ESTABLISHED).flowId();
            if (i % 2 == 0) {
                assertEquals(1L, times.get(id), "flow " + i + " stayed through the resync: sent once");
                if (!before.contains(id)) {
                    assertTrue(seen.contains(flow(i, TcpState.CLOSE_WAIT)), "flow " + i + " at its resynced state");
                }
            } else if (!before.contains(id)) {
                assertFalse(times.containsKey(id), "flow " + i + " ended before the walk reached it");
            }
        }
        assertEquals(100 + 54, cache.size());
    }

    private static void update(InternalCache cache, ConntrackEntry e) {
        cache.update(FlowCodec.encode(e));
    }
}
