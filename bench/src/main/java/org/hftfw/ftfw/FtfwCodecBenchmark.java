package org.hftfw.ftfw;

import org.hftfw.common.Clock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.ConntrackEntry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * FT-FW codec, one NEW message of an established TCP v4 flow per operation (the messages of a bulk send): encode,
 * decode, and the two together, as {@link SyncChannelBench}'s codec baseline does. Baseline: copying the same
 * message's pre-encoded bytes into the buffer, the floor of any encoder that writes them. {@code decode} reads the
 * 4 096 pre-encoded messages in turn (cold in the cache, as received datagrams are), {@code encodeAndDecode} decodes
 * what it has just written (hot). Lives in the codec's package (in this module) to reach the package-private encoder
 * and decoder.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FtfwCodecBenchmark {
    private static final int FLOWS = 4096;

    private List<ConntrackEntry> entries;
    private ByteBuf[] encoded;
    private ByteBuf out;
    private FtfwDecoder decoder;
    private int next;
    private int seq;

    @Setup
    public void setUp() throws Exception {
        entries = SyncChannelBench.entries(FLOWS);
        encoded = new ByteBuf[FLOWS];
        for (int i = 0; i < FLOWS; i++) {
            encoded[i] = Unpooled.buffer(256);
            FtfwEncoder.writeData(encoded[i], FtfwMessage.DataType.NEW, 0, i, entries.get(i), FlowExtras.NONE,
                    FtfwEncoder.Options.DEFAULT);
        }
        out = Unpooled.buffer(4096);
        decoder = new FtfwDecoder(new DropCounters(Clock.system(), 1_000_000_000L));
    }

    @TearDown
    public void tearDown() {
        out.release();
        for (ByteBuf b : encoded) {
            b.release();
        }
    }

    private int nextFlow() {
        int i = next;
        next = (i + 1) & (FLOWS - 1);
        return i;
    }

    @Benchmark
    public int baselineCopyEncodedBytes() {
        ByteBuf src = encoded[nextFlow()];
        out.clear();
        out.writeBytes(src, src.readerIndex(), src.readableBytes());
        return out.writerIndex();
    }

    @Benchmark
    public int encode() {
        out.clear();
        return FtfwEncoder.writeData(out, FtfwMessage.DataType.NEW, 0, seq++, entries.get(nextFlow()), FlowExtras.NONE,
                FtfwEncoder.Options.DEFAULT);
    }

    @Benchmark
    public void decode(Blackhole bh) {
        ByteBuf src = encoded[nextFlow()];
        decoder.decodeDatagram(src, bh::consume);                 // reads by index: the buffer is left as it was
    }

    @Benchmark
    public void encodeAndDecode(Blackhole bh) {
        out.clear();
        FtfwEncoder.writeData(out, FtfwMessage.DataType.NEW, 0, seq++, entries.get(nextFlow()), FlowExtras.NONE,
                FtfwEncoder.Options.DEFAULT);
        decoder.decodeDatagram(out, bh::consume);
    }
}
