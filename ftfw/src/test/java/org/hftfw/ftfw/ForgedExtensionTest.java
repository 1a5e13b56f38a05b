package org.hftfw.ftfw;

import static org.hftfw.ftfw.SimLink.MS;
import static org.hftfw.ftfw.SimLink.SEC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Extension messages forged from the peer's address (no key: the source address is all there is), review14 G14 and
 * F9: one BULK_END with the FULL flag emptied the backup, whatever the handshake agreed; a HOLDS with a guessed
 * (sequential) bulk id confirmed a migration the backup never got.
 */
class ForgedExtensionTest {
    private static final long SEQ_A = 1_764_000_000L;
    private static final long SEQ_B = 1_764_000_500L;

    private static SimLink converged(FtfwConfig a, FtfwConfig b, int flows) {
        SimLink s = new SimLink(a, b, 1, SEQ_A, SEQ_B);
        for (int i = 0; i < flows; i++) {
            s.publish(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(i, 600));
        }
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0);
        s.clock.advance(3 * SEC);
        return s;
    }

    /** A BULK_END|FULL that claims to have begun at its own seq, as the next message A would send. */
    private static void forgeFullBulkEnd(SimLink s, long id) {
        int seq = s.a.nextSeq();
        ByteBuf d = Unpooled.buffer();
        Ext.writeSequenced(d, Ext.T_BULK_END, Ext.F_FULL, seq, id, 0, seq, -1);
        s.b.receive(d, s.cfg.peer());
        d.release();
    }

    @Test
    void aForgedFullBulkEndBetweenHftfwPeersRemovesNothing() {
        SimLink s = converged(SimLink.config(), SimLink.config(), 1000);
        forgeFullBulkEnd(s, 77);
        s.clock.advance(2 * SEC);
        assertEquals(1000, s.cacheB.size(), "the backup keeps every flow");
        assertEquals(0, s.b.stats().peer().staleRemoved());
        assertEquals(1, s.b.stats().dropped(DropReason.EXT_REFUSED), "the forged END is counted");
        assertTrue(s.converged());
    }

    /** One datagram from the peer's address: a full bulk's BEGIN ({@code beginId}) and an END ({@code endId}). */
    private static void beginAndEnd(SimLink s, long beginId, long endId) {
        int seq = s.a.nextSeq();
        ByteBuf d = Unpooled.buffer();
        Ext.writeSequenced(d, Ext.T_BULK_BEGIN, Ext.F_FULL, seq, beginId, 0, 0, -1);
        Ext.writeSequenced(d, Ext.T_BULK_END, Ext.F_FULL, seq + 1, endId, 0, seq, -1);
        s.b.receive(d, s.cfg.peer());
        d.release();
    }

    @Test
    void aBulkEndWithTheBeginOfAnotherBulkRemovesNothing() {
        SimLink s = converged(SimLink.config(), SimLink.config(), 1000);
        beginAndEnd(s, 5, 6);
        s.clock.advance(2 * SEC);
        assertEquals(1000, s.cacheB.size());
        assertEquals(1, s.b.stats().dropped(DropReason.EXT_REFUSED));
    }

    @Test
    void aStockPeersAddressCannotSendExtensionMessages() {
        FtfwConfig stock = FtfwConfig.builder(SimLink.config().bind(), SimLink.config().peer())
                .extensions(false).build();
        SimLink s = converged(stock, SimLink.config(), 1000);
        assertEquals("stock", s.b.stats().peer().kind());
        beginAndEnd(s, 77, 77);
        s.clock.advance(2 * SEC);
        assertEquals(1000, s.cacheB.size(), "a stock peer's BULK_END is no message of its");
        assertEquals(0, s.b.stats().peer().bulkEndsReceived());
        assertEquals(2, s.b.stats().dropped(DropReason.EXT_REFUSED));
    }

    @Test
    void aForgedHoldsWithAGuessedIdConfirmsNothing() {
        SimLink s = converged(SimLink.config(), SimLink.config(), 100);
        long id = s.a.beginBulk(false);
        assertTrue(id != 0);
        s.bToA = (n, r) -> -1L;                            // the backup's own answer never comes
        for (int i = 100; i < 110; i++) {
            s.publish(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(i, 600));
        }
        CompletableFuture<BulkReceipt> r = s.a.endBulk(id, 10).toCompletableFuture();
        s.clock.advance(100 * MS);
        long received = s.a.stats().msgsRx();
        int seq = s.b.nextSeq();
        ByteBuf d = Unpooled.buffer();
        for (int guess = 1; guess <= 64; guess++) {
            Ext.writeSequenced(d, Ext.T_HOLDS, 0, seq++, guess, 1_000_000, 0, -1);
        }
        s.a.receive(d, s.cfg.peer());
        d.release();
        s.clock.advance(100 * MS);
        assertEquals(received + 64, s.a.stats().msgsRx(), "the forged HOLDS passed the sequence check");
        assertFalse(r.isDone(), "a guessed bulk id confirms nothing: " + (r.isDone() ? r.join() : ""));
    }

    @Test
    void aGenuineFullBulkStillRemovesWhatThePrimaryNoLongerHas() {
        SimLink s = converged(SimLink.config(), SimLink.config(), 1000);
        for (int i = 0; i < 300; i++) {
            s.truth.remove(RandomEntries.tcpFlow(i, 600).flowId());
        }
        s.a.sendBulk();
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0, s.b.stats().format());
        assertEquals(300, s.b.stats().peer().staleRemoved());
        assertEquals(0, s.b.stats().dropped(DropReason.EXT_REFUSED));
    }
}
