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
import java.util.HashSet;
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
 * Issue 14 item 1, the hole the source-address check leaves: an attacker {@code x} on the sync link (a bridge in the
 * backup's namespace) sends datagrams with the primary's own source address. With {@code sync.auth.require} on both
 * nodes every one of them is dropped and counted before it touches any state, and the backup still equals the
 * primary's kernel table.
 */
@Tag("lab")
class AuthSpoofLabTest {
    private static final Logger LOG = LoggerFactory.getLogger(AuthSpoofLabTest.class);

    @BeforeEach
    void capable() {
        LabAssumptions.assumeAvailable();
        LabAssumptions.assumeBinary("conntrack");
        LabAssumptions.assumeBinary("nft");
    }

    private static Set<Tuple> tuples(Iterable<ConntrackEntry> entries) {
        Set<Tuple> out = new HashSet<>();
        for (ConntrackEntry e : entries) {
            if (e.original().dst().getHostAddress().equals("10.235.0.1")) {
                out.add(e.original());
            }
        }
        return out;
    }

    @Test
    void datagramsSpoofingThePrimarysAddressAreDroppedBeforeTheyTouchTheBackup() throws Exception {
        Path dir = Files.createTempDirectory("hfa-lab");
        SyncAuth auth = SyncAuth.of(AuthTest.KEY, true);
        try (NetnsLab lab = new NetnsLab("hfa", Duration.ofSeconds(60))) {
            SpoofLink link = SpoofLink.create(lab);
            NetnsLab.Netns p = link.p();
            NetnsLab.Netns b = link.b();
            NetnsLab.Netns x = link.x();
            String net = link.net();
            // x forges the source: towards the backup it is the primary's address, towards the primary the backup's
            x.exec("nft", "add", "table", "ip", "hfa").check();
            x.exec("nft", "add", "chain", "ip", "hfa", "post", "{ type nat hook postrouting priority 100; }").check();
            x.exec("nft", "add", "rule", "ip", "hfa", "post", "ip", "daddr", net + "2", "udp", "dport", "3780",
                    "snat", "to", net + "1").check();
            x.exec("nft", "add", "rule", "ip", "hfa", "post", "ip", "daddr", net + "1", "udp", "dport", "3780",
                    "snat", "to", net + "2").check();
            InetSocketAddress pAddr = link.primary();
            InetSocketAddress bAddr = link.backup();
            Path loadFile = SpoofLink.loadFile(dir, "load", 0, 2000);
            p.exec("conntrack", "-R", loadFile.toString()).check();
            try (ConntrackTable tableP = p.openConntrack();
                 FtfwChannel backup = b.call(() -> FtfwChannel.builder(
                         FtfwConfig.builder(bAddr, pAddr).iface("sync").auth(auth).build()).start());
                 FtfwChannel primary = p.call(() -> FtfwChannel.builder(
                         FtfwConfig.builder(pAddr, bAddr).iface("sync").auth(auth).build()).resyncSource(tableP).start());
                 DatagramSocket spoofer = x.call(() -> new DatagramSocket(new InetSocketAddress(
                         InetAddress.ofLiteral(net + "3"), 0)))) {
                assertTrue(await(() -> backup.stats().peer().authenticated() && primary.stats().peer().authenticated(),
                        10_000), backup.stats().format());
                primary.sendBulk();
                assertTrue(await(() -> tuples(backup.externalCache().entries()).equals(tuples(tableP.list())), 20_000),
                        "bulk cached: " + backup.externalCache().size());

                int now = (int) (System.currentTimeMillis() / 1000);
                ConntrackEntry forged = ConntrackEntry.builder(Tuple.ports(InetAddress.ofLiteral("10.99.0.1"),
                        InetAddress.ofLiteral("10.235.0.1"), 6, 4444, 80)).protoState(3).timeout(600).build();
                int toBackup = 0;
                for (int i = 0; i < 200; i++) {
                    ByteBuf d = Unpooled.buffer();                // plain FT-FW: an UPD with HELLO and a far seq
                    FtfwEncoder.writeData(d, FtfwMessage.DataType.UPD, Nethdr.F_HELLO, now + (1 << 30) + i, forged,
                            FlowExtras.NONE, FtfwEncoder.Options.DEFAULT);
                    SpoofLink.send(spoofer, d, bAddr);
                    toBackup++;
                    ByteBuf sealed = Unpooled.buffer();           // a trailer that does not verify
                    FtfwEncoder.writeRange(sealed, Nethdr.F_ACK, now + i, now - 100, now + 10_000_000);
                    new DatagramAuth(SyncAuth.of(AuthTest.OTHER_KEY, true), i + 1).seal(sealed, 1);
                    SpoofLink.send(spoofer, sealed, bAddr);
                    toBackup++;
                }
                int toPrimary = 0;
                for (int i = 0; i < 50; i++) {
                    ByteBuf r = Unpooled.buffer();                // forged RESYNCs and ACKs "from the backup"
                    FtfwEncoder.writeRange(r, Nethdr.F_RESYNC | Nethdr.F_HELLO, now + i, 0, 0);
                    SpoofLink.send(spoofer, r, pAddr);
                    toPrimary++;
                }
                int expectedB = toBackup;
                assertTrue(await(() -> backup.stats().authDropped() == expectedB, 10_000),
                        "backup: " + backup.stats().format());
                p.exec("conntrack", "-R", writeMore(dir).toString()).check();
                primary.sendBulk();
                assertTrue(await(() -> tuples(backup.externalCache().entries()).equals(tuples(tableP.list()))
                        && primary.pendingFlows() == 0, 20_000), "cache " + backup.externalCache().size());
                int expectedP = toPrimary;
                assertTrue(await(() -> primary.stats().dropped(DropReason.AUTH_MISSING) == expectedP, 5_000),
                        primary.stats().format());

                FtfwStats sb = backup.stats();
                FtfwStats sa = primary.stats();
                assertEquals(200, sb.dropped(DropReason.AUTH_MISSING));
                assertEquals(200, sb.dropped(DropReason.AUTH_BAD_MAC));
                assertEquals(0, sb.dropped(DropReason.NOT_PEER), "they came from the peer's own address");
                assertEquals(0, sb.seqResets(), "no forged HELLO reset the backup's sequence");
                assertEquals(0, sb.dropped(DropReason.IMPLAUSIBLE_SEQ), "dropped before the sequence was looked at");
                assertEquals(0, sa.resyncsRx(), "no forged RESYNC answered");
                assertTrue(backup.externalCache().get(forged.original(), 0).isEmpty());
                assertEquals(2500, tuples(backup.externalCache().entries()).size());
                LOG.info("spoofed: {} datagrams to the backup, {} to the primary, all dropped; backup {}; primary {}",
                        toBackup, toPrimary, sb.format(), sa.format());
            }
        } finally {
            try (var files = Files.list(dir)) {
                files.forEach(f -> f.toFile().delete());
            }
            Files.deleteIfExists(dir);
        }
    }

    private static Path writeMore(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 2000; i < 2500; i++) {
            sb.append("-A -t 600 -u SEEN_REPLY,ASSURED -s 10.234.").append(i >> 8).append('.').append(i & 0xff)
                    .append(" -d 10.235.0.1 -p tcp --sport ").append(10000 + i).append(" --dport 80 --state ESTABLISHED\n");
        }
        Path p = dir.resolve("more.save");
        Files.writeString(p, sb);
        return p;
    }
}
