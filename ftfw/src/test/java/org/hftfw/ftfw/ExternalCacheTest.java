package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

class ExternalCacheTest {

    @Test
    void newReplacesUpdUpsertsDelRemoves() {
        long[] now = {0};
        ExternalCache c = new ExternalCache(() -> now[0]);
        ConntrackEntry a = RandomEntries.tcpFlow(1, 100);
        c.apply(FtfwMessage.DataType.UPD, a, FlowExtras.NONE);
        assertEquals(1, c.size(), "UPD of an unknown flow creates it");
        c.apply(FtfwMessage.DataType.NEW, a.toBuilder().timeout(200).build(), FlowExtras.NONE);
        assertEquals(200, c.get(a.original(), 0).orElseThrow().timeout());
        c.apply(FtfwMessage.DataType.DEL, a, FlowExtras.NONE);
        c.apply(FtfwMessage.DataType.DEL, a, FlowExtras.NONE);
        assertEquals(0, c.size());
        assertEquals(1, c.stats().deletesUnknown());
    }

    @Test
    void seededFlowsGiveWayToReceivedOnesAndGoAtTheNextFullBulkUnlessResent() {
        ExternalCache c = new ExternalCache(() -> 0L);
        ConntrackEntry received = RandomEntries.tcpFlow(1, 300);
        c.onData(FtfwMessage.DataType.NEW, received, FlowExtras.NONE, 10L << 32);
        ConntrackEntry kept = RandomEntries.tcpFlow(2, 400_000);
        ConntrackEntry deletedMeanwhile = RandomEntries.tcpFlow(3, 400_000);
        assertEquals(2, c.seed(List.of(received.toBuilder().timeout(400_000).build(), kept, deletedMeanwhile)));
        assertEquals(300, c.get(received.original(), 0).orElseThrow().timeout(), "what was received stays");

        long bulkFrom = 11L << 32;
        c.onData(FtfwMessage.DataType.UPD, kept.toBuilder().timeout(500).build(), FlowExtras.NONE, bulkFrom);
        c.onData(FtfwMessage.DataType.UPD, received, FlowExtras.NONE, bulkFrom + 1);
        FtfwEngine.BulkOutcome o = c.onBulkEnd(bulkFrom, true);
        assertEquals(List.of(deletedMeanwhile.flowId()), o.stale(), "the seeded flow the peer did not resend");
        assertEquals(2, c.size());
        assertEquals(500, c.get(kept.original(), 0).orElseThrow().timeout(), "the peer's state replaced the seed");
    }

    @Test
    void commitComputesTimeoutsLikeConntrackdAndBatches() {
        long[] now = {0};
        ExternalCache c = new ExternalCache(() -> now[0], false, 4, ExternalCache.DEFAULT_LIMIT);
        for (int i = 0; i < 10; i++) {
            c.apply(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(i, 300).toBuilder()
                    .status(Status.SEEN_REPLY | Status.ASSURED | Status.EXPECTED).build(), FlowExtras.NONE);
        }
        ConntrackEntry noTimeout = ConntrackEntry.builder(Tuple.ports(RandomEntries.v4(0x0a0a0a0a),
                RandomEntries.v4(0x0a0a0a0b), IpProto.UDP, 1, 2)).build();
        c.apply(FtfwMessage.DataType.NEW, noTimeout, FlowExtras.NONE);
        ConntrackEntry shortLived = RandomEntries.tcpFlow(99, 5);
        c.apply(FtfwMessage.DataType.NEW, shortLived, FlowExtras.NONE);
        Tuple master = Tuple.ports(RandomEntries.v4(1), RandomEntries.v4(2), IpProto.TCP, 3, 21);
        ConntrackEntry related = RandomEntries.tcpFlow(50, 300);
        c.apply(FtfwMessage.DataType.NEW, related, new FlowExtras(master, null, 0, 0, 0, null, null));
        now[0] = 7_500_000_000L; // 7.5 s later
        FakeTable t = new FakeTable();
        var r = c.commit(t);
        assertEquals(13, r.requested());
        assertEquals(13, r.created());
        assertEquals(List.of(4, 4, 4, 1), t.batchSizes, "masters in batches first, then the related flow");
        ConntrackEntry e0 = t.get(RandomEntries.tcpFlow(0, 0).original(), 0).orElseThrow();
        assertEquals(293, e0.timeout(), "300 received minus 7 s elapsed");
        assertEquals(0, e0.status() & Status.EXPECTED);
        assertTrue((e0.tcp().flagsOriginal() & ConntrackEntry.TcpInfo.FLAG_BE_LIBERAL) != 0);
        assertTrue((e0.tcp().flagsReply() & ConntrackEntry.TcpInfo.FLAG_BE_LIBERAL) != 0);
        assertEquals(60, t.get(noTimeout.original(), 0).orElseThrow().timeout(), "no timeout: 60 s");
        assertEquals(60, t.get(shortLived.original(), 0).orElseThrow().timeout(), "expired: 60 s");
        assertEquals(null, t.get(noTimeout.original(), 0).orElseThrow().tcp(), "no TCP flags on UDP");
    }
}
