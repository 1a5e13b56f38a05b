package org.hftfw.ftfw;

import static org.hftfw.common.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.junit.jupiter.api.Test;

/**
 * A flood of RESYNC requests from the peer over loopback (issue 14): the table is read off the event
 * loop, which keeps replicating and acknowledging meanwhile, and the flood costs at most one bulk send per interval.
 */
class ResyncLoopbackTest {
    private static final InetAddress BACKUP = InetAddress.ofLiteral("127.0.0.1");
    private static final InetAddress PRIMARY = InetAddress.ofLiteral("127.0.0.2");

    @Test
    void resyncFloodIsCoalescedAndTheTableIsReadOffTheEventLoop() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, BACKUP)) {
            port = s.getLocalPort();
        }
        InetSocketAddress b = new InetSocketAddress(BACKUP, port);
        InetSocketAddress a = new InetSocketAddress(PRIMARY, port);
        List<ConntrackEntry> table = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            table.add(RandomEntries.tcpFlow(i, 600));
        }
        CountDownLatch dumpMayFinish = new CountDownLatch(1);
        CountDownLatch dumpStarted = new CountDownLatch(1);
        AtomicInteger dumps = new AtomicInteger();
        try (FtfwChannel backup = FtfwChannel.builder(FtfwConfig.of(b, a)).start();
             FtfwChannel primary = FtfwChannel.builder(FtfwConfig.of(a, b)).resyncSource(() -> {
                 dumps.incrementAndGet();
                 dumpStarted.countDown();
                 try {
                     // a slow kernel dump: the event loop must not wait for it
                     dumpMayFinish.await(20, TimeUnit.SECONDS);
                 } catch (InterruptedException e) {
                     Thread.currentThread().interrupt();
                 }
                 return table;
             }).start()) {
            backup.requestResync();
            assertTrue(dumpStarted.await(5, TimeUnit.SECONDS), "the first RESYNC started a dump");
            for (int i = 0; i < 49; i++) {
                backup.requestResync();
            }
            for (ConntrackEntry e : table.subList(0, 1000)) {
                primary.publish(EventType.NEW, e);
            }
            assertTrue(await(() -> backup.externalCache().size() == 1000 && primary.pendingFlows() == 0, 5_000),
                    "replication and ACKs go on while the dump is in progress: " + backup.externalCache().size());
            assertTrue(await(() -> primary.stats().resyncsRx() == 50, 5_000), primary.stats().format());
            dumpMayFinish.countDown();
            assertTrue(await(() -> backup.externalCache().size() == 20_000 && primary.pendingFlows() == 0
                    && dumps.get() == 2, 10_000), "the two bulk sends arrived: " + primary.stats().format());
            FtfwStats s = primary.stats();
            assertEquals(2, s.bulksSent(), "one bulk send for the first request, one for the 49 that came during it");
            assertEquals(2, dumps.get());
            assertEquals(48, s.resyncsCoalesced());
        }
    }
}
