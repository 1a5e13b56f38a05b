package org.hftfw.lazy;

import static org.hftfw.lazy.Ev.httpFlow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {
    @TempDir
    Path dir;

    private static LearnedModel trained() {
        LazyReplicator r = new LazyReplicator(LazyConfig.defaults(), (e, t) -> { }, () -> 0);
        long t = 0;
        for (int i = 0; i < 20; i++) {
            String dst = i % 2 == 0 ? "10.0.0.2" : "fd00::2";
            String src = i % 2 == 0 ? "10.0.0.1" : "fd00::1";
            httpFlow(Ev.tcp(src, dst, 40000 + i, i % 3 == 0 ? 22 : 80), t, 10, 500, 1000).forEach(r::onEvent);
            t += 2000;
        }
        return r.snapshot();
    }

    @Test
    void roundTripKeepsEverything() throws IOException {
        LearnedModel m = trained();
        assertEquals(4, m.keyCount());
        assertEquals(2, m.ipv6KeyCount());
        Path f = dir.resolve("model.hfm");
        ModelFile.save(m, f);
        LearnedModel back = ModelFile.load(f);
        assertEquals(m, back);
        assertEquals(120, back.fallbackObservations());
        String text = ModelFile.inspect(f);
        assertTrue(text.contains("4 tuples (2 IPv4, 2 IPv6)"), text);
        assertTrue(text.contains("ESTABLISHED"), text);
        assertTrue(text.contains("[10.0.0.1, 10.0.0.2, tcp/80]"), text);
    }

    @Test
    void loadedModelDecidesLikeTheOriginal() throws IOException {
        LearnedModel m = trained();
        Path f = dir.resolve("model.hfm");
        ModelFile.save(m, f);
        Ev.Sink a = new Ev.Sink();
        Ev.Sink b = new Ev.Sink();
        LazyReplicator ra = new LazyReplicator(LazyConfig.defaults(), a, () -> 0, m);
        LazyReplicator rb = new LazyReplicator(LazyConfig.defaults(), b, () -> 0, ModelFile.load(f));
        var flow = httpFlow(Ev.tcp("10.0.0.7", "10.0.0.2", 1, 80), 100_000, 10, 500, 1000);
        flow.forEach(ra::onEvent);
        flow.forEach(rb::onEvent);
        assertEquals(a.states(), b.states());
        assertEquals(java.util.List.of("ESTABLISHED", "TIME_WAIT", "DESTROY"), a.states());
    }

    private ModelFileException refused(byte[] bytes) throws IOException {
        Path f = dir.resolve("bad.hfm");
        Files.write(f, bytes);
        return assertThrows(ModelFileException.class, () -> ModelFile.load(f));
    }

    @Test
    void flippedByteIsRefusedAsCorrupt() throws IOException {
        byte[] bytes = ModelFile.encode(trained(), 0);
        for (int pos : new int[] {40, 100, bytes.length / 2, bytes.length - 10, bytes.length - 1}) {
            byte[] copy = bytes.clone();
            copy[pos] ^= 0x10;
            ModelFileException e = refused(copy);
            assertEquals(ModelFileException.Reason.CORRUPT, e.reason(), "byte " + pos);
            assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        }
    }

    @Test
    void truncatedFileIsRefused() throws IOException {
        byte[] bytes = ModelFile.encode(trained(), 0);
        for (int len : new int[] {bytes.length - 1, bytes.length / 2, 30}) {
            assertEquals(ModelFileException.Reason.TRUNCATED, refused(Arrays.copyOf(bytes, len)).reason());
        }
        assertEquals(ModelFileException.Reason.NOT_A_MODEL, refused(new byte[0]).reason());
    }

    @Test
    void wrongVersionMagicOrLayoutIsRefused() throws IOException {
        byte[] bytes = ModelFile.encode(trained(), 0);
        byte[] v1 = bytes.clone();
        v1[9] = 1;
        ModelFileException e = refused(v1);
        assertEquals(ModelFileException.Reason.UNSUPPORTED_VERSION, e.reason());
        assertTrue(e.getMessage().contains("version 1 is not supported"), e.getMessage());

        byte[] magic = bytes.clone();
        magic[0] = 'X';
        assertEquals(ModelFileException.Reason.NOT_A_MODEL, refused(magic).reason());

        byte[] schema = bytes.clone();
        schema[11] = 99;
        resign(schema);
        assertEquals(ModelFileException.Reason.INCOMPATIBLE, refused(schema).reason());

        byte[] inconsistent = bytes.clone();
        ByteBuffer.wrap(inconsistent).putLong(40, 12345);
        resign(inconsistent);
        assertEquals(ModelFileException.Reason.MALFORMED, refused(inconsistent).reason());
    }

    /** The latency-scaled histograms are stored sparsely: bins out of order, repeated or with a zero count are refused. */
    @Test
    void malformedLatencySectionIsRefused() throws IOException {
        LatencyScaledModel l = new LatencyScaledModel();
        l.observe(StateIds.TCP + 2, 0, 0, 50_000_000, 100_000_000);
        l.observe(StateIds.TCP + 2, 0, 0, 300_000_000, 100_000_000);
        LearnedModel m = LearnedModel.of(java.util.List.of(), new FallbackModel(), l, 200_000_000, LearnedModel.empty());
        assertEquals(m, ModelFile.decode(ModelFile.encode(m, 0)), "round trip of the sparse histogram");
        byte[] bytes = ModelFile.encode(m, 0);
        int section = ModelFile.HEADER + 16 + 16 * FeatureEncoder.P;     // m, then the first context
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int k = b.getShort(section + 8) & 0xffff;
        assertEquals(2, k, "the histogram's non-zero bins");
        int firstBin = section + 10;
        byte[] order = bytes.clone();
        ByteBuffer.wrap(order).putShort(firstBin + 10, ByteBuffer.wrap(order).getShort(firstBin));
        resign(order);
        ModelFileException e = refused(order);
        assertEquals(ModelFileException.Reason.MALFORMED, e.reason());
        assertTrue(e.getMessage().contains("out of order"), e.getMessage());
        byte[] zero = bytes.clone();
        ByteBuffer.wrap(zero).putLong(firstBin + 2, 0);
        resign(zero);
        assertTrue(refused(zero).getMessage().contains("not positive"));
        byte[] range = bytes.clone();
        ByteBuffer.wrap(range).putInt(section + 4, LatencyScaledModel.ROWS);
        resign(range);
        assertTrue(refused(range).getMessage().contains("out of range"));
    }

    @Test
    void aHugeFileWithAValidMagicIsRefusedBeforeItIsRead() throws IOException {
        Path f = dir.resolve("huge.hfm");
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            raf.write(ModelFile.encode(trained(), 0));
            raf.setLength(ModelFile.MAX_BYTES + 1L);                 // sparse: no disk, no heap
        }
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(f));
        assertEquals(ModelFileException.Reason.TOO_LARGE, e.reason(), e.getMessage());
    }

    @Test
    void aLinkToADeviceIsRefused() throws IOException {
        Path f = java.nio.file.Files.createSymbolicLink(dir.resolve("zero.hfm"), Path.of("/dev/zero"));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(f));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void emptyModelRoundTrips() throws IOException {
        Path f = dir.resolve("empty.hfm");
        ModelFile.save(LearnedModel.empty(), f);
        assertTrue(ModelFile.load(f).isEmpty());
    }

    /** Format 4 and later keep the prior apart (with its strength) and the provenance text. */
    @Test
    void priorAndProvenanceRoundTrip() throws IOException {
        LearnedModel m = trained().asPrior(5).withProvenance("trained on: lab recordings a, b\nnote: ünïcode");
        assertTrue(m.hasPrior());
        assertEquals(0, m.keyCount(), "a prior carries no tuples of the network it was trained on");
        assertEquals(0, m.fallbackObservations(), "its counts are prior, not evidence");
        assertEquals(120, m.priorObservations());
        Path f = dir.resolve("prior.hfm");
        ModelFile.save(m, f);
        LearnedModel back = ModelFile.load(f);
        assertEquals(m, back);
        assertEquals(5.0, back.priorStrength());
        String text = ModelFile.inspect(f);
        assertTrue(text.contains("format 5"), text);
        assertTrue(text.contains("trained on: trained on: lab recordings a, b"), text);
        assertTrue(text.contains("strength 5.00"), text);
        assertTrue(text.contains("ESTABLISHED"), "the per-state table shows the prior's counts: " + text);
        LearnedModel full = ModelFile.decode(ModelFile.encode(trained().asPrior(Double.POSITIVE_INFINITY), 0));
        assertEquals(Double.POSITIVE_INFINITY, full.priorStrength());
    }

    /** A replicator's snapshot keeps its starting prior apart and unchanged, and adds what it learned as evidence. */
    @Test
    void snapshotKeepsThePriorApart() {
        LearnedModel prior = trained().asPrior(5).withProvenance("p");
        LazyReplicator r = new LazyReplicator(LazyConfig.defaults(), (e, t) -> { }, () -> 0, prior);
        httpFlow(Ev.tcp("10.9.0.1", "10.9.0.2", 1234, 80), 0, 10, 500, 1000).forEach(r::onEvent);
        LearnedModel s = r.snapshot();
        assertEquals(prior.priorObservations(), s.priorObservations());
        assertEquals(5.0, s.priorStrength());
        assertEquals("p", s.provenance());
        assertTrue(s.fallbackObservations() > 0, "the flow's own labels are evidence");
    }

    /** The model without its history histograms: what a format 3 or 4 file holds. */
    private static LearnedModel withoutHistory(LearnedModel m) {
        long[][] lat = Arrays.copyOf(m.latencyCounts, LatencyScaledModel.ROWS);
        Arrays.fill(lat, LatencyScaledModel.CONTEXTS, LatencyScaledModel.ROWS, null);
        return new LearnedModel(m.boundaryNanos, m.v4Addrs, m.v4Meta, m.v4Counters, m.v6Addrs, m.v6Meta,
                m.v6Counters, m.classCounts, m.wordCounts, lat, m.priorClassCounts, m.priorWordCounts,
                m.priorLatencyCounts, m.priorStrength, m.provenance);
    }

    /**
     * Format 4 files (before the history histograms, issue 13 item 3) are still read, as models without them; a
     * history context in a format 4 file is refused. The shipped default model is such a file.
     */
    @Test
    void formatFourIsStillRead() throws IOException {
        LearnedModel full = trained();
        assertTrue(full.historyObservations() > 0, "a replicator learns history histograms");
        LearnedModel m = withoutHistory(full);
        byte[] v4 = ModelFile.encode(m, 0);
        ByteBuffer.wrap(v4).putShort(8, (short) 4);
        resign(v4);
        assertEquals(m, ModelFile.decode(v4));
        assertEquals(0, ModelFile.decode(v4).historyObservations());
        assertTrue(ModelFile.inspect(v4, "old.hfm").contains("format 4"));
        byte[] withHistory = ModelFile.encode(full, 0);
        ByteBuffer.wrap(withHistory).putShort(8, (short) 4);
        resign(withHistory);
        assertTrue(refused(withHistory).getMessage().contains("out of range"));
        assertEquals(full, ModelFile.decode(ModelFile.encode(full, 0)), "format 5 keeps them");
        String text = ModelFile.inspect(ModelFile.encode(full, 0), "new.hfm");
        assertTrue(text.contains(full.historyObservations() + " of them also in "), text);
    }

    /** Format 3 files (before priors and provenance) are still read, as models without either. */
    @Test
    void formatThreeIsStillRead() throws IOException {
        LearnedModel m = withoutHistory(trained());
        byte[] v4 = ModelFile.encode(m, 0);
        // format 3 = format 4 (here: 5 without history) without the prior flag byte and the provenance length (both empty here)
        byte[] v3 = Arrays.copyOf(v4, v4.length - 5);
        System.arraycopy(v4, v4.length - 4, v3, v3.length - 4, 4);
        ByteBuffer.wrap(v3).putShort(8, (short) 3).putLong(16, v3.length);
        resign(v3);
        LearnedModel back = ModelFile.decode(v3);
        assertTrue(!back.hasPrior());
        assertEquals("not recorded (format 3 file)", back.provenance());
        assertEquals(m.withProvenance(back.provenance()), back);
        assertTrue(ModelFile.inspect(v3, "old.hfm").contains("format 3"));
    }

    @Test
    void aNewerFormatIsRefusedWithTheVersionsThisBuildReads() throws IOException {
        byte[] v6 = ModelFile.encode(trained(), 0);
        ByteBuffer.wrap(v6).putShort(8, (short) 6);
        resign(v6);
        ModelFileException e = refused(v6);
        assertEquals(ModelFileException.Reason.UNSUPPORTED_VERSION, e.reason());
        assertTrue(e.getMessage().contains("version 6 is not supported (this build reads versions 3 to 5"),
                e.getMessage());
    }

    private static void resign(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        ByteBuffer.wrap(b).putInt(b.length - 4, (int) crc.getValue());
    }
}
