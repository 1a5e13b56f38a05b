package org.hftfw.migrator;

import static org.hftfw.common.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.hftfw.common.Clock;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.ftfw.FtfwChannel;
import org.hftfw.ftfw.FtfwConfig;
import org.junit.jupiter.api.Test;

/**
 * A migration between two hFT-FW channels over loopback, confirmed in-band (BULK_END / HOLDS, no hook): complete
 * when the backup holds every flow, failed with the count when the backup could not keep some (a full external
 * cache), and not failed by flows the primary deleted during the migration (the backup rightly drops them).
 */
class InBandConfirmationTest {
    private static final InetAddress BACKUP = InetAddress.ofLiteral("127.0.0.1");
    private static final InetAddress PRIMARY = InetAddress.ofLiteral("127.0.0.4");

    private final List<String> steps = new ArrayList<>();
    private final StateMigrator.Handover handover = new StateMigrator.Handover() {
        @Override
        public void commitOnBackup() {
            steps.add("commit");
        }

        @Override
        public void demoteSelf() {
            steps.add("demote");
        }
    };

    private static List<ConntrackEntry> table(int n) {
        List<ConntrackEntry> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Tuple t = Tuple.ports(InetAddress.ofLiteral("10.77." + (i >> 8 & 0xff) + "." + (i & 0xff)),
                    InetAddress.ofLiteral("10.78.0.1"), IpProto.TCP, 10_000 + i % 50_000, 443);
            all.add(ConntrackEntry.builder(t).tcpState(TcpState.ESTABLISHED)
                    .status(Status.SEEN_REPLY | Status.ASSURED).timeout(600).build());
        }
        return all;
    }

    private interface PairTest {
        void run(FtfwChannel primary, FtfwChannel backup) throws Exception;
    }

    private static void pair(int backupCacheLimit, PairTest test) throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, BACKUP)) {
            port = s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        InetSocketAddress b = new InetSocketAddress(BACKUP, port);
        InetSocketAddress a = new InetSocketAddress(PRIMARY, port);
        FtfwConfig bc = FtfwConfig.builder(b, a).cacheLimit(backupCacheLimit).build();
        try (FtfwChannel backup = FtfwChannel.builder(bc).start();
             FtfwChannel primary = FtfwChannel.builder(FtfwConfig.of(a, b)).start()) {
            assertTrue(await(() -> !primary.peerCapabilities().isEmpty(), 5_000), "the capability handshake");
            test.run(primary, backup);
        }
    }

    private StateMigrator migrator(FtfwChannel primary, StateMigrator.Snapshot snapshot) {
        return new StateMigrator(() -> snapshot, new FtfwBulkLink(primary), handover,
                new StateMigrator.Config(Duration.ofSeconds(10), Duration.ofMillis(1)), Clock.system(),
                StateMigrator.Pause.sleeping());
    }

    @Test
    void aBackupHoldingEveryFlowConfirmsTheMigration() throws Exception {
        pair(100_000, (primary, backup) -> {
            StateMigrator.Report r = migrator(primary, StateMigrator.Snapshot.of(table(3_000)))
                    .migrate("test", StateMigrator.Urgency.PLANNED, (s, d, n) -> { });
            assertTrue(r.complete(), r.describe());
            assertEquals(3_000, backup.externalCache().size());
            assertEquals(1, backup.stats().peer().bulkEndsReceived(), "the backup answered one BULK_END");
            assertEquals(List.of("commit", "demote"), steps);
        });
    }

    @Test
    void aBackupThatCouldNotKeepEveryFlowFailsAPlannedMigrationWithTheCount() throws Exception {
        pair(2_500, (primary, backup) -> {
            StateMigrator.Report r = migrator(primary, StateMigrator.Snapshot.of(table(3_000)))
                    .migrate("test", StateMigrator.Urgency.PLANNED, (s, d, n) -> { });
            assertFalse(r.handedOver(), r.describe());
            assertEquals(500, r.missing(), r.describe());
            assertTrue(r.failure().contains("the backup holds 2500 of the 3000"), r.failure());
            assertTrue(steps.isEmpty(), "a planned migration with flows missing stays primary");
        });
    }

    @Test
    void flowsDeletedDuringTheMigrationAreNotTakenForMissingOnes() throws Exception {
        pair(100_000, (primary, backup) -> {
            List<ConntrackEntry> all = table(3_000);
            StateMigrator.Snapshot deleting = new StateMigrator.Snapshot() {
                @Override
                public int size() {
                    return all.size();
                }

                @Override
                public Iterator<ConntrackEntry> entries() {
                    Iterator<ConntrackEntry> it = all.iterator();
                    return new Iterator<>() {
                        private int read;

                        @Override
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        @Override
                        public ConntrackEntry next() {
                            if (++read == 2_000) {
                                // flows already sent die on the primary: their DESTROYs follow within the migration
                                all.subList(0, 200).forEach(e -> primary.publish(EventType.DESTROY, e));
                            }
                            return it.next();
                        }
                    };
                }

                @Override
                public Iterator<ConntrackEntry> again(List<ConntrackEntry> lost) {
                    return lost.iterator();
                }
            };
            StateMigrator.Report r = migrator(primary, deleting)
                    .migrate("test", StateMigrator.Urgency.PLANNED, (s, d, n) -> { });
            assertTrue(r.complete(), r.describe());
            assertEquals(2_800, backup.externalCache().size());
        });
    }
}
