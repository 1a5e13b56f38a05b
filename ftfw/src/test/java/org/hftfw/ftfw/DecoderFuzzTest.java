package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Random byte mutations of valid datagrams are decoded to valid entries or dropped and counted, never thrown. */
class DecoderFuzzTest {
    private static final List<FtfwMessage.DataType> TYPES =
            List.of(FtfwMessage.DataType.NEW, FtfwMessage.DataType.UPD, FtfwMessage.DataType.DEL);

    private static List<byte[]> seeds() throws IOException {
        List<byte[]> seeds = new ArrayList<>(GoldenConntrackdTest.datagrams());
        RandomEntries gen = new RandomEntries(7);
        for (int i = 0; i < 40; i++) {
            ByteBuf b = Unpooled.buffer();
            int n = 1 + gen.random().nextInt(4);
            for (int k = 0; k < n; k++) {
                RandomEntries.FlowState fs = gen.next();
                FtfwEncoder.writeData(b, TYPES.get(k % 3), 0, i * 10 + k, fs.entry(), fs.extras(),
                        FtfwEncoder.Options.DEFAULT);
            }
            FtfwEncoder.writeRange(b, Nethdr.F_ACK, i, i - 3, i);
            seeds.add(ByteBufUtil.getBytes(b));
        }
        return seeds;
    }

    @Test
    void hundredThousandMutationsNeverThrowAndEveryLossIsCounted() throws IOException {
        List<byte[]> seeds = seeds();
        Random rnd = new Random(20261126L);
        DropCounters drops = CodecTest.drops();
        FtfwDecoder dec = new FtfwDecoder(drops);
        long decodedData = 0;
        long silentEmpty = 0;
        for (int iter = 0; iter < 100_000; iter++) {
            byte[] d = seeds.get(rnd.nextInt(seeds.size())).clone();
            d = mutate(d, rnd);
            long before = drops.total();
            List<FtfwMessage> msgs = new ArrayList<>();
            ByteBuf buf = Unpooled.wrappedBuffer(d);
            try {
                dec.decodeDatagram(buf, msgs::add);
            } catch (RuntimeException e) {
                throw new AssertionError("decoder threw on " + HexFormat.of().formatHex(d), e);
            }
            for (FtfwMessage m : msgs) {
                if (m instanceof FtfwMessage.Data data) {
                    decodedData++;
                    // a decoded entry is valid: it encodes and decodes back to itself
                    ByteBuf again = Unpooled.buffer();
                    FtfwEncoder.writeData(again, data.type(), 0, 1, data.entry(), data.extras(),
                            new FtfwEncoder.Options(false, data.entry().tcp() != null));
                    List<FtfwMessage> back = new ArrayList<>();
                    new FtfwDecoder(CodecTest.drops()).decodeDatagram(again, back::add);
                    assertEquals(1, back.size());
                    assertEquals(data.entry(), ((FtfwMessage.Data) back.getFirst()).entry());
                }
                if (m instanceof FtfwMessage.BadPayload) {
                    assertTrue(drops.total() > before, "bad payload not counted");
                }
            }
            if (msgs.isEmpty() && d.length > 0) {
                if (drops.total() == before) {
                    silentEmpty++;
                }
            }
        }
        assertEquals(0, silentEmpty, "datagrams that vanished without a counted drop");
        assertTrue(decodedData > 1000, "mutations should leave many messages decodable: " + decodedData);
        assertTrue(drops.total() > 10_000, "mutations should cause many counted drops: " + drops.snapshot());
    }

    private static byte[] mutate(byte[] d, Random rnd) {
        int kind = rnd.nextInt(6);
        switch (kind) {
            case 0 -> { // flip random bits
                int n = 1 + rnd.nextInt(4);
                for (int i = 0; i < n; i++) {
                    d[rnd.nextInt(d.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            case 1 -> d[rnd.nextInt(d.length)] = (byte) rnd.nextInt(256);
            case 2 -> { // truncate
                byte[] t = new byte[rnd.nextInt(d.length)];
                System.arraycopy(d, 0, t, 0, t.length);
                d = t;
            }
            case 3 -> { // corrupt a length field at a 4-aligned offset
                int off = rnd.nextInt(Math.max(1, d.length / 4)) * 4;
                if (off + 1 < d.length) {
                    d[off] = (byte) rnd.nextInt(256);
                    d[off + 1] = (byte) rnd.nextInt(256);
                }
            }
            case 4 -> { // corrupt the attribute id or message len in 2nd half of a word
                int off = rnd.nextInt(Math.max(1, d.length / 4)) * 4 + 2;
                if (off + 1 < d.length) {
                    d[off + 1] = (byte) rnd.nextInt(64);
                }
            }
            default -> { // append garbage
                byte[] t = new byte[d.length + 1 + rnd.nextInt(12)];
                System.arraycopy(d, 0, t, 0, d.length);
                for (int i = d.length; i < t.length; i++) {
                    t[i] = (byte) rnd.nextInt(256);
                }
                d = t;
            }
        }
        return d;
    }
}
