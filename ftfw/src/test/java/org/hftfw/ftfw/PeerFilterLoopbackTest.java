package org.hftfw.ftfw;

import static org.hftfw.common.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.junit.jupiter.api.Test;

/**
 * Channels on real UDP sockets over loopback (issue 14): the backup on 127.0.0.1, its peer on 127.0.0.2, an
 * attacker on 127.0.0.3 who can reach the port but is not the peer.
 */
class PeerFilterLoopbackTest {
    private static final InetAddress BACKUP = InetAddress.ofLiteral("127.0.0.1");
    private static final InetAddress PRIMARY = InetAddress.ofLiteral("127.0.0.2");
    private static final InetAddress ATTACKER = InetAddress.ofLiteral("127.0.0.3");
    private static final FtfwEncoder.Options PLAIN = new FtfwEncoder.Options(false, false);

    private static int freePort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, BACKUP)) {
            return s.getLocalPort();
        }
    }

    private static void send(DatagramSocket s, ByteBuf d, InetSocketAddress to) throws IOException {
        byte[] b = ByteBufUtil.getBytes(d);
        d.release();
        s.send(new DatagramPacket(b, b.length, to));
    }

    private static boolean mirrors(FtfwChannel backup, List<ConntrackEntry> table) {
        if (backup.externalCache().size() != table.size()) {
            return false;
        }
        for (ConntrackEntry e : table) {
            if (!backup.externalCache().get(e.original(), e.zone()).map(e::equals).orElse(false)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void forgedDatagramsFromAnotherHostChangeNothing() throws Exception {
        int port = freePort();
        InetSocketAddress b = new InetSocketAddress(BACKUP, port);
        InetSocketAddress a = new InetSocketAddress(PRIMARY, port);
        List<ConntrackEntry> table = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            table.add(RandomEntries.tcpFlow(i, 600));
        }
        int[] dumps = {0};
        try (FtfwChannel backup = FtfwChannel.builder(FtfwConfig.of(b, a)).start();
             FtfwChannel primary = FtfwChannel.builder(FtfwConfig.of(a, b)).resyncSource(() -> {
                 dumps[0]++;
                 return table;
             }).start();
             DatagramSocket attacker = new DatagramSocket(new InetSocketAddress(ATTACKER, 0))) {
            for (ConntrackEntry e : table.subList(0, 1000)) {
                primary.publish(EventType.NEW, e);
            }
            assertTrue(await(() -> backup.externalCache().size() == 1000 && primary.pendingFlows() == 0, 10_000));

            int now = (int) (System.currentTimeMillis() / 1000);
            ByteBuf forged = Unpooled.buffer();
            FtfwEncoder.writeData(forged, FtfwMessage.DataType.UPD, Nethdr.F_HELLO, 1000, RandomEntries.tcpFlow(99_999,
                    600), FlowExtras.NONE, PLAIN);
            FtfwEncoder.writeAlive(forged, Nethdr.F_ALIVE | Nethdr.F_HELLO, now + (1 << 30));
            send(attacker, forged, b);
            byte[] garbage = new byte[64];
            for (int i = 0; i < 2000; i++) {
                garbage[4] = (byte) i;
                garbage[0] = 0x1a;
                garbage[1] = (byte) Nethdr.F_ALIVE;
                garbage[3] = 8;
                attacker.send(new DatagramPacket(garbage, 8, b));
            }
            for (int i = 0; i < 20; i++) {
                ByteBuf resync = Unpooled.buffer();
                FtfwEncoder.writeRange(resync, Nethdr.F_RESYNC | Nethdr.F_HELLO, now + i, 0, 0);
                send(attacker, resync, a);
            }

            for (ConntrackEntry e : table.subList(1000, 2000)) {
                primary.publish(EventType.NEW, e);
            }
            // the primary's sequence numbers start at time(NULL): this ACK covers all it has sent
            ByteBuf ack = Unpooled.buffer();
            FtfwEncoder.writeRange(ack, Nethdr.F_ACK, now, now - 100, now + 1_000_000);
            send(attacker, ack, a);

            assertTrue(await(() -> mirrors(backup, table) && primary.pendingFlows() == 0, 10_000),
                    "the backup's cache is the primary's table: " + backup.externalCache().size());
            assertTrue(await(() -> backup.stats().malformed().getOrDefault(DropReason.NOT_PEER, 0L) == 2001, 5_000),
                    "every forged datagram to the backup dropped: " + backup.stats().malformed());
            assertTrue(await(() -> primary.stats().malformed().getOrDefault(DropReason.NOT_PEER, 0L) == 21, 5_000),
                    "every forged datagram to the primary dropped: " + primary.stats().malformed());
            FtfwStats sb = backup.stats();
            FtfwStats sa = primary.stats();
            assertEquals(0, sb.before(), "no real message taken for 'before'");
            assertEquals(0, sb.lost());
            assertEquals(0, sa.resyncsRx(), "no forged RESYNC answered");
            assertEquals(0, dumps[0]);
            assertEquals(0, sa.resent());
            assertNull(sb.malformed().get(DropReason.IMPLAUSIBLE_SEQ));
        }
    }

    @Test
    void jumboDatagramsArriveWhole() throws Exception {
        sendWithoutResends(9000, 9000, 2048);
    }

    /**
     * review14 G5: the peers' MTUs differ (the primary's 9000, the backup's 1500). The backup's receive buffer was its
     * own MTU, so the primary's datagrams were truncated, NACKed and resent (13 155 resends for 3 000 flows); it now
     * takes any datagram whole.
     */
    @Test
    void aPeerWithALargerMtuIsReadWhole() throws Exception {
        sendWithoutResends(9000, 1500, 1500);
    }

    /**
     * 3 000 flows from a primary with MTU {@code primaryMtu} to a backup with {@code backupMtu}: the datagrams average
     * above {@code above} bytes and all arrive whole (no resend, no loss, nothing truncated).
     */
    private static void sendWithoutResends(int primaryMtu, int backupMtu, int above) throws Exception {
        int port = freePort();
        InetSocketAddress b = new InetSocketAddress(BACKUP, port);
        InetSocketAddress a = new InetSocketAddress(PRIMARY, port);
        List<ConntrackEntry> table = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            table.add(RandomEntries.tcpFlow(i, 600));
        }
        try (FtfwChannel backup = FtfwChannel.builder(FtfwConfig.builder(b, a).mtu(backupMtu).build()).start();
             FtfwChannel primary = FtfwChannel.builder(FtfwConfig.builder(a, b).mtu(primaryMtu).build()).start()) {
            for (ConntrackEntry e : table) {
                primary.publish(EventType.NEW, e);
            }
            assertTrue(await(() -> mirrors(backup, table) && primary.pendingFlows() == 0, 10_000),
                    "backup has " + backup.externalCache().size());
            FtfwStats sa = primary.stats();
            FtfwStats sb = backup.stats();
            assertTrue(sa.bytesTx() / sa.datagramsTx() > above, "datagrams above " + above + " bytes: " + sa.format());
            assertEquals(0, sa.resent(), "no resends: " + sa.format());
            assertEquals(0, sb.lost());
            assertEquals(0, sb.malformedTotal(), "nothing truncated: " + sb.malformed());
        }
    }

    @Test
    void secondChannelOnTheSameAddressFailsToStart() throws Exception {
        int port = freePort();
        InetSocketAddress b = new InetSocketAddress(BACKUP, port);
        InetSocketAddress a = new InetSocketAddress(PRIMARY, port);
        try (FtfwChannel first = FtfwChannel.builder(FtfwConfig.of(b, a)).start()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> FtfwChannel.builder(FtfwConfig.of(b, a)).start().close());
            assertEquals("the sync address 127.0.0.1:" + port + " is in use: another daemon (hftfw sync or "
                    + "conntrackd) holds it", e.getMessage());
            assertTrue(first.localAddress().getPort() == port);
        }
    }

    @Test
    void theSocketIsBoundToTheSyncInterfaceOrTheChannelDoesNotStart() throws Exception {
        int port = freePort();
        InetSocketAddress b = new InetSocketAddress(BACKUP, port);
        InetSocketAddress a = new InetSocketAddress(PRIMARY, port);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FtfwChannel.builder(
                FtfwConfig.builder(b, a).iface("nosuchif0").build()).start().close());
        assertTrue(e.getMessage().startsWith("cannot bind the sync socket to interface nosuchif0 (SO_BINDTODEVICE)"),
                e.getMessage());
        try (FtfwChannel backup = FtfwChannel.builder(FtfwConfig.builder(b, a).iface("lo").build()).start();
             FtfwChannel primary = FtfwChannel.builder(FtfwConfig.builder(a, b).iface("lo").build()).start()) {
            ConntrackEntry e1 = RandomEntries.tcpFlow(1, 600);
            primary.publish(EventType.NEW, e1);
            assertTrue(await(() -> backup.externalCache().size() == 1, 5_000), "bound to lo, loopback traffic flows");
        }
    }
}
