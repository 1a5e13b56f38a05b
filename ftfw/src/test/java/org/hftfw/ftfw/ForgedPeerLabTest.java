package org.hftfw.ftfw;

import static org.hftfw.common.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 14 in namespaces: a primary {@code p} and a backup {@code b} on a sync link, an attacker {@code x} on the
 * same link (a bridge in {@code b}, the backup's sync interface) and another, {@code y}, on a second link into
 * {@code b}. The
 * attacker forges flows, HELLOs, garbage, RESYNCs and ACKs; the backup's cache and, after a commit, its kernel
 * table equal the primary's kernel table, and every forged datagram that reached a socket is counted.
 */
@Tag("lab")
class ForgedPeerLabTest {
    private static final Logger LOG = LoggerFactory.getLogger(ForgedPeerLabTest.class);
    private static final FtfwEncoder.Options PLAIN = new FtfwEncoder.Options(false, false);

    @BeforeEach
    void capable() {
        LabAssumptions.assumeAvailable();
        LabAssumptions.assumeBinary("conntrack");
    }

    private record State(Tuple original, int zone, int protoState, long mark) {
        static State of(ConntrackEntry e) {
            return new State(e.original(), e.zone(), e.protoState(), e.mark());
        }
    }

    /** The test's flows (to 10.235.0.1) of a table, as comparable states. */
    private static Set<State> flows(Iterable<ConntrackEntry> entries) {
        Set<State> out = new java.util.HashSet<>();
        for (ConntrackEntry e : entries) {
            if (e.original().dst().getHostAddress().equals("10.235.0.1")) {
                out.add(State.of(e));
            }
        }
        return out;
    }

    @Test
    void forgedDatagramsFromAThirdNamespaceLeaveTheBackupEqualToThePrimary() throws Exception {
        Path dir = Files.createTempDirectory("hfh-lab");
        try (NetnsLab lab = new NetnsLab("hfh", Duration.ofSeconds(60))) {
            SpoofLink link = SpoofLink.create(lab);
            NetnsLab.Netns p = link.p();
            NetnsLab.Netns b = link.b();
            NetnsLab.Netns x = link.x();
            int subnet = link.subnet();
            String net = link.net();
            NetnsLab.Netns y = lab.netns("y");
            lab.veth(y, "side", b, "side");
            y.addr("side", "10.232." + subnet + ".1/24");
            b.addr("side", "10.232." + subnet + ".2/24");
            y.ip("route", "add", net + "0/24", "via", "10.232." + subnet + ".2");
            b.sysctl("net.ipv4.conf.all.rp_filter", "0");
            b.sysctl("net.ipv4.conf.side.rp_filter", "0");

            InetSocketAddress pAddr = link.primary();
            InetSocketAddress bAddr = link.backup();
            p.exec("conntrack", "-R", SpoofLink.loadFile(dir, "first", 0, 2000).toString()).check();
            try (ConntrackTable tableP = p.openConntrack(); ConntrackTable tableB = b.openConntrack();
                 FtfwChannel backup = b.call(() -> FtfwChannel.builder(
                         FtfwConfig.builder(bAddr, pAddr).iface("sync").build()).start());
                 FtfwChannel primary = p.call(() -> FtfwChannel.builder(
                         FtfwConfig.builder(pAddr, bAddr).iface("sync").build()).resyncSource(tableP).start());
                 DatagramSocket onLink = x.call(() -> new DatagramSocket(new InetSocketAddress(
                         InetAddress.ofLiteral(net + "3"), 0)));
                 DatagramSocket onSide = y.call(() -> new DatagramSocket(new InetSocketAddress(
                         InetAddress.ofLiteral("10.232." + subnet + ".1"), 0)))) {
                primary.sendBulk();
                assertTrue(await(() -> flows(backup.externalCache().entries()).equals(flows(tableP.list())), 20_000),
                        "first bulk cached: " + backup.externalCache().size());

                int now = (int) (System.currentTimeMillis() / 1000);
                ConntrackEntry forged = ConntrackEntry.builder(Tuple.ports(InetAddress.ofLiteral("10.99.0.1"),
                        InetAddress.ofLiteral("10.235.0.1"), 6, 4444, 80)).protoState(3).timeout(600).build();
                int toBackup = 0;
                ByteBuf d = Unpooled.buffer();
                FtfwEncoder.writeData(d, FtfwMessage.DataType.UPD, Nethdr.F_HELLO, 1000, forged, FlowExtras.NONE,
                        PLAIN);
                FtfwEncoder.writeAlive(d, Nethdr.F_ALIVE | Nethdr.F_HELLO, now + (1 << 30));
                SpoofLink.send(onLink, d, bAddr);
                toBackup++;
                // 10 000 forged ALIVEs, paced in rounds of 100 so the backup's socket buffer never overflows and every
                // datagram is seen (and counted): FT-FW asks for a 4 MiB SO_RCVBUF, but the kernel caps it at
                // net.core.rmem_max, 208 KiB on a stock machine, where a round of 1000 overflowed whenever the
                // backup's event loop fell behind the sender
                for (int round = 0; round < 100; round++) {
                    for (int i = 0; i < 100; i++) {
                        ByteBuf g = Unpooled.buffer();
                        FtfwEncoder.writeAlive(g, Nethdr.F_ALIVE | (i % 2 == 0 ? Nethdr.F_HELLO : 0),
                                java.util.concurrent.ThreadLocalRandom.current().nextInt());
                        SpoofLink.send(onLink, g, bAddr);
                        toBackup++;
                    }
                    int expected = toBackup;
                    assertTrue(await(() -> backup.stats().dropped(DropReason.NOT_PEER) == expected, 10_000),
                            "backup counted " + backup.stats().dropped(DropReason.NOT_PEER) + " of " + expected);
                }
                int toPrimary = 0;
                for (int i = 0; i < 50; i++) {
                    ByteBuf r = Unpooled.buffer();
                    FtfwEncoder.writeRange(r, Nethdr.F_RESYNC | Nethdr.F_HELLO, now + i, 0, 0);
                    SpoofLink.send(onLink, r, pAddr);
                    toPrimary++;
                }
                ByteBuf ack = Unpooled.buffer();
                FtfwEncoder.writeRange(ack, Nethdr.F_ACK, now + 100, now - 100, now + 10_000_000);
                SpoofLink.send(onLink, ack, pAddr);
                toPrimary++;
                // from the second link: the backup's socket is bound to its sync interface and never sees these
                ByteBuf side = Unpooled.buffer();
                FtfwEncoder.writeData(side, FtfwMessage.DataType.NEW, Nethdr.F_HELLO, 2000, forged, FlowExtras.NONE,
                        PLAIN);
                SpoofLink.send(onSide, side, bAddr);

                p.exec("conntrack", "-R", SpoofLink.loadFile(dir, "second", 2000, 1000).toString()).check();
                for (ConntrackEntry e : tableP.list()) {
                    if (e.original().sport() < 10_500) {
                        tableP.update(e.toBuilder().mark(7).build());
                    }
                }
                primary.sendBulk();
                assertTrue(await(() -> flows(backup.externalCache().entries()).equals(flows(tableP.list()))
                                && primary.pendingFlows() == 0, 20_000),
                        "cache " + backup.externalCache().size() + "; " + backup.stats().format());
                int expectedPrimary = toPrimary;
                assertTrue(await(() -> primary.stats().dropped(DropReason.NOT_PEER) == expectedPrimary, 5_000),
                        primary.stats().format());

                FtfwStats sb = backup.stats();
                FtfwStats sa = primary.stats();
                assertEquals(toBackup, sb.dropped(DropReason.NOT_PEER), "only the bridged datagrams reached the socket");
                assertEquals(0, sb.before());
                assertEquals(0, sb.dropped(DropReason.IMPLAUSIBLE_SEQ));
                assertEquals(0, sa.resyncsRx(), "no forged RESYNC answered");
                assertTrue(backup.externalCache().get(forged.original(), 0).isEmpty());

                var result = backup.externalCache().commit(tableB);
                assertEquals(0, result.failed(), result.firstErrors().toString());
                Set<State> kernelB = flows(tableB.list());
                assertEquals(flows(tableP.list()), kernelB, "the backup's kernel table is the primary's");
                assertEquals(3000, kernelB.size());
                assertEquals(500, kernelB.stream().filter(s -> s.mark() == 7).count());
                LOG.info("forged: {} datagrams to the backup, {} to the primary, all dropped; backup {}; primary {}",
                        toBackup, toPrimary, sb.format(), sa.format());
            }
        } finally {
            try (var files = Files.list(dir)) {
                files.forEach(f -> f.toFile().delete());
            }
            Files.deleteIfExists(dir);
        }
    }
}
