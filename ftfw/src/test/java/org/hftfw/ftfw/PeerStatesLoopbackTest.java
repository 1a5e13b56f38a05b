package org.hftfw.ftfw;

import static org.hftfw.common.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.junit.jupiter.api.Test;

/**
 * What a peer-state listener (the always-committed backup's kernel writer) is told: an update of a flow the external
 * cache did not hold (a bulk sends every flow as UPD) comes as NEW, so the writer creates it at once instead of
 * trying an update the kernel refuses first; later updates of the flow stay updates, and a DESTROY a destroy.
 */
class PeerStatesLoopbackTest {
    private static final InetAddress BACKUP = InetAddress.ofLiteral("127.0.0.1");
    private static final InetAddress PRIMARY = InetAddress.ofLiteral("127.0.0.3");

    @Test
    void anUpdateOfAFlowNewToTheBackupIsHandedOnAsNew() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, BACKUP)) {
            port = s.getLocalPort();
        }
        InetSocketAddress b = new InetSocketAddress(BACKUP, port);
        InetSocketAddress a = new InetSocketAddress(PRIMARY, port);
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
}
