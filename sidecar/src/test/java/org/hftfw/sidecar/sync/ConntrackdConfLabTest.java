package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.hftfw.ftfw.ConntrackdConf;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An hFT-FW node started from nothing but a conntrackd.conf (and an hftfw.conf beside it for the metrics port),
 * paired with a stock conntrackd over an IPv6 sync link (UDP {@code IPv6_address}, {@code IPv6_Destination_Address}):
 * the primary's flows reach hFT-FW's external cache and, through the stock client's {@code -c}, its kernel table;
 * a flow created on the hFT-FW node shows in conntrackd's {@code -e}.
 */
@Tag("lab")
class ConntrackdConfLabTest {
    private static final String FW6 = "fd00:236::1";
    private static final String BK6 = "fd00:236::2";

    @BeforeEach
    void capable() {
        SyncLab.assumeCapable();
    }

    @Test
    void ipv6SyncLinkWithAStockConntrackdPeer() throws Exception {
        try (SyncLab l = new SyncLab()) {
            l.topo.fw.addr("sync", FW6 + "/64");
            l.bk.addr("sync", BK6 + "/64");
            List<String> ignore = List.of("127.0.0.1", "::1", "fd00:236::/64", "10.236.0.0/24", "10.230.1.1",
                    "10.230.2.1");
            Path fwConf = ConntrackdConf.lab(l.dir, "fw-conntrackd", FW6, BK6, ignore)
                    .withProtocols(List.of("TCP", "UDP")).write();
            l.startConntrackd(l.topo.fw, fwConf);
            Path bkConf = ConntrackdConf.lab(l.dir, "bk-conntrackd", BK6, FW6, ignore)
                    .withProtocols(List.of("TCP", "UDP")).write();
            Path bkOwn = Files.writeString(l.dir.resolve("bk-own.conf"), "metrics.address = \"127.0.0.1:0\"\n");
            SyncDaemon bk = l.startHftfw(l.bk, SyncNode.Role.BOTH, SyncCommand.load(bkOwn, bkConf, true));
            assertEquals(new InetSocketAddress(FW6, 3780), bk.node().ftfwConfig().peer());

            List<Socket> open = SyncLab.tcpToBothServers(l.topo, 3);
            try {
                Set<String> flows = SyncLab.clientFlows(l.topo.fw);
                assertEquals(6, flows.size(), flows.toString());
                SyncLab.await("hFT-FW's external cache holds conntrackd's flows over IPv6", 10_000,
                        () -> bk.node().channel().externalCache().size() == flows.size());
                assertEquals("", l.bk.exec("conntrackd", "-C", bkConf.toString(), "-c").check().stdout());
                assertEquals(flows, SyncLab.clientFlows(l.bk), "the stock client's -c committed them");

                l.bk.exec("conntrack", "-I", "-s", "10.77.0.1", "-d", "10.77.0.2", "-p", "tcp", "--sport", "4242",
                        "--dport", "22", "--state", "ESTABLISHED", "-u", "SEEN_REPLY,ASSURED", "-t", "600").check();
                SyncLab.await("conntrackd's -e shows the flow created on the hFT-FW node", 10_000,
                        () -> SyncLab.conntrackd(l.topo.fw, fwConf, "-e").contains("src=10.77.0.1 dst=10.77.0.2 "
                                + "sport=4242 dport=22"));
                assertTrue(bk.node().channel().stats().lost() == 0, bk.node().channel().stats().format());
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }
}
