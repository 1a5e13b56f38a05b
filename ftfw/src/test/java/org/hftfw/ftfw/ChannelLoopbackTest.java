package org.hftfw.ftfw;

import static org.hftfw.common.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.junit.jupiter.api.Test;

/** Two channels on real UDP sockets over loopback: a primary streams, a backup caches, a RESYNC refills. */
class ChannelLoopbackTest {

    @Test
    void primaryStreamsToBackupOverLoopbackAndResyncRefills() throws Exception {
        java.net.InetAddress lo = java.net.InetAddress.getLoopbackAddress();
        int pa;
        int pb;
        try (java.net.DatagramSocket s1 = new java.net.DatagramSocket(0, lo);
             java.net.DatagramSocket s2 = new java.net.DatagramSocket(0, lo)) {
            pa = s1.getLocalPort();
            pb = s2.getLocalPort();
        }
        List<ConntrackEntry> table = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            table.add(RandomEntries.tcpFlow(i, 600));
        }
        FtfwConfig ca = FtfwConfig.of(new InetSocketAddress(lo, pa), new InetSocketAddress(lo, pb));
        FtfwConfig cb = FtfwConfig.builder(new InetSocketAddress(lo, pb), new InetSocketAddress(lo, pa))
                .transport(FtfwConfig.Transport.NIO).build();
        try (FtfwChannel a = FtfwChannel.builder(ca).resyncSource(() -> table).start();
             FtfwChannel b = FtfwChannel.builder(cb).start()) {
            for (ConntrackEntry e : table) {
                a.publish(EventType.NEW, e);
            }
            for (int i = 0; i < 1000; i++) {
                a.publish(EventType.UPDATE, RandomEntries.tcpFlow(i, 1234));
            }
            assertTrue(await(() -> b.externalCache().size() == 10_000
                    && b.externalCache().get(table.get(999).original(), 0).orElseThrow().timeout() == 1234, 10_000),
                    "backup has " + b.externalCache().size());
            assertTrue(await(() -> a.pendingFlows() == 0, 5_000), "everything acknowledged");
            b.externalCache().flush();
            b.requestResync();
            assertTrue(await(() -> b.externalCache().size() == 10_000, 10_000), "resync refilled the cache");
            FtfwStats sa = a.stats();
            assertEquals(1, sa.resyncsRx());
            assertTrue(sa.datagramsTx() < sa.msgsTx() / 5, "messages are packed: " + sa.format());
            assertEquals(0, b.stats().malformedTotal());
        }
    }
}
