package org.hftfw.ftfw;

import static org.hftfw.ftfw.SimLink.MS;
import static org.hftfw.ftfw.SimLink.SEC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Queue;
import org.hftfw.conntrack.ConntrackEntry;
import org.junit.jupiter.api.Test;

/**
 * The engine's defences on virtual time (issue 14): only the peer's address is heard, implausible sequence numbers
 * do not move the receive state, RESYNC is answered at most once per interval with the table read off the loop.
 */
class PeerGuardTest {
    private static final long SEQ_A = 1_764_000_000L;
    private static final long SEQ_B = 1_764_000_500L;
    private static final InetSocketAddress ATTACKER = new InetSocketAddress("127.0.0.3", 40000);
    private static final FtfwEncoder.Options PLAIN = new FtfwEncoder.Options(false, false);

    private static SimLink converged(long seed, int flows) {
        SimLink s = new SimLink(SimLink.config(), seed, SEQ_A, SEQ_B);
        publish(s, 0, flows);
        s.clock.advance(2 * SEC);
        assertTrue(s.converged());
        return s;
    }

    private static void publish(SimLink s, int from, int n) {
        for (int i = from; i < from + n; i++) {
            s.publish(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(i, 600));
        }
    }

    private static ByteBuf data(int flags, int seq, ConntrackEntry e) {
        ByteBuf d = Unpooled.buffer();
        FtfwEncoder.writeData(d, FtfwMessage.DataType.NEW, flags, seq, e, FlowExtras.NONE, PLAIN);
        return d;
    }

    private static ByteBuf alive(int flags, int seq) {
        ByteBuf d = Unpooled.buffer();
        FtfwEncoder.writeAlive(d, flags, seq);
        return d;
    }

    private static ByteBuf range(int flags, int seq, int from, int to) {
        ByteBuf d = Unpooled.buffer();
        FtfwEncoder.writeRange(d, flags, seq, from, to);
        return d;
    }

    private static void deliver(FtfwEngine e, ByteBuf d, InetSocketAddress from) {
        e.receive(d, from);
        d.release();
    }

    @Test
    void forgedUpdateWithHelloFromAnotherHostIsDroppedAndCounted() {
        SimLink s = converged(1, 100);
        ConntrackEntry forged = RandomEntries.tcpFlow(9999, 600);
        FtfwStats before = s.b.stats();
        deliver(s.b, data(Nethdr.F_HELLO, 12345, forged), ATTACKER);
        FtfwStats after = s.b.stats();
        assertEquals(1L, after.malformed().get(DropReason.NOT_PEER));
        assertEquals(before.datagramsRx(), after.datagramsRx(), "counted as a drop only, not read");
        assertEquals(before.msgsRx(), after.msgsRx());
        s.clock.advance(2 * SEC);
        assertTrue(s.cacheB.get(forged.original(), 0).isEmpty(), "the forged flow is not cached");
        assertEquals(before.peerRestarts(), s.b.stats().peerRestarts(), "no restart of the peer seen");
        publish(s, 100, 50);
        s.clock.advance(2 * SEC);
        assertTrue(s.converged(), "the real peer is still heard");
        assertEquals(0, s.b.stats().lost());
    }

    @Test
    void forgedAckFromAnotherHostLeavesTheResendQueueAlone() {
        SimLink s = converged(2, 10);
        s.bToA = (n, r) -> -1; // the backup's ACKs are lost: everything stays in A's resend queue
        publish(s, 10, 100);
        s.clock.advance(5 * MS);
        assertEquals(100, s.a.pendingFlows());
        int next = s.a.nextSeq();
        deliver(s.a, range(Nethdr.F_ACK | Nethdr.F_HELLO, 777, next - 1000, next), ATTACKER);
        assertEquals(100, s.a.pendingFlows(), "a forged ACK does not free anything");
        assertEquals(1L, s.a.stats().malformed().get(DropReason.NOT_PEER));
    }

    @Test
    void implausibleJumpWithoutHelloIsDroppedAndRealUpdatesKeepFlowing() {
        SimLink s = converged(3, 100);
        ConntrackEntry forged = RandomEntries.tcpFlow(9999, 600);
        int far = (int) (SEQ_A + (1L << 30));
        deliver(s.b, data(0, far, forged), s.cfg.peer());
        deliver(s.b, alive(0, (int) (SEQ_A - (1L << 30))), s.cfg.peer());
        publish(s, 100, 50);
        s.clock.advance(2 * SEC);
        FtfwStats b = s.b.stats();
        assertTrue(s.cacheB.get(forged.original(), 0).isEmpty());
        assertEquals(2L, b.malformed().get(DropReason.IMPLAUSIBLE_SEQ));
        assertTrue(s.converged(), "nothing of the real stream was taken for 'before'");
        assertEquals(0, b.before());
        assertEquals(0, b.lost());
        assertEquals(0, b.seqResets());
    }

