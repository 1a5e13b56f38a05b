package org.hftfw.ftfw;

import static org.hftfw.ftfw.SimLink.MS;
import static org.hftfw.ftfw.SimLink.SEC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The hFT-FW capability handshake on virtual time: two hFT-FW peers agree; a conntrackd-like peer only counts it. */
class HandshakeTest {
    private static final long SEQ_A = 1_764_000_000L;
    private static final long SEQ_B = 1_764_000_500L;

    /** A peer that reads version-2 messages as conntrackd does: dropped as a wrong version, before any state. */
    static FtfwConfig stockLike() {
        return FtfwConfig.builder(SimLink.config().bind(), SimLink.config().peer()).extensions(false).build();
    }

    @Test
    void twoHftfwPeersAgreeOnGenerationsAndBulkCompletion() {
        SimLink s = new SimLink(SimLink.config(), 1, SEQ_A, SEQ_B);
        s.clock.advance(10 * MS);
        Set<Capability> both = Set.of(Capability.GENERATION_RESYNC, Capability.BULK_COMPLETION, Capability.BULK_FLOWS,
                Capability.BULK_BEGIN);
        assertEquals(both, s.a.peerCapabilities());
        assertEquals(both, s.b.peerCapabilities());
        assertEquals("hftfw", s.a.stats().peer().kind());
        assertEquals(2, s.a.stats().peer().capsSent(), "its own CAPS and the answer to the peer's: no retries");
        assertEquals(2, s.a.stats().peer().capsReceived(), "the peer's CAPS and its answer to ours");
    }

    @Test
    void aStockPeerSeesOnlyCountedWrongVersionDropsAndReplicationIsUnchanged() {
        SimLink s = new SimLink(SimLink.config(), stockLike(), 2, SEQ_A, SEQ_B);
        for (int i = 0; i < 500; i++) {
            s.publish(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(i, 600));
        }
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0, "replicated to the stock-like peer");
        s.clock.advance(3 * SEC);
        FtfwStats a = s.a.stats();
        FtfwStats b = s.b.stats();
        assertEquals("stock", a.peer().kind(), "no answer: taken for a stock conntrackd");
        assertEquals(Set.of(), s.a.peerCapabilities());
        assertEquals(Handshake.TRIES, a.peer().capsSent(), "a bounded number of tries, then silence");
        assertEquals(Handshake.TRIES, b.dropped(DropReason.BAD_VERSION), "each CAPS is one counted wrong-version drop");
        assertEquals(0, b.lost(), "CAPS takes no sequence number: no gap");
        assertEquals(0, b.nacksTx());
        assertEquals(0, a.nacksRx());
        assertEquals(0, s.a.pendingFlows());
        assertEquals(0, s.a.beginBulk(true), "no marked bulk towards a stock peer");
    }

    @Test
    void aFullBulkTowardsAStockPeerSendsNoBulkEnd() {
        SimLink s = new SimLink(SimLink.config(), stockLike(), 3, SEQ_A, SEQ_B);
        for (int i = 0; i < 300; i++) {
            var e = RandomEntries.tcpFlow(i, 600);
            s.truth.put(e.flowId(), e);
        }
        List<Integer> dataFlags = new ArrayList<>();
        s.tapAtoB = d -> {
            for (int at = d.readerIndex(); at + Nethdr.SIZE <= d.writerIndex(); ) {
                int len = d.getUnsignedShort(at + 2);
                int b0 = d.getUnsignedByte(at);
                if (b0 >> 4 == Nethdr.VERSION && (b0 & 0x0f) <= Nethdr.T_STATE_MAX) {
                    dataFlags.add((int) d.getUnsignedByte(at + 1));
                }
                at += Math.max(len, Nethdr.SIZE);
            }
            d.release();
        };
        s.a.sendBulk();                            // at once, while the handshake is still under way
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0);
        s.clock.advance(3 * SEC);
        assertEquals(Handshake.TRIES, s.b.stats().dropped(DropReason.BAD_VERSION), "the CAPS tries and nothing else");
        assertEquals(0, s.b.stats().lost());
        assertTrue(dataFlags.size() >= 300, "the bulk's states were seen: " + dataFlags.size());
        assertTrue(dataFlags.stream().noneMatch(f -> (f & Nethdr.F_BULK_FLOW) != 0),
                "no hFT-FW bulk-flow mark towards a stock peer (its IS_DATA would refuse the state)");
    }

    @Test
    void aPeerStartingLaterIsFoundByItsOwnCaps() {
        SimLink s = new SimLink(SimLink.config(), 4, SEQ_A, SEQ_B);
        s.clock.advance(10 * MS);                  // the first engines' CAPS are delivered
        s.aToB = (n, r) -> -1L;                    // B is not there yet
        s.bToA = (n, r) -> -1L;
        s.restartA(SEQ_A + 10_000);                // A starts alone: its tries are lost
        s.clock.advance(2 * SEC);
        assertEquals("stock", s.a.stats().peer().kind());
        s.aToB = SimLink.PERFECT;
        s.bToA = SimLink.PERFECT;
        s.restartB(SEQ_B + 10_000, true);          // B (re)starts and says CAPS itself
        s.clock.advance(10 * MS);
        assertEquals("hftfw", s.a.stats().peer().kind());
        assertEquals(Set.of(Capability.GENERATION_RESYNC, Capability.BULK_COMPLETION, Capability.BULK_FLOWS,
                Capability.BULK_BEGIN), s.b.peerCapabilities());
    }
}
