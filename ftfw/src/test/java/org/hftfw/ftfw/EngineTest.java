package org.hftfw.ftfw;

import static org.hftfw.ftfw.SimLink.MS;
import static org.hftfw.ftfw.SimLink.SEC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hftfw.conntrack.ConntrackEntry;
import org.junit.jupiter.api.Test;

/** The protocol engine on virtual time over a simulated link: no sockets, no sleeps. */
class EngineTest {

    private static final long SEQ_A = 1_764_000_000L;
    private static final long SEQ_B = 1_764_000_500L;

    private static SimLink link(FtfwConfig cfg, long seed) {
        return new SimLink(cfg, seed, SEQ_A, SEQ_B);
    }

    private static void publishFlows(SimLink s, int from, int n, long timeout) {
        for (int i = from; i < from + n; i++) {
            s.publish(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(i, timeout));
        }
    }

    @Test
    void lossFreeLinkReplicatesEverythingAndAcksClearTheResendQueue() {
        SimLink s = link(SimLink.config(), 1);
        publishFlows(s, 0, 1000, 600);
        s.clock.advance(10 * MS);
        assertTrue(s.converged());
        FtfwStats b = s.b.stats();
        assertEquals(1000, b.dataRx());
        assertEquals(0, b.lost());
        assertEquals(3, b.acksTx(), "one ACK per 300-message window before the alive timer");
        s.clock.advance(2 * SEC);
        FtfwStats a = s.a.stats();
        assertEquals(0, s.a.pendingFlows(), "the alive timer ACKs the tail of the window");
        assertTrue(a.rsQueueLen() <= 1, "at most the last control message awaits its ACK");
        assertEquals(0, a.nacksRx());
        assertTrue(s.a.helloDone() && s.b.helloDone());
    }

    @Test
    void peerLivenessAndAcksReceivedAreCounted() {
        SimLink s = link(SimLink.config(), 11);
        assertEquals(-1, s.a.stats().sincePeerNanos(), "nothing heard from the peer yet");
        publishFlows(s, 0, 1000, 600);
        s.clock.advance(10 * MS);
        assertTrue(s.a.stats().acksRx() >= 3, "the backup's window ACKs reached the primary: " + s.a.stats().acksRx());
        assertTrue(s.a.stats().sincePeerNanos() < 10 * MS, "heard from the peer just now");
        s.bToA = (n, r) -> -1L;                              // the backup falls silent (its datagrams are lost)
        s.clock.advance(5 * SEC);
        assertTrue(s.a.stats().sincePeerNanos() >= 5 * SEC - 10 * MS, "silence measured: " + s.a.stats().sincePeerNanos());
    }

    @Test
    void datagramsArePackedBelowMtuMinus28() {
        SimLink s = link(FtfwConfig.builder(SimLink.config().bind(), SimLink.config().peer()).mtu(1500).build(), 2);
        publishFlows(s, 0, 200, 600);
        s.clock.advance(10 * MS);
        FtfwStats a = s.a.stats();
        assertTrue(a.datagramsTx() < 20, "about 18 messages of 80 bytes per 1472-byte datagram: " + a.datagramsTx());
        assertTrue(a.bytesTx() / a.datagramsTx() < 1472);
    }

    @Test
    void everyFifthDatagramLostStillConverges() {
        SimLink s = link(SimLink.config(), 3);
        s.aToB = (n, r) -> n % 5 == 4 ? -1 : 200_000L;
        publishFlows(s, 0, 3000, 600);
        long t = s.clock.advanceUntil(s::converged, 10 * MS, 30 * SEC);
        assertTrue(t >= 0, "did not converge");
        assertTrue(s.b.stats().lost() > 0);
        assertTrue(s.a.stats().resent() > 0);
        assertTrue(s.a.stats().nacksRx() > 0);
    }

    @Test
    void randomLossOfTenAndThirtyPercentBothWaysConvergesAfterLossStops() {
        for (double loss : new double[] {0.10, 0.30}) {
            SimLink s = link(SimLink.config(), 4);
            SimLink.Policy lossy = (n, r) -> r.nextDouble() < loss ? -1 : 300_000L;
            s.aToB = lossy;
            s.bToA = lossy;
            for (int round = 0; round < 20; round++) {
                publishFlows(s, round * 50, 500, 600 + round);
                for (int i = 0; i < 100; i++) {
                    s.publish(FtfwMessage.DataType.DEL, RandomEntries.tcpFlow(round * 50 + i, 1));
                }
                s.clock.advance(150 * MS);
            }
            s.aToB = SimLink.PERFECT;
            s.bToA = SimLink.PERFECT;
            long t = s.clock.advanceUntil(s::converged, 10 * MS, 30 * SEC);
            assertTrue(t >= 0, "did not converge at loss " + loss + ": b=" + s.cacheB.size() + " truth=" + s.truth.size());
            assertTrue(s.b.stats().lost() > 0);
            s.clock.advance(3 * SEC);
            assertEquals(0, s.a.pendingFlows(), "every flow acknowledged at loss " + loss);
        }
    }

