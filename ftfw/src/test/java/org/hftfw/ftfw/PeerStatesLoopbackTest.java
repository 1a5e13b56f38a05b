package org.hftfw.ftfw;

import static org.hftfw.common.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.junit.jupiter.api.Test;

/**
 * What a peer-state listener (the always-committed backup's kernel writer) is told: an update of a flow the external
 * cache did not hold (a bulk sends every flow as UPD) comes as NEW, so the writer creates it at once instead of
 * trying an update the kernel refuses first; later updates of the flow stay updates, and a DESTROY a destroy. And
 * the backup's answer to the end of a bulk (HOLDS) waits until the listener has applied what arrived before it, and
 * does not count what it could not apply.
 */
class PeerStatesLoopbackTest {
    private static final InetAddress BACKUP = InetAddress.ofLiteral("127.0.0.1");
    private static final InetAddress PRIMARY = InetAddress.ofLiteral("127.0.0.3");

    private static InetSocketAddress[] addresses() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, BACKUP)) {
            port = s.getLocalPort();
        }
        return new InetSocketAddress[] {new InetSocketAddress(BACKUP, port), new InetSocketAddress(PRIMARY, port)};
    }

    /**
     * review14 G12: over {@code sync.external-cache-limit}, a flow the cache refused was still handed to the listener
     * (written into the kernel), where no resync purge could reach it: the bound now holds for both, counted once.
     */
    @Test
    void aFlowTheCacheRefusesIsNotHandedOnEither() throws Exception {
        InetSocketAddress[] ab = addresses();
        java.util.Set<org.hftfw.conntrack.FlowId> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (FtfwChannel backup = FtfwChannel.builder(FtfwConfig.builder(ab[0], ab[1]).cacheLimit(10).build())
                .peerStates((type, entry) -> seen.add(entry.flowId())).start();
             FtfwChannel primary = FtfwChannel.builder(FtfwConfig.of(ab[1], ab[0])).start()) {
            for (int i = 0; i < 100; i++) {
                primary.publish(EventType.NEW, RandomEntries.tcpFlow(i, 600));
            }
            assertTrue(await(() -> primary.pendingFlows() == 0 && backup.externalCache().stats().overflows() == 90,
                    10_000), backup.stats().format());
            assertEquals(10, backup.externalCache().size());
            assertEquals(10, seen.size(), "only the flows the cache holds reach the listener");
        }
    }

    @Test
    void anUpdateOfAFlowNewToTheBackupIsHandedOnAsNew() throws Exception {
        InetSocketAddress[] ab = addresses();
        InetSocketAddress b = ab[0];
        InetSocketAddress a = ab[1];
        List<EventType> seen = new CopyOnWriteArrayList<>();
        ConntrackEntry flow = RandomEntries.tcpFlow(7, 600);
        try (FtfwChannel backup = FtfwChannel.builder(FtfwConfig.of(b, a))
                .peerStates((type, entry) -> seen.add(type)).start();
             FtfwChannel primary = FtfwChannel.builder(FtfwConfig.of(a, b)).start()) {
            primary.publish(EventType.UPDATE, flow);
            assertTrue(await(() -> seen.size() == 1, 5_000), "first state: " + seen);
            primary.publish(EventType.UPDATE, flow);
            assertTrue(await(() -> seen.size() == 2, 5_000), "second state: " + seen);
            primary.publish(EventType.DESTROY, flow);
            assertTrue(await(() -> seen.size() == 3, 5_000), "third state: " + seen);
            assertEquals(List.of(EventType.NEW, EventType.UPDATE, EventType.DESTROY), seen);
            assertEquals(0, backup.externalCache().size());
        }
    }

    @Test
    void theBulkIsConfirmedOnceTheListenerHasAppliedItLessWhatItCouldNot() throws Exception {
        InetSocketAddress[] ab = addresses();
        CompletableFuture<Long> written = new CompletableFuture<>();
        PeerStateListener slowWriter = new PeerStateListener() {
            @Override
            public void onPeerState(EventType type, ConntrackEntry entry) {
            }

            @Override
            public CompletionStage<Long> applied() {
                return written;
            }
        };
        try (FtfwChannel backup = FtfwChannel.builder(FtfwConfig.of(ab[0], ab[1])).peerStates(slowWriter).start();
             FtfwChannel primary = FtfwChannel.builder(FtfwConfig.of(ab[1], ab[0])).start()) {
            assertTrue(await(() -> primary.peerCapabilities().contains(Capability.BULK_COMPLETION), 5_000));
            long id = primary.beginBulk(false);
            List<ConntrackEntry> bulk = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                bulk.add(RandomEntries.tcpFlow(i, 600));
            }
            BulkTransfer t = primary.sendPaced(bulk.iterator());
            assertTrue(await(() -> t.progress().acknowledged() == 10, 5_000), "the bulk's flows were acknowledged");
            CompletableFuture<BulkReceipt> receipt = primary.endBulk(id, 10).toCompletableFuture();
            assertTrue(await(() -> backup.stats().peer().bulkEndsReceived() == 1, 5_000), "the BULK_END arrived");
            assertFalse(await(receipt::isDone, 300), "no HOLDS while the listener has not applied the bulk");
            written.complete(3L);                       // three writes the kernel refused: not held
            BulkReceipt r = receipt.get(5, TimeUnit.SECONDS);
            assertEquals(new BulkReceipt(id, 10, 7, 0, 0, true), r);
            assertEquals(3, r.shortfall());
        }
    }
}