    @Test
    void forgedHelloFarAheadIsUndoneOnceThePeerKeepsTalking() {
        SimLink s = converged(4, 100);
        // a HELLO is believed (a restarted conntrackd): the backup's expected seq jumps 2^30 ahead
        deliver(s.b, alive(Nethdr.F_ALIVE | Nethdr.F_HELLO, (int) (SEQ_A + (1L << 30))), s.cfg.peer());
        publish(s, 100, 200);
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0,
                "the backup re-anchored on the real peer's sequence");
        FtfwStats b = s.b.stats();
        assertTrue(b.seqResets() >= 2, "the forged restart and the re-anchoring are both resets: " + b.seqResets());
        assertTrue(b.malformed().get(DropReason.IMPLAUSIBLE_SEQ) >= 1);
        assertEquals(0, b.before(), "no real message was dropped as 'before'");
        s.clock.advance(3 * SEC);
        assertEquals(0, s.a.pendingFlows(), "and the primary's queue drains");
    }

    @Test
    void resyncRequestsAreCoalescedAndTheTableIsReadOffTheLoop() {
        Queue<Runnable> bulkThread = new ArrayDeque<>();
        SimLink s = new SimLink(SimLink.config(), 5, SEQ_A, SEQ_B);
        int[] reads = {0};
        s.a = new FtfwEngine(s.cfg, s.clock, (int) SEQ_A, s.alloc, d -> { }, s.cacheA, sink -> {
            reads[0]++;
            s.truth.values().forEach(sink);
        }, bulkThread::add);
        for (int i = 0; i < 3000; i++) {
            ConntrackEntry e = RandomEntries.tcpFlow(i, 600);
            s.truth.put(e.flowId(), e);
        }
        int seq = (int) SEQ_B;
        for (int i = 0; i < 50; i++) {
            deliver(s.a, range(Nethdr.F_RESYNC | (i == 0 ? Nethdr.F_HELLO : 0), seq++, 0, 0), s.cfg.peer());
            s.clock.advance(10 * MS);
        }
        assertEquals(0, reads[0], "the event loop never reads the table itself");
        assertEquals(1, bulkThread.size(), "one bulk read handed to the bulk executor");
        bulkThread.poll().run();
        s.clock.advance(MS);
        assertEquals(3000, s.a.pendingFlows(), "the whole table queued, in chunks");
        s.clock.advance(2 * SEC);
        assertEquals(1, bulkThread.size(), "the 49 requests during the first answer make one more, a second later");
        bulkThread.poll().run();
        s.clock.advance(5 * SEC);
        assertNull(bulkThread.poll());
        FtfwStats a = s.a.stats();
        assertEquals(50, a.resyncsRx());
        assertEquals(2, a.bulksSent());
        assertEquals(48, a.resyncsCoalesced());
        assertEquals(2, reads[0]);
    }

    @Test
    void externalCacheIsBoundedAndCountsOverflowWithoutThrowing() {
        ExternalCache c = new ExternalCache(() -> 0L, false, 8192, 10);
        for (int i = 0; i < 25; i++) {
            c.apply(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(i, 600), FlowExtras.NONE);
        }
        assertEquals(10, c.size());
        assertEquals(15, c.stats().overflows());
        c.apply(FtfwMessage.DataType.UPD, RandomEntries.tcpFlow(3, 1234), FlowExtras.NONE);
        assertEquals(1234, c.get(RandomEntries.tcpFlow(3, 1).original(), 0).orElseThrow().timeout(),
                "a cached flow still updates when full");
        c.apply(FtfwMessage.DataType.DEL, RandomEntries.tcpFlow(4, 600), FlowExtras.NONE);
        c.apply(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(20, 600), FlowExtras.NONE);
        assertEquals(10, c.size(), "a DEL makes room again");
        assertFalse(c.get(RandomEntries.tcpFlow(4, 1).original(), 0).isPresent());
        assertEquals(15, c.stats().overflows());
    }
}
