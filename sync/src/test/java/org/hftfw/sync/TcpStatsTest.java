package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.hftfw.common.Await;
import org.hftfw.common.Clock;
import org.hftfw.conntrack.memory.InMemoryConntrackTable;
import org.hftfw.ftfw.FtfwConfig;
import org.hftfw.ftfw.SyncTransport;
import org.hftfw.lazy.LazyConfig;
import org.junit.jupiter.api.Test;

/**
 * Over the TCP transport, {@code conntrackd -s} (and {@code -s link}, {@code -s network}) head the traffic section
 * with the two connections' states as conntrackd does for a TCP channel ({@code TCP traffic (active device=…)
 * server=connected client=connected:}, conntrack-tools src/tcp.c), and {@code hftfw sync stats} has them on a line.
 */
class TcpStatsTest {
    private static final InetAddress A = InetAddress.ofLiteral("127.0.0.1");
    private static final InetAddress B = InetAddress.ofLiteral("127.0.0.2");

    private static NodeSettings settings(InetAddress self, InetAddress peer, int port) {
        FtfwConfig c = FtfwConfig.builder(new InetSocketAddress(self, port), new InetSocketAddress(peer, port))
                .link(SyncTransport.tcp()).build();
        return new NodeSettings(NodeSettings.Link.of(c),
                new NodeSettings.Lazy(false, LazyConfig.defaults(), null, false, Duration.ofMillis(20)),
                NodeSettings.Filter.acceptAll(), ProactiveSettings.disabled());
    }

    @Test
    void theTrafficSectionShowsBothConnectionsAndTheirLoss() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, A)) {
            port = s.getLocalPort();
        }
        try (InMemoryConntrackTable ta = InMemoryConntrackTable.create(Clock.system());
             InMemoryConntrackTable tb = InMemoryConntrackTable.create(Clock.system());
             SyncNode primary = SyncNode.builder(SyncNode.Role.PRIMARY, settings(A, B, port), ta).start()) {
            try (SyncNode backup = SyncNode.builder(SyncNode.Role.BACKUP, settings(B, A, port), tb).start()) {
                assertTrue(Await.await(() -> ConntrackdStats.link(primary, "sync").startsWith(
                        "TCP traffic (active device=sync) server=connected client=connected:\n"), 10_000),
                        ConntrackdStats.link(primary, "sync"));
                assertTrue(StatsReport.format(backup).contains("TCP connections: server=connected client=connected (replaced 0)\n"),
                        StatsReport.format(backup));
            }
            assertTrue(Await.await(() -> ConntrackdStats.link(primary, "sync").startsWith(
                    "TCP traffic (active device=sync) server=disconnected client=disconnected:\n"), 10_000),
                    "the backup stopped: " + ConntrackdStats.link(primary, "sync"));
            assertTrue(ConntrackdStats.network(primary, "sync").contains("server=disconnected client=disconnected:"));
        }
    }
}
