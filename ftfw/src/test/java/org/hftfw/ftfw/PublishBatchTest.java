package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.common.VirtualScheduler;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The batched hand-off to the event loop: one task per batch, the same engine calls and wire bytes as one by one. */
class PublishBatchTest {
    private final VirtualScheduler clock = new VirtualScheduler();
    private final List<Runnable> loop = new ArrayList<>();
    private final List<ByteBuf> sent = new ArrayList<>();
    private final FtfwEngine engine = engine(sent);
    private final PublishBatch batch = new PublishBatch(loop::add, engine);

    private FtfwEngine engine(List<ByteBuf> out) {
        // without the hFT-FW handshake, whose CAPS carries a random nonce: the wire bytes are compared
        return new FtfwEngine(FtfwConfig.builder(SimLink.config().bind(), SimLink.config().peer()).extensions(false)
                .build(), clock, 1, UnpooledByteBufAllocator.DEFAULT, out::add,
                new ExternalCache(clock), sink -> { });
    }

    @AfterEach
    void release() {
        engine.close();
        sent.forEach(ByteBuf::release);
    }

    private void runLoop() {
        List<Runnable> tasks = List.copyOf(loop);
        loop.clear();
        tasks.forEach(Runnable::run);
        clock.runDue();
    }

    @Test
    void aBatchIsOneLoopTaskWithTheSameWireBytesAsOneByOne() {
        List<ByteBuf> oneByOne = new ArrayList<>();
        FtfwEngine reference = engine(oneByOne);
        List<ConntrackEntry> flows = List.of(RandomEntries.tcpFlow(1, 120), RandomEntries.tcpFlow(2, 120),
                RandomEntries.tcpFlow(1, 300));
        List<EventType> types = List.of(EventType.NEW, EventType.NEW, EventType.UPDATE);
        for (int i = 0; i < flows.size(); i++) {
            batch.add(types.get(i), flows.get(i));
            reference.publish(FtfwChannel.map(types.get(i)), flows.get(i), FlowExtras.NONE);
        }
        assertEquals(0, loop.size(), "nothing reaches the loop before the end of the batch");
        batch.flush();
        assertEquals(1, loop.size(), "the whole batch is one task");
        runLoop();
        clock.runDue();
        assertEquals(2, engine.stats().dataTx(), "the flow updated twice is sent once, in its latest state");
        assertEquals(1, engine.stats().superseded());
        assertEquals(hex(oneByOne), hex(sent));
        reference.close();
        oneByOne.forEach(ByteBuf::release);
    }

    @Test
    void aFullBatchIsHandedOverEarlyAndAnEmptyOneNotAtAll() {
        batch.flush();
        assertEquals(0, loop.size());
        for (int i = 0; i <= PublishBatch.CAPACITY; i++) {
            batch.add(EventType.NEW, RandomEntries.tcpFlow(i, 120));
        }
        assertEquals(1, loop.size(), "the first " + PublishBatch.CAPACITY + " changes went as soon as the batch was full");
        batch.flush();
        assertEquals(2, loop.size());
        runLoop();
        assertEquals(PublishBatch.CAPACITY + 1, engine.pendingFlows());
    }

    @Test
    void whileTheLoopKeepsUpTheSameChunkCarriesEveryBatch() {
        batch.add(EventType.NEW, RandomEntries.tcpFlow(1, 120));
        batch.flush();
        Runnable first = loop.getFirst();
        runLoop();
        batch.add(EventType.UPDATE, RandomEntries.tcpFlow(1, 300));
        batch.flush();
        assertSame(first, loop.getFirst(), "the chunk the loop ran came back for the next batch");
        runLoop();
        assertEquals(1, engine.pendingFlows());
        assertEquals(2, engine.stats().dataTx(), "both batches were sent");
    }

    private static List<String> hex(List<ByteBuf> datagrams) {
        List<String> out = new ArrayList<>();
        for (ByteBuf d : datagrams) {
            out.add(ByteBufUtil.hexDump(d));
        }
        return out;
    }
}
