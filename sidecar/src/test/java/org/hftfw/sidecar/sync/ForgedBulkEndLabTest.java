package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Set;
import org.hftfw.ftfw.DropReason;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * review14 G14 through the daemons (extensions on, no key, always-committed backup, the lab's default config): a
 * process on the primary's host sends 32-byte BULK_END|FULL datagrams from the primary's sync address, knowing no
 * flow tuple. Before, one of them emptied the backup's kernel table (1 000 of 1 000 flows gone); now each is counted
 * and nothing is removed.
 */
@Tag("lab")
class ForgedBulkEndLabTest {
    /** Forged messages, one per datagram, {@code STEP} apart from the first, so some land in the receive window. */
    private static final int FORGED = 30;
    private static final int STEP = 10_000;

    @Test
    void forgedFullBulkEndsFromThePeersAddressRemoveNothing() throws Exception {
        SyncLab.assumeCapable();
        try (SyncLab l = new SyncLab()) {
            // the primary's sequence counter starts at its start's wall-clock second (as conntrackd's), and is at
            // most a few thousand messages on when the datagrams are forged below: at least one lands just ahead
            int base = (int) (System.currentTimeMillis() / 1000) - 10;
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP,
                    l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, ""));
            SyncDaemon primary = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY,
                    l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, ""));
            l.topo.fw.exec("conntrack", "-R", l.loadFile(0, 1000, 80).toString()).check();
            Set<String> truth = SyncLab.loadedTuples(primary.node().table().list());
            SyncLab.await("the backup's kernel table holds the primary's 1000 flows", 30_000,
                    () -> SyncLab.loadedTuples(backup.node().table().list()).equals(truth));
            l.topo.fw.call(() -> {
                try (DatagramSocket s = new DatagramSocket(
                        new InetSocketAddress(InetAddress.ofLiteral(SyncLab.FW_SYNC), 0))) {
                    for (int j = 0; j < FORGED; j++) {
                        int seq = base + j * STEP;
                        ByteBuffer b = ByteBuffer.allocate(32);
                        b.put((byte) (2 << 4 | 3)).put((byte) 1).putShort((short) 32).putInt(seq)
                                .putLong(77 + j).putLong(0).putInt(seq).putInt(0);
                        s.send(new DatagramPacket(b.array(), 32,
                                new InetSocketAddress(InetAddress.ofLiteral(SyncLab.BK_SYNC), 3780)));
                    }
                }
                return null;
            });
            SyncLab.await("the backup read a forged BULK_END and refused it", 30_000,
                    () -> backup.node().channel().stats().dropped(DropReason.EXT_REFUSED) > 0);
            assertEquals(0, backup.node().channel().stats().peer().staleRemoved());
            Set<String> now = SyncLab.loadedTuples(backup.node().table().list());
            now.retainAll(truth);
            assertEquals(truth.size(), now.size(), "the backup's kernel table keeps every flow");
        }
    }
}