    @Test
    void reorderedAndDuplicatedDatagramsAreDroppedAsBeforeAndRecovered() {
        SimLink s = link(SimLink.config(), 5);
        s.aToB = (n, r) -> n % 7 == 3 ? 5 * MS : 200_000L; // every 7th datagram arrives after later ones
        s.duplicate = true;
        for (int k = 0; k < 50; k++) {
            publishFlows(s, k * 20, 20, 600);
            s.clock.advance(MS);
        }
        long t = s.clock.advanceUntil(s::converged, 10 * MS, 30 * SEC);
        assertTrue(t >= 0, "did not converge " + s.cacheB.size() + " " + s.truth.size() + "\n" + s.a.stats().format() + "\n" + s.b.stats().format());
        assertTrue(s.b.stats().before() > 0, "late and duplicated messages are dropped as before");
        assertTrue(s.a.stats().resent() > 0);
    }

    @Test
    void latestStateReplacesAQueuedStateOfTheSameFlow() {
        SimLink s = link(SimLink.config(), 6);
        for (int v = 1; v <= 100; v++) {
            s.publish(FtfwMessage.DataType.UPD, RandomEntries.tcpFlow(7, v));
        }
        s.clock.advance(10 * MS);
        assertEquals(1, s.a.stats().dataTx(), "100 updates before a transmit run collapse into one message");
        assertEquals(100, s.cacheB.get(RandomEntries.tcpFlow(7, 0).original(), 0).orElseThrow().timeout());

        // while a state waits in the resend queue, a newer one replaces it there too
        s.aToB = (n, r) -> -1;
        s.publish(FtfwMessage.DataType.UPD, RandomEntries.tcpFlow(7, 200));
        s.clock.advance(10 * MS);
        s.publish(FtfwMessage.DataType.UPD, RandomEntries.tcpFlow(7, 300));
        s.clock.advance(10 * MS);
        assertEquals(1, s.a.pendingFlows());
        s.aToB = SimLink.PERFECT;
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0);
        assertEquals(300, s.cacheB.get(RandomEntries.tcpFlow(7, 0).original(), 0).orElseThrow().timeout());
        assertTrue(s.a.stats().superseded() >= 100);
    }

    @Test
    void fullResendQueueDropsTheOldestAndCountsIt() {
        FtfwConfig cfg = FtfwConfig.builder(SimLink.config().bind(), SimLink.config().peer()).resendQueueSize(10).build();
        SimLink s = link(cfg, 7);
        s.aToB = (n, r) -> -1;
        publishFlows(s, 0, 100, 600);
        s.clock.advance(10 * MS);
        FtfwStats a = s.a.stats();
        assertEquals(10, a.rsQueueLen());
        assertEquals(90, a.rsQueueOverflow());
        assertEquals(10, s.a.pendingFlows());
    }

    /** conntrackd's -s rsqueue: each message awaiting its ACK, oldest first, with the sequence number it went with. */
    @Test
    void resendQueueListsWhatAwaitsItsAckOldestFirst() {
        SimLink s = link(SimLink.config(), 12);
        s.aToB = (n, r) -> -1;                              // nothing reaches the backup, so nothing is ACKed
        publishFlows(s, 0, 3, 600);
        s.a.requestResync();
        s.clock.advance(10 * MS);
        java.util.List<ResendEntry> q = s.a.resendQueue();
        assertEquals(4, q.size(), q.toString());
        for (int i = 0; i < 3; i++) {
            assertTrue(q.get(i) instanceof ResendEntry.CacheObject, q.toString());
            assertEquals(q.getFirst().seq() + i, q.get(i).seq(), "sent in order, one sequence number each");
        }
        assertEquals(new ResendEntry.Control(q.getFirst().seq() + 3, Nethdr.F_RESYNC), q.get(3));
        publishFlows(s, 1, 1, 300);                         // a newer state of flow 1 is resent with a new number
        s.clock.advance(10 * MS);
        q = s.a.resendQueue();
        assertEquals(4, q.size(), "one node per flow: " + q);
        assertEquals(new ResendEntry.CacheObject(q.getFirst().seq() + 4), q.getLast());
        s.aToB = SimLink.PERFECT;
        s.a.requestResync();
        assertTrue(s.clock.advanceUntil(() -> s.a.pendingFlows() == 0, 10 * MS, 10 * SEC) >= 0);
        assertTrue(s.a.resendQueue().stream().noneMatch(e -> e instanceof ResendEntry.CacheObject),
                "ACKed states leave the queue: " + s.a.resendQueue());
    }

    @Test
    void fullTransmitQueueDropsTheOldestAndCountsIt() {
        FtfwConfig cfg = FtfwConfig.builder(SimLink.config().bind(), SimLink.config().peer()).txQueueSize(50).build();
        SimLink s = link(cfg, 8);
        publishFlows(s, 0, 80, 600);
        assertEquals(30, s.a.stats().txQueueOverflow());
        assertEquals(50, s.a.stats().txQueueLen());
    }

    @Test
    void nackResendsWithNewSequenceNumbers() {
        SimLink s = link(SimLink.config(), 9);
        publishFlows(s, 0, 5, 600);
        s.clock.advance(2 * SEC);
        int before = s.a.nextSeq();
        long lostIndex = s.sentAtoB;
        s.aToB = (n, r) -> n == lostIndex ? -1 : 200_000L;
        publishFlows(s, 100, 3, 600);
        s.clock.advance(MS);
        assertEquals(5, s.cacheB.size());
        publishFlows(s, 200, 1, 600);
        s.clock.advance(10 * MS);
        assertEquals(9, s.cacheB.size(), "the NACK made A resend the lost datagram's three flows: " + s.a.stats()
                + s.b.stats());
        assertEquals(3, s.a.stats().resent());
        assertTrue(s.a.nextSeq() - before >= 7, "resent messages got fresh sequence numbers");
    }

    @Test
    void restartedBackupSaysHelloAndGetsTheTableAfterResync() {
        SimLink s = link(SimLink.config(), 10);
        publishFlows(s, 0, 500, 600);
        s.clock.advance(2 * SEC);
        assertTrue(s.converged());
        s.aToB = (n, r) -> -1;
        publishFlows(s, 1000, 10, 600);
        s.clock.advance(10 * MS);
        assertEquals(10, s.a.pendingFlows());
        s.aToB = SimLink.PERFECT;
        // the backup restarts with an empty cache and a sequence number below its old one
        s.restartB(SEQ_B - 100_000, true);
        s.b.requestResync();
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0);
        assertTrue(s.a.stats().peerRestarts() >= 1, "A saw the restart");
        assertEquals(1, s.a.stats().resyncsRx());
        assertTrue(s.b.helloDone());
    }

    @Test
    void idleChannelSendsAliveEverySecond() {
        SimLink s = link(SimLink.config(), 11);
        s.clock.advance(10 * SEC + MS);
        FtfwStats a = s.a.stats();
        assertTrue(a.msgsTx() >= 9 && a.msgsTx() <= 11, "about one ALIVE per second: " + a.msgsTx());
        assertEquals(0, s.b.stats().lost());
    }

    @Test
    void sequenceNumbersWrapAround() {
        SimLink s = new SimLink(SimLink.config(), 12, 0xFFFFFF00L, 0xFFFFFFF0L);
        s.aToB = (n, r) -> n % 3 == 1 ? -1 : 200_000L;
        for (int k = 0; k < 10; k++) {
            publishFlows(s, k * 40, 40, 600);
            s.clock.advance(5 * MS);
        }
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 30 * SEC) >= 0);
        assertTrue(Integer.compareUnsigned(s.a.nextSeq(), 0x1000) < 0, "A's counter wrapped past 2^32");
        s.clock.advance(3 * SEC);
        assertEquals(0, s.a.pendingFlows());
    }

    @Test
    void malformedPayloadIsCountedAndStillAcknowledged() {
        SimLink s = link(SimLink.config(), 13);
        io.netty.buffer.ByteBuf d = io.netty.buffer.Unpooled.buffer();
        // a data message whose only attribute has an unknown id 40
        d.writeByte(0x10).writeByte(Nethdr.F_HELLO).writeShort(16).writeInt(77).writeShort(8).writeShort(40).writeInt(0);
        s.b.receive(d, s.cfg.peer());
        s.clock.advance(2 * SEC);
        FtfwStats b = s.b.stats();
        assertEquals(1L, b.malformed().get(DropReason.ATTR_UNKNOWN));
        assertEquals(0, b.dataRx());
        assertFalse(s.cacheB.size() > 0);
        assertTrue(b.acksTx() >= 1, "like conntrackd, the malformed message's seq is acknowledged");
    }

    @Test
    void deleteRemovesFromTheBackupCache() {
        SimLink s = link(SimLink.config(), 14);
        publishFlows(s, 0, 10, 600);
        ConntrackEntry gone = RandomEntries.tcpFlow(3, 600);
        s.publish(FtfwMessage.DataType.DEL, gone);
        s.clock.advance(10 * MS);
        s.publish(FtfwMessage.DataType.DEL, RandomEntries.tcpFlow(4, 600));
        s.clock.advance(10 * MS);
        assertEquals(8, s.cacheB.size());
        assertTrue(s.converged());
    }
}
