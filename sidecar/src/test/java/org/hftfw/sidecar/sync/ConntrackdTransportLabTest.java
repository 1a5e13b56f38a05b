package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.hftfw.ftfw.ConntrackdConf;
import org.hftfw.ftfw.DropReason;
import org.hftfw.ftfw.SyncTransport;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An hFT-FW node started from a conntrackd.conf whose sync link is a Multicast or TCP section (or UDP with
 * {@code Checksum off}), paired with a stock conntrackd on the same transport, both directions down to the kernel: the firewall's flows (replicated by
 * conntrackd) reach hFT-FW's kernel table through the stock client's {@code -c}, and a flow created on the hFT-FW
 * node reaches conntrackd's external cache and, through its {@code -c}, the firewall's kernel table.
 */
@Tag("lab")
class ConntrackdTransportLabTest {

    @BeforeEach
    void capable() {
        SyncLab.assumeCapable();
    }

    @Test
    void multicastSyncLinkWithAStockConntrackdPeer() throws Exception {
        // conntrackd.conf names no peer for Multicast: hFT-FW's comes from the hftfw.conf beside it
        pair(new SyncTransport.Multicast(InetAddress.ofLiteral("225.0.0.50")),
                "sync.peer-address = \"" + SyncLab.FW_SYNC + "\"\n", false);
    }

    @Test
    void tcpSyncLinkWithAStockConntrackdPeer() throws Exception {
        pair(SyncTransport.tcp(), "", false);
    }

    /**
     * {@code Checksum off} on both nodes: the stock conntrackd sends UDP datagrams without a checksum
     * (SO_NO_CHECK), which hFT-FW reads; hFT-FW, warned, still sends checksums, which conntrackd reads.
     */
    @Test
    void udpSyncLinkWithAStockConntrackdPeerThatSendsNoChecksums() throws Exception {
        pair(SyncTransport.udp(), "", true);
    }

    private static void pair(SyncTransport transport, String own, boolean checksumOff) throws Exception {
        try (SyncLab l = new SyncLab()) {
            List<String> ignore = List.of("127.0.0.1", "::1", "10.236.0.0/24", "10.230.1.1", "10.230.2.1");
            Path fwConf = ConntrackdConf.lab(l.dir, "fw-conntrackd", SyncLab.FW_SYNC, SyncLab.BK_SYNC, ignore)
                    .withProtocols(List.of("TCP", "UDP")).withLink(transport).write();
            Path bkConf = ConntrackdConf.lab(l.dir, "bk-conntrackd", SyncLab.BK_SYNC, SyncLab.FW_SYNC, ignore)
                    .withProtocols(List.of("TCP", "UDP")).withLink(transport).write();
            if (checksumOff) {
                for (Path f : List.of(fwConf, bkConf)) {
                    assertTrue(Files.readString(f).contains("Checksum on"), f.toString());
                    Files.writeString(f, Files.readString(f).replace("Checksum on", "Checksum off"));
                }
            }
            l.startConntrackd(l.topo.fw, fwConf);
            Path bkOwn = Files.writeString(l.dir.resolve("bk-own.conf"), "metrics.address = \"127.0.0.1:0\"\n" + own);
            SyncDaemon bk = l.startHftfw(l.bk, SyncNode.Role.BOTH, SyncCommand.load(bkOwn, bkConf, true));
            assertEquals(transport, bk.node().ftfwConfig().link());

            List<Socket> open = SyncLab.tcpToBothServers(l.topo, 3);
            try {
                Set<String> flows = SyncLab.clientFlows(l.topo.fw);
                assertEquals(6, flows.size(), flows.toString());
                SyncLab.await("hFT-FW's external cache holds conntrackd's flows over " + transport.describe(), 15_000,
                        () -> bk.node().channel().externalCache().size() == flows.size());
                assertEquals("", l.bk.exec("conntrackd", "-C", bkConf.toString(), "-c").check().stdout());
                assertEquals(flows, SyncLab.clientFlows(l.bk), "the stock client's -c committed them");

                l.bk.exec("conntrack", "-I", "-s", "10.77.0.1", "-d", "10.77.0.2", "-p", "tcp", "--sport", "4242",
                        "--dport", "22", "--state", "ESTABLISHED", "-u", "SEEN_REPLY,ASSURED", "-t", "600").check();
                String flow = "src=10.77.0.1 dst=10.77.0.2 sport=4242 dport=22";
                SyncLab.await("conntrackd's -e shows the flow created on the hFT-FW node", 15_000,
                        () -> SyncLab.conntrackd(l.topo.fw, fwConf, "-e").contains(flow));
                SyncLab.conntrackd(l.topo.fw, fwConf, "-c");
                SyncLab.await("conntrackd's -c put it in the firewall's kernel table", 10_000,
                        () -> l.topo.fw.exec("conntrack", "-L", "-s", "10.77.0.1").stdout().contains(flow));
                var stats = bk.node().channel().stats();
                assertEquals(0, stats.lost(), stats.format());
                assertEquals(0, stats.dropped(DropReason.NOT_PEER), stats.format());
                String link = SyncLab.conntrackd(l.bk, bkConf, "-s", "link");
                        assertTrue(link.startsWith(switch (transport) {
                    case SyncTransport.Tcp _ -> "TCP traffic";
                    case SyncTransport.Multicast _ -> "multicast traffic";
                    case SyncTransport.Udp _ -> "UDP traffic";
                }), link);
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }
}
