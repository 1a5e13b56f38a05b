package org.hftfw.ftfw;

import static org.hftfw.common.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A multicast pair hears only its peer: a third host on the same link sends flows to the group (which conntrackd
 * would apply); both nodes drop and count each datagram, and replication between the two goes on untouched.
 */
@Tag("lab")
class MulticastStrangerLabTest {
    private static final FtfwEncoder.Options PLAIN = new FtfwEncoder.Options(false, false);

    @BeforeEach
    void capable() {
        LabAssumptions.assumeAvailable();
    }

    @Test
    void datagramsToTheGroupFromAThirdHostAreDroppedAndCounted() throws Exception {
        try (NetnsLab lab = new NetnsLab("hfm", Duration.ofSeconds(60))) {
            SpoofLink link = SpoofLink.create(lab);
            SyncTransport group = new SyncTransport.Multicast(InetAddress.ofLiteral("225.0.0.51"));
            InetSocketAddress pAddr = link.primary();
            InetSocketAddress bAddr = link.backup();
            InetSocketAddress groupAddr = new InetSocketAddress(InetAddress.ofLiteral("225.0.0.51"), 3780);
            link.x().ip("route", "add", "224.0.0.0/4", "dev", "sync");
            try (FtfwChannel backup = link.b().call(() -> FtfwChannel.builder(
                         FtfwConfig.builder(bAddr, pAddr).iface("sync").link(group).build()).start());
                 FtfwChannel primary = link.p().call(() -> FtfwChannel.builder(
                         FtfwConfig.builder(pAddr, bAddr).iface("sync").link(group).build()).start());
                 DatagramSocket stranger = link.x().call(() -> new DatagramSocket(new InetSocketAddress(
                         InetAddress.ofLiteral(link.net() + "3"), 0)))) {
                ConntrackEntry forged = ConntrackEntry.builder(Tuple.ports(InetAddress.ofLiteral("10.99.0.1"),
                        InetAddress.ofLiteral("10.235.0.1"), 6, 4444, 80)).protoState(3).timeout(600).build();
                int forgeries = 200;
                for (int i = 0; i < forgeries; i++) {
                    ByteBuf d = Unpooled.buffer();
                    FtfwEncoder.writeData(d, FtfwMessage.DataType.NEW, Nethdr.F_HELLO, 1000 + i, forged,
                            FlowExtras.NONE, PLAIN);
                    SpoofLink.send(stranger, d, groupAddr);
                }
                for (int i = 0; i < 2_000; i++) {
                    primary.publish(EventType.NEW, RandomEntries.tcpFlow(i, 600));
                }
                assertTrue(await(() -> backup.externalCache().size() == 2_000 && primary.pendingFlows() == 0,
                        20_000), "backup has " + backup.externalCache().size() + "; " + backup.stats().format());
                assertTrue(await(() -> backup.stats().dropped(DropReason.NOT_PEER) == forgeries
                                && primary.stats().dropped(DropReason.NOT_PEER) == forgeries, 10_000),
                        "backup " + backup.stats().format() + "\nprimary " + primary.stats().format());
                assertTrue(backup.externalCache().get(forged.original(), 0).isEmpty(), "no forged flow");
                assertTrue(primary.externalCache().get(forged.original(), 0).isEmpty(), "no forged flow");
                assertEquals(0, backup.stats().malformedTotal());
            }
        }
    }
}
