package org.hftfw.ftfw;

import static org.hftfw.ftfw.SimLink.MS;
import static org.hftfw.ftfw.SimLink.SEC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.junit.jupiter.api.Test;

/**
 * Paced bulk transfers on virtual time: a table many times larger than the resend queue, over a lossy link, arrives
 * whole and without a single overflow, and the transfer counts every flow as acknowledged; unpaced, the same table
 * loses flows to the overflow (the issue 10 failure), which the transfer's own count exposes.
 */
class PacedBulkTest {

    private static final long SEQ_A = 1_764_000_000L;
    private static final long SEQ_B = 1_764_000_500L;

    private static SimLink link(int resendQueue, long seed) {
        FtfwConfig base = SimLink.config();
        return new SimLink(FtfwConfig.builder(base.bind(), base.peer()).resendQueueSize(resendQueue).build(), seed,
                SEQ_A, SEQ_B);
    }

    private static List<ConntrackEntry> table(SimLink s, int n) {
        List<ConntrackEntry> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ConntrackEntry e = RandomEntries.tcpFlow(i, 600);
            s.truth.put(e.flowId(), e);
            all.add(e);
        }
        return all;
    }

    @Test
    void aTableTwentyTimesTheResendQueueArrivesWholeOverTenPercentLoss() {
        SimLink s = link(512, 21);
        s.publish(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(-1, 600));
        s.clock.advance(3 * SEC);                              // the HELLO handshake first, loss-free
        s.aToB = (n, r) -> r.nextInt(100) < 10 ? -1 : 200_000L;
        s.bToA = (n, r) -> r.nextInt(100) < 10 ? -1 : 200_000L;
        BulkTransfer t = FtfwEngine.transfer(table(s, 10_000).iterator());
        s.a.sendPaced(t);
        long at = s.clock.advanceUntil(() -> t.progress().complete(), 10 * MS, 120 * SEC);
        assertTrue(at >= 0, "transfer did not complete: " + t.progress());
        assertEquals(new BulkTransfer.Progress(10_000, 10_000, 0, true, false), t.progress());
        assertEquals(0, s.a.stats().rsQueueOverflow(), "pacing keeps the resend queue from overflowing");
        assertTrue(s.b.stats().lost() > 0, "the link did lose messages");
        assertTrue(s.converged(), "the backup holds every flow");
    }

    /**
     * The window also fits the peer's socket buffer: with a 64 KiB {@code socket-buffer} and the default resend queue
     * (whose three quarters, 98 304 messages, would be some 12 MB of datagrams at the peer), at most 512 messages
     * are in flight, and the table still arrives whole.
     */
    @Test
    void theBulkWindowFitsThePeersSocketBuffer() {
        FtfwConfig base = SimLink.config();
        SimLink s = new SimLink(FtfwConfig.builder(base.bind(), base.peer()).socketBuffer(64 << 10).build(), 23,
                SEQ_A, SEQ_B);
        s.publish(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(-1, 600));
        s.clock.advance(3 * SEC);
        BulkTransfer t = FtfwEngine.transfer(table(s, 5_000).iterator());
        s.a.sendPaced(t);
        int[] most = {0};
        long at = s.clock.advanceUntil(() -> {
            FtfwStats st = s.a.stats();
            // the flows of the bulk, plus the ACKs this side sends meanwhile (they wait in the resend queue too,
            // queued after a feed has filled the window)
            most[0] = Math.max(most[0], st.rsQueueLen() + st.txQueueLen());
            return t.progress().complete();
        }, MS, 120 * SEC);
        assertTrue(at >= 0, "transfer did not complete: " + t.progress());
        assertEquals(new BulkTransfer.Progress(5_000, 5_000, 0, true, false), t.progress());
        int window = (64 << 10) / FtfwEngine.RCVBUF_BYTES_PER_MESSAGE;
        assertTrue(most[0] > window / 2 && most[0] <= window + 4, "in flight at most " + most[0] + ", window " + window);
        assertTrue(s.converged(), "the backup holds every flow");
    }

    @Test
    void withoutPacingTheSameTableOverflowsAndATransferCountsTheLossesOnly() {
        SimLink s = link(512, 22);
        List<ConntrackEntry> all = table(s, 10_000);
        all.forEach(e -> s.a.publish(FtfwMessage.DataType.UPD, e, FlowExtras.NONE));
        s.clock.advance(5 * SEC);
        assertTrue(s.a.stats().rsQueueOverflow() > 0, "an unpaced bulk outruns the resend queue");

        SimLink paced = link(512, 22);
        BulkTransfer t = FtfwEngine.transfer(table(paced, 10_000).iterator());
        paced.a.sendPaced(t);
        for (int i = 0; i < 2_000; i++) {                      // a live flood beside the transfer: evictions
            paced.publish(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(100_000 + i, 600));
        }
        long at = paced.clock.advanceUntil(() -> t.progress().complete(), 10 * MS, 60 * SEC);
        assertTrue(at >= 0, "transfer did not complete: " + t.progress());
        BulkTransfer.Progress p = t.progress();
        assertEquals(10_000, p.queued());
        assertEquals(p.lost(), t.lost().size(), "every lost flow is handed back for a resend");
        assertEquals(10_000, p.acknowledged() + p.lost());
        if (p.lost() > 0) {
            BulkTransfer again = FtfwEngine.transfer(t.lost().iterator());
            paced.a.sendPaced(again);
            assertTrue(paced.clock.advanceUntil(() -> again.progress().complete(), 10 * MS, 60 * SEC) >= 0);
            assertEquals(0, again.progress().lost(), again.progress().toString());
        }
        paced.clock.advance(3 * SEC);
        assertTrue(paced.converged(), "after the resend the backup holds every flow");
    }

    @Test
    void aLiveUpdateOfAFlowInTransitDeliversItForTheTransfer() {
        SimLink s = link(64, 23);
        List<ConntrackEntry> all = table(s, 1_000);
        BulkTransfer t = FtfwEngine.transfer(all.iterator());
        s.a.sendPaced(t);
        s.clock.advance(100_000L);
        ConntrackEntry newer = RandomEntries.tcpFlow(0, 300);
        s.publish(FtfwMessage.DataType.UPD, newer);
        assertTrue(s.clock.advanceUntil(() -> t.progress().complete(), 10 * MS, 60 * SEC) >= 0, t.progress().toString());
        assertEquals(1_000, t.progress().acknowledged());
        s.clock.advance(3 * SEC);
        assertTrue(s.converged(), "the newer live state is what the backup holds");
    }
}
