package org.hftfw.ftfw;

import static org.hftfw.ftfw.SimLink.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A backup that NACKs while it still says HELLO (before it has read the peer's HELLO_BACK) asks for the peer's table
 * once the HELLO is answered: conntrackd empties its resend queue on every message carrying HELLO before it reads
 * the NACK in it, so that NACK is never answered. Virtual time; the peer is played datagram by datagram.
 */
class HelloNackTest {
    private static final int PEER_SEQ = 1_764_000_000;
    private static final FtfwEncoder.Options PLAIN = new FtfwEncoder.Options(false, false);

    private final SimLink s = new SimLink(SimLink.config(), 1, PEER_SEQ, PEER_SEQ + 500);
    private final List<FtfwMessage> sent = new ArrayList<>();
    private final FtfwEngine backup = new FtfwEngine(s.cfg, s.clock, PEER_SEQ + 500, s.alloc, d -> {
        new FtfwDecoder(new DropCounters(s.clock, MS)).decodeDatagram(d, sent::add);
        d.release();
    }, new ExternalCache(s.clock), sink -> { });

    private void fromPeer(int flags, int seq, int flow) {
        ByteBuf d = Unpooled.buffer();
        FtfwEncoder.writeData(d, FtfwMessage.DataType.NEW, flags, seq, RandomEntries.tcpFlow(flow, 600),
                FlowExtras.NONE, PLAIN);
        backup.receive(d, s.cfg.peer());
        d.release();
    }

    private long sentOf(Class<? extends FtfwMessage> kind, int flag) {
        return sent.stream().filter(kind::isInstance).filter(m -> flag == 0 || (m.flags() & flag) != 0).count();
    }

    @Test
    void aNackSentWithHelloIsFollowedByOneResyncOnceTheHelloIsAnswered() {
        fromPeer(Nethdr.F_HELLO, PEER_SEQ, 0);
        s.clock.advance(50 * MS); // our ACK, with HELLO: the peer has not answered it yet
        fromPeer(0, PEER_SEQ + 2, 2); // PEER_SEQ + 1 lost
        s.clock.advance(50 * MS);
        assertEquals(1, sentOf(FtfwMessage.Nack.class, Nethdr.F_HELLO), "the NACK went out with HELLO");
        assertEquals(0, sentOf(FtfwMessage.Resync.class, 0));

        fromPeer(Nethdr.F_HELLO_BACK, PEER_SEQ + 3, 3);
        fromPeer(Nethdr.F_HELLO_BACK, PEER_SEQ + 4, 4);
        s.clock.advance(50 * MS);
        assertEquals(1, sentOf(FtfwMessage.Resync.class, 0), "one RESYNC after the HELLO_BACK");
        assertEquals(0, sentOf(FtfwMessage.Resync.class, Nethdr.F_HELLO), "and it does not say HELLO");
    }

    @Test
    void noResyncWhenNothingWasNackedDuringTheHandshake() {
        fromPeer(Nethdr.F_HELLO, PEER_SEQ, 0);
        s.clock.advance(50 * MS);
        fromPeer(Nethdr.F_HELLO_BACK, PEER_SEQ + 1, 1);
        fromPeer(0, PEER_SEQ + 3, 3); // a loss after the handshake: the NACK says no HELLO and is answered
        s.clock.advance(50 * MS);
        assertTrue(sentOf(FtfwMessage.Nack.class, 0) == 1 && sentOf(FtfwMessage.Nack.class, Nethdr.F_HELLO) == 0);
        assertEquals(0, sentOf(FtfwMessage.Resync.class, 0));
    }
}
