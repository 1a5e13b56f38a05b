package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hftfw.common.VirtualScheduler;
import org.junit.jupiter.api.Test;

/**
 * Two consecutive versions on one sync link (a rolling upgrade): what the older one offers and what the newer one
 * adds are agreed as their intersection, and a newer CAPS with appended fields is still read.
 */
class VersionSkewTest {
    /** A capability bit this build does not know: what the next version would add. */
    private static final int NEXT_VERSIONS_BIT = 0x100;

    private final VirtualScheduler clock = new VirtualScheduler();
    private final List<ByteBuf> sent = new ArrayList<>();

    private Handshake handshake() {
        return new Handshake(clock, ByteBufAllocator.DEFAULT, sent::add, null, false,
                Set.of(Capability.GENERATION_RESYNC, Capability.BULK_COMPLETION), 7, 100_000_000L, () -> { });
    }

    @Test
    void anOlderPeerGetsOnlyWhatItOffers() {
        Handshake hs = handshake();
        hs.onCaps(new FtfwMessage.Caps(false, Ext.EXT_VERSION, Capability.GENERATION_RESYNC.bit, 0, 11, 0), false);
        assertEquals(Set.of(Capability.GENERATION_RESYNC), hs.agreed(), "no BULK_END/HOLDS towards it");
        assertEquals(1, sent.size(), "its CAPS is answered");
        sent.forEach(ByteBuf::release);
    }

    @Test
    void aNewerPeersUnknownCapabilityIsIgnored() {
        Handshake hs = handshake();
        int offers = Capability.GENERATION_RESYNC.bit | Capability.BULK_COMPLETION.bit | NEXT_VERSIONS_BIT;
        hs.onCaps(new FtfwMessage.Caps(false, Ext.EXT_VERSION + 1, offers, 0, 11, 0), false);
        assertEquals(Set.of(Capability.GENERATION_RESYNC, Capability.BULK_COMPLETION), hs.agreed());
        sent.forEach(ByteBuf::release);
    }

    @Test
    void aNewerCapsWithAppendedFieldsIsRead() {
        ByteBuf d = Unpooled.buffer();
        try {
            int offers = Capability.GENERATION_RESYNC.bit | NEXT_VERSIONS_BIT;
            Ext.writeCaps(d, false, offers, 0, 11, 0);
            d.writeLong(0x0123_4567_89ab_cdefL);              // a field the next version appends
            d.setShort(2, Ext.CAPS_SIZE + 8);
            List<FtfwMessage> out = new ArrayList<>();
            DropCounters drops = new DropCounters(() -> 0L, 1_000_000_000L);
            new FtfwDecoder(drops).decodeDatagram(d, out::add);
            assertEquals(1, out.size(), out.toString());
            FtfwMessage.Caps c = assertInstanceOf(FtfwMessage.Caps.class, out.getFirst());
            assertEquals(offers, c.offered());
            assertEquals(11, c.nonce());
            assertEquals(0, drops.total(), "nothing dropped");
        } finally {
            d.release();
        }
    }
}
