package org.hftfw.lazy;

import org.hftfw.common.SafeFiles;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32C;
import org.hftfw.conntrack.IpProto;

/**
 * The model file: a {@link LearnedModel} in a versioned, checksummed binary format of plain counts (no Java
 * serialization, so a file outlives library upgrades: the Smile model is rebuilt from the counts on load).
 *
 * <pre>
 * offset  size  field (big-endian)
 *  0       8    magic "HFTFWMDL"
 *  8       2    format version (5; version 4, the same without history histograms, and version 3, without
 *               the last two sections either, are still read)
 * 10       2    feature schema ({@link FeatureEncoder#SCHEMA})
 * 12       2    number of state ids ({@link StateIds#COUNT})
 * 14       2    p, features per observation vector ({@link FeatureEncoder#P})
 * 16       8    total file length in bytes
 * 24       8    B, the TS/SS boundary the model was trained with, ns
 * 32       8    written at, ms since the epoch (informational)
 * 40      16    fallback class counts TS, SS
 * 56    16·p    fallback feature counts, class TS then SS
 *  …       4    m, then m × { context i32 ((state id × 8 + port class) × {@link LatencyScaledModel#PREV_BUCKETS}
 *               + previous-lifetime bucket, or from {@link LatencyScaledModel#CONTEXTS} on a history context:
 *               CONTEXTS + context × PREV_BUCKETS + bucket of the lifetime before the previous one, version 5),
 *               k u16, k × { bin u16, count i64 } }: the latency-scaled lifetime histograms that have
 *               observations, their non-zero bins in increasing order
 *  …       4    n4, then n4 × { addrs i64 (src≪32 | dst), meta i32 (l4proto≪24 | dport≪8), counters 2 × i64 }
 *  …       4    n6, then n6 × { src i64 i64, dst i64 i64, meta i32, counters 2 × i64 }
 *  …       1    1 if a prior follows, else 0; then the prior: strength f64 (observations per state and histogram
 *               at most, +∞ = full weight), class counts 2 × i64, feature counts 2·p × i64, latency-scaled
 *               histograms as above                                                           (version 4)
 *  …       4    provenance length, then that many bytes of UTF-8 text: what the model was trained on (version 4)
 * end−4    4    CRC32C of every byte before it
 * </pre>
 * Counters are 8 slots of (t:8, v:8) as in {@link KeyStats}. A file with another magic, version, layout, length or
 * checksum is refused with a typed {@link ModelFileException}.
 */
public final class ModelFile {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ModelFile.class);
    static final byte[] MAGIC = "HFTFWMDL".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final int VERSION = 5;
    /** The previous format, without history histograms: still read (as a model without them). */
    static final int VERSION_4 = 4;
    /** The format before it, without prior and provenance either: still read (as a model without them). */
    static final int VERSION_3 = 3;
    /** The longest provenance text stored. */
    static final int MAX_PROVENANCE = 64 << 10;
    static final int HEADER = 40;
    /**
     * The largest model file read or written: about 9 million IPv4 tuples (28 bytes each), far above any
     * {@code lazy.max-keys} a node runs with, and small enough that a hostile or corrupt file cannot exhaust the heap
     * before it is rejected.
     */
    static final int MAX_BYTES = 256 << 20;
    /**
     * The share of the heap (-Xmx) a model file may take. Decoding holds the file's bytes and its arrays at once
     * (about as many bytes again), the replicator keeps the arrays for its snapshot and loads up to
     * {@code lazy.max-keys} of the tuples into its knowledge base, and on a reload the previous model is still live
     * until the new one replaces it. An eighth leaves the rest of the heap to the flow table: 48 MiB under the
     * shipped -Xmx384m, about 1.7 million IPv4 or 0.9 million IPv6 tuples, near the default {@code lazy.max-keys}
     * (1 000 000) that bounds what a node saves, while a file that passes the 256 MiB bound alone killed that daemon
     * at start and at every reload (-XX:+ExitOnOutOfMemoryError, issue 14 review G3).
     */
    static final int HEAP_SHARE = 8;

    private ModelFile() {}

    /** Writes {@code model} to {@code path} atomically (temporary file, then rename). */
    public static void save(LearnedModel model, Path path) throws IOException {
        byte[] bytes = encode(model, System.currentTimeMillis());
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads a model file; {@link ModelFileException} (typed) when it is not a valid, compatible model. */
    public static LearnedModel load(Path path) throws IOException {
        byte[] bytes = readBounded(path);
        try {
            return decode(bytes);
        } catch (ModelFileException e) {
            throw new ModelFileException(e.reason(), path + ": " + e.getMessage());
        }
    }

    /** Reads a model from its bytes (e.g. a class-path resource); {@code name} appears in error messages. */
    public static LearnedModel read(byte[] bytes, String name) throws ModelFileException {
        try {
            return decode(bytes);
        } catch (ModelFileException e) {
            throw new ModelFileException(e.reason(), name + ": " + e.getMessage());
        }
    }

    /** A text summary of a model file's bytes. */
    public static String inspect(byte[] bytes, String name) throws ModelFileException {
        LearnedModel m = read(bytes, name);
        long written = ByteBuffer.wrap(bytes).getLong(32);
        int version = ByteBuffer.wrap(bytes).getShort(8) & 0xffff;
        return "model file " + name + " (" + bytes.length + " bytes, format " + version + ", feature schema "
                + FeatureEncoder.SCHEMA + ", written " + Instant.ofEpochMilli(written) + ")\n" + describe(m);
    }

    static byte[] encode(LearnedModel m, long writtenAtMillis) {
        int n4 = m.v4Meta.length;
        int n6 = m.v6Meta.length;
        byte[] provenance = m.provenance.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (provenance.length > MAX_PROVENANCE) {
            throw new IllegalArgumentException("provenance longer than " + MAX_PROVENANCE + " bytes");
        }
        long len = HEADER + 16 + 16L * FeatureEncoder.P + latencyBytes(m.latencyCounts) + 4 + 28L * n4
                + 4 + 52L * n6 + 1 + (m.hasPrior() ? 8 + 16 + 16L * FeatureEncoder.P
                + latencyBytes(m.priorLatencyCounts) : 0) + 4 + provenance.length + 4;
        if (len > MAX_BYTES) {
            throw new IllegalArgumentException("model too large for one file: " + len + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate((int) len);
        b.put(MAGIC).putShort((short) VERSION).putShort((short) FeatureEncoder.SCHEMA)
                .putShort((short) StateIds.COUNT).putShort((short) FeatureEncoder.P)
                .putLong(len).putLong(m.boundaryNanos).putLong(writtenAtMillis);
        putCounts(b, m.classCounts, m.wordCounts, m.latencyCounts);
        b.putInt(n4);
        for (int i = 0; i < n4; i++) {
            b.putLong(m.v4Addrs[i]).putInt(m.v4Meta[i]).putLong(m.v4Counters[2 * i]).putLong(m.v4Counters[2 * i + 1]);
        }
        b.putInt(n6);
        for (int i = 0; i < n6; i++) {
            for (int j = 0; j < 4; j++) {
                b.putLong(m.v6Addrs[4 * i + j]);
            }
            b.putInt(m.v6Meta[i]).putLong(m.v6Counters[2 * i]).putLong(m.v6Counters[2 * i + 1]);
        }
        b.put((byte) (m.hasPrior() ? 1 : 0));
        if (m.hasPrior()) {
            b.putDouble(m.priorStrength);
            putCounts(b, m.priorClassCounts, m.priorWordCounts, m.priorLatencyCounts);
        }
        b.putInt(provenance.length).put(provenance);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** Bytes of a latency-scaled section: count, then per non-empty context its header and non-zero bins. */
    private static long latencyBytes(long[][] counts) {
        long len = 4;
        for (long[] row : counts) {
            if (row != null) {
                len += 6;
                for (long v : row) {
                    len += v != 0 ? 10 : 0;
                }
            }
        }
        return len;
    }

    private static void putCounts(ByteBuffer b, long[] classCounts, long[][] wordCounts, long[][] latency) {
        b.putLong(classCounts[0]).putLong(classCounts[1]);
        for (long[] row : wordCounts) {
            for (long w : row) {
                b.putLong(w);
            }
        }
        int nl = 0;
        for (long[] row : latency) {
            nl += row != null ? 1 : 0;
        }
        b.putInt(nl);
        for (int c = 0; c < latency.length; c++) {
            long[] row = latency[c];
            if (row != null) {
                int k = 0;
                for (long v : row) {
                    k += v != 0 ? 1 : 0;
                }
                b.putInt(c).putShort((short) k);
                for (int j = 0; j < row.length; j++) {
                    if (row[j] != 0) {
                        b.putShort((short) j).putLong(row[j]);
                    }
                }
            }
        }
    }

    static LearnedModel decode(byte[] bytes) throws ModelFileException {
        if (bytes.length < MAGIC.length || !java.util.Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new ModelFileException(ModelFileException.Reason.NOT_A_MODEL,
                    "not an hFT-FW model file (no HFTFWMDL magic)");
        }
        if (bytes.length < HEADER + 4) {
            throw new ModelFileException(ModelFileException.Reason.TRUNCATED,
                    "truncated: " + bytes.length + " bytes, shorter than the header");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.position(MAGIC.length);
        int version = b.getShort() & 0xffff;
        if (version != VERSION && version != VERSION_4 && version != VERSION_3) {
            throw new ModelFileException(ModelFileException.Reason.UNSUPPORTED_VERSION,
                    "model file format version " + version + " is not supported (this build reads versions "
                            + VERSION_3 + " to " + VERSION + "; retrain it with hftfw train)");
        }
        int schema = b.getShort() & 0xffff;
        int states = b.getShort() & 0xffff;
        int p = b.getShort() & 0xffff;
        long declared = b.getLong();
        if (declared != bytes.length) {
            throw new ModelFileException(declared > bytes.length ? ModelFileException.Reason.TRUNCATED
                    : ModelFileException.Reason.MALFORMED,
                    (declared > bytes.length ? "truncated: " : "trailing data: ") + bytes.length
                            + " bytes, header says " + declared);
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new ModelFileException(ModelFileException.Reason.CORRUPT, String.format(Locale.ROOT,
                    "corrupt: checksum %08x does not match the content (%08x)", stored, (int) crc.getValue()));
        }
        if (schema != FeatureEncoder.SCHEMA || states != StateIds.COUNT || p != FeatureEncoder.P) {
            throw new ModelFileException(ModelFileException.Reason.INCOMPATIBLE, "incompatible: written with "
                    + "feature schema " + schema + " (" + states + " states, " + p + " features), this build uses "
                    + FeatureEncoder.SCHEMA + " (" + StateIds.COUNT + " states, " + FeatureEncoder.P + " features)");
        }
        try {
            long boundary = b.getLong();
            b.getLong();
            if (boundary < 0) {
                throw malformed("negative boundary " + boundary);
            }
            long[] classCounts = {b.getLong(), b.getLong()};
            long[][] words = readWords(b, p);
            checkCounts(classCounts, words);
            int rows = version == VERSION ? LatencyScaledModel.ROWS : LatencyScaledModel.CONTEXTS;
            long[][] latency = readLatency(b, rows);
            int n4 = b.getInt();
            if (n4 < 0 || (long) n4 * 28 > b.remaining()) {
                throw malformed("IPv4 tuple count " + n4 + " does not fit the file");
            }
            long[] a4 = new long[n4];
            int[] m4 = new int[n4];
            long[] c4 = new long[2 * n4];
            for (int i = 0; i < n4; i++) {
                a4[i] = b.getLong();
                m4[i] = checkMeta(b.getInt());
                c4[2 * i] = checkCounters(b.getLong());
                c4[2 * i + 1] = checkCounters(b.getLong());
            }
            int n6 = b.getInt();
            if (n6 < 0 || (version == VERSION_3 ? (long) n6 * 52 != b.remaining() - 4
                    : (long) n6 * 52 > b.remaining() - 4)) {
                throw malformed("IPv6 tuple count " + n6 + " does not " + (version == VERSION_3 ? "match"
                        : "fit") + " the file length");
            }
            long[] a6 = new long[4 * n6];
            int[] m6 = new int[n6];
            long[] c6 = new long[2 * n6];
            for (int i = 0; i < n6; i++) {
                for (int j = 0; j < 4; j++) {
                    a6[4 * i + j] = b.getLong();
                }
                m6[i] = checkMeta(b.getInt());
                c6[2 * i] = checkCounters(b.getLong());
                c6[2 * i + 1] = checkCounters(b.getLong());
            }
            if (version == VERSION_3) {
                return new LearnedModel(boundary, a4, m4, c4, a6, m6, c6, classCounts, words, latency, null, null,
                        null, 0, "not recorded (format 3 file)");
            }
            int hasPrior = b.get();
            if (hasPrior != 0 && hasPrior != 1) {
                throw malformed("prior flag " + hasPrior + " is neither 0 nor 1");
            }
            double strength = 0;
            long[] priorClass = null;
            long[][] priorWords = null;
            long[][] priorLatency = null;
            if (hasPrior == 1) {
                strength = b.getDouble();
                if (!(strength > 0)) {
                    throw malformed("prior strength " + strength + " is not positive");
                }
                priorClass = new long[] {b.getLong(), b.getLong()};
                priorWords = readWords(b, p);
                checkCounts(priorClass, priorWords);
                priorLatency = readLatency(b, rows);
            }
            int plen = b.getInt();
            if (plen < 0 || plen > MAX_PROVENANCE || plen != b.remaining() - 4) {
                throw malformed("provenance length " + plen + " does not match the file length");
            }
            byte[] text = new byte[plen];
            b.get(text);
            return new LearnedModel(boundary, a4, m4, c4, a6, m6, c6, classCounts, words, latency, priorClass,
                    priorWords, priorLatency, strength, new String(text, java.nio.charset.StandardCharsets.UTF_8));
        } catch (BufferUnderflowException e) {
            throw malformed("sections run past the end of the file");
        }
    }

    private static long nonNullRows(long[][] rows, int from, int to) {
        long n = 0;
        for (int r = from; r < to; r++) {
            n += rows[r] != null ? 1 : 0;
        }
        return n;
    }

    private static long[][] readWords(ByteBuffer b, int p) {
        long[][] words = new long[2][p];
        for (long[] row : words) {
            for (int i = 0; i < p; i++) {
                row[i] = b.getLong();
            }
        }
        return words;
    }

    /** A latency-scaled section whose contexts are below {@code rows} (the file's version decides). */
    private static long[][] readLatency(ByteBuffer b, int rows) throws ModelFileException {
        int nl = b.getInt();
        if (nl < 0 || nl > rows || (long) nl * 6 > b.remaining()) {
            throw malformed("latency-scaled context count " + nl + " does not fit the file");
        }
        long[][] latency = new long[LatencyScaledModel.ROWS][];
        for (int i = 0; i < nl; i++) {
            int c = b.getInt();
            if (c < 0 || c >= rows || latency[c] != null) {
                throw malformed("latency-scaled context " + c + " is out of range or repeated");
            }
            int k = b.getShort() & 0xffff;
            if (k > LatencyScaledModel.BINS || (long) k * 10 > b.remaining()) {
                throw malformed("latency-scaled context " + c + " has " + k + " bins, more than fit");
            }
            latency[c] = new long[LatencyScaledModel.BINS];
            int last = -1;
            for (int j = 0; j < k; j++) {
                int bin = b.getShort() & 0xffff;
                long v = b.getLong();
                if (bin <= last || bin >= LatencyScaledModel.BINS) {
                    throw malformed("latency-scaled bin " + bin + " is out of range or out of order");
                }
                if (v <= 0) {
                    throw malformed("latency-scaled count " + v + " is not positive");
                }
                latency[c][bin] = v;
                last = bin;
            }
        }
        return latency;
    }

    private static void checkCounts(long[] classCounts, long[][] words) throws ModelFileException {
        for (int c = 0; c < 2; c++) {
            if (classCounts[c] < 0) {
                throw malformed("negative class count");
            }
            long stateSum = 0;
            for (int i = 0; i < words[c].length; i++) {
                if (words[c][i] < 0) {
                    throw malformed("negative feature count");
                }
                if (i < StateIds.COUNT) {
                    stateSum += words[c][i];
                }
            }
            if (stateSum != classCounts[c]) {
                throw malformed("fallback state counts (" + stateSum + ") disagree with the class count ("
                        + classCounts[c] + ")");
            }
        }
    }

    private static int checkMeta(int meta) throws ModelFileException {
        if ((meta & 0xff) != 0) {
            throw malformed("tuple metadata has stray bits");
        }
        return meta;
    }

    private static long checkCounters(long w) throws ModelFileException {
        for (int s = 0; s < 4; s++) {
            int t = (int) (w >>> (s * 16 + 8)) & 0xff;
            int v = (int) (w >>> (s * 16)) & 0xff;
            if (v > t) {
                throw malformed("a counter has more TS observations (" + v + ") than observations (" + t + ")");
            }
        }
        return w;
    }

    private static ModelFileException malformed(String what) {
        return new ModelFileException(ModelFileException.Reason.MALFORMED, "malformed: " + what);
    }

    /** A text summary of a model file (header, sizes, per-state statistics, busiest tuples). */
    public static String inspect(Path path) throws IOException {
        return inspect(readBounded(path), path.toString());
    }

    /**
     * The largest model file a JVM whose heap is at most {@code maxHeap} bytes reads: {@link #MAX_BYTES}, or
     * {@code maxHeap /} {@link #HEAP_SHARE} when that is smaller.
     */
    static int maxBytes(long maxHeap) {
        return (int) Math.min(MAX_BYTES, maxHeap / HEAP_SHARE);
    }

    /**
     * The file's bytes: a regular file of at most {@link #maxBytes} for this JVM's heap (never a device or FIFO
     * behind a link), checked on its size before a byte is read; a file that other users may write is read with a
     * warning, since whoever can swap it decides what is replicated.
     */
    private static byte[] readBounded(Path path) throws IOException {
        if (SafeFiles.writableByOthers(path)) {
            LOG.warn("lazy model file {} is writable by other users: anyone on this host can change what is "
                    + "replicated (chmod o-w)", path);
        }
        long maxHeap = Runtime.getRuntime().maxMemory();
        int limit = maxBytes(maxHeap);
        if (Files.isRegularFile(path) && Files.size(path) > limit) {
            throw new ModelFileException(ModelFileException.Reason.TOO_LARGE, path + " is " + Files.size(path)
                    + " bytes, more than this process loads: " + limit + " bytes (" + (limit < MAX_BYTES
                    ? "an eighth of its " + (maxHeap >> 20) + " MiB heap; decoding needs about twice the file, "
                    + "raise -Xmx in daemon.jvm or save a model with a lower lazy.max-keys" : "the format's bound")
                    + ")");
        }
        try {
            return SafeFiles.read(path, limit);
        } catch (java.nio.file.NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFileException(ModelFileException.Reason.MALFORMED, e.getMessage());
        }
    }

    /** A text summary of a model. */
    public static String describe(LearnedModel m) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "trained with B = %.1f ms%n", m.boundaryNanos / 1e6));
        sb.append("trained on: ").append(m.provenance.isEmpty() ? "(not recorded)" : m.provenance.strip()
                .replace("\n", "\n  ")).append('\n');
        if (m.hasPrior()) {
            long pl = 0;
            for (long[] row : m.priorLatencyCounts) {
                if (row != null) {
                    for (long v : row) {
                        pl += v;
                    }
                }
            }
            sb.append(String.format(Locale.ROOT, "prior (knowledge from elsewhere, yields to local evidence): %d "
                    + "naive Bayes observations, %d latency-scaled lifetimes, strength %s (it counts as at most that "
                    + "many observations per state and histogram)%n", m.priorObservations(), pl,
                    Double.isInfinite(m.priorStrength) ? "infinite (full weight)"
                            : String.format(Locale.ROOT, "%.3g", m.priorStrength)));
        }
        sb.append(String.format(Locale.ROOT, "knowledge base: %d tuples (%d IPv4, %d IPv6)%n", m.keyCount(),
                m.ipv4KeyCount(), m.ipv6KeyCount()));
        long[] t = new long[StateIds.COUNT];
        long[] v = new long[StateIds.COUNT];
        record Busy(String key, long observations) {}
        List<Busy> busy = new ArrayList<>();
        for (int i = 0; i < m.v4Meta.length; i++) {
            int proto = m.v4Meta[i] >>> 24;
            long obs = addSlots(proto, m.v4Counters[2 * i], m.v4Counters[2 * i + 1], t, v);
            long a = m.v4Addrs[i];
            busy.add(new Busy(String.format(Locale.ROOT, "[%s, %s, %s/%d]", v4((int) (a >>> 32)), v4((int) a),
                    IpProto.name(proto), (m.v4Meta[i] >>> 8) & 0xffff), obs));
        }
        for (int i = 0; i < m.v6Meta.length; i++) {
            int proto = m.v6Meta[i] >>> 24;
            long obs = addSlots(proto, m.v6Counters[2 * i], m.v6Counters[2 * i + 1], t, v);
            busy.add(new Busy(String.format(Locale.ROOT, "[%016x%016x, %016x%016x, %s/%d]", m.v6Addrs[4 * i],
                    m.v6Addrs[4 * i + 1], m.v6Addrs[4 * i + 2], m.v6Addrs[4 * i + 3], IpProto.name(proto),
                    (m.v6Meta[i] >>> 8) & 0xffff), obs));
        }
        sb.append(String.format(Locale.ROOT, "fallback naive Bayes: %d observations (%d TS, %d SS)%n",
                m.fallbackObservations(), m.classCounts[0], m.classCounts[1]));
        sb.append(String.format(Locale.ROOT, "latency-scaled lifetimes: %d observations in %d (state, port class, "
                + "previous lifetime) histograms; %d of them also in %d history histograms (with the lifetime "
                + "before)%n", m.latencyObservations(), nonNullRows(m.latencyCounts, 0, LatencyScaledModel.CONTEXTS),
                m.historyObservations(), nonNullRows(m.latencyCounts, LatencyScaledModel.CONTEXTS,
                        LatencyScaledModel.ROWS)));
        // the per-state table shows evidence and prior together
        long[][] words = {m.wordCounts[0].clone(), m.wordCounts[1].clone()};
        List<long[][]> latencyParts = new ArrayList<>();
        latencyParts.add(m.latencyCounts);
        if (m.hasPrior()) {
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < words[c].length; i++) {
                    words[c][i] += m.priorWordCounts[c][i];
                }
            }
            latencyParts.add(m.priorLatencyCounts);
        }
        sb.append(String.format(Locale.ROOT, "%-24s %12s %8s %14s %8s %12s %14s%n", "state", "kb obs", "kb P(SS)",
                "fallback obs", "P(SS)", "lifetime obs", "median life/RTT"));
        for (int s = 0; s < StateIds.COUNT; s++) {
            long fo = words[0][s] + words[1][s];
            if (t[s] == 0 && fo == 0) {
                continue;
            }
            long[] hist = new long[LatencyScaledModel.BINS];
            long lo = 0;
            for (int pc = 0; pc < FeatureEncoder.PORT_CLASSES; pc++) {
                for (int pb = 0; pb < LatencyScaledModel.PREV_BUCKETS; pb++) {
                    for (long[][] part : latencyParts) {
                        long[] row = part[LatencyScaledModel.context(s, pc, pb)];
                        if (row != null) {
                            for (int j = 0; j < row.length; j++) {
                                hist[j] += row[j];
                                lo += row[j];
                            }
                        }
                    }
                }
            }
            String median = "-";
            long acc = 0;
            for (int j = 0; j < hist.length && lo > 0; j++) {
                acc += hist[j];
                if (2 * acc >= lo) {
                    median = String.format(Locale.ROOT, "%.3g", Math.pow(2, LatencyScaledModel.MIN_LOG2
                            + (j + 0.5) / LatencyScaledModel.BINS_PER_OCTAVE));
                    break;
                }
            }
            sb.append(String.format(Locale.ROOT, "%-24s %12d %8s %14d %8s %12d %14s%n", StateIds.name(s), t[s],
                    t[s] == 0 ? "-" : String.format(Locale.ROOT, "%.3f", (double) (t[s] - v[s]) / t[s]), fo,
                    fo == 0 ? "-" : String.format(Locale.ROOT, "%.3f", (double) words[1][s] / fo), lo,
                    median));
        }
        busy.sort(Comparator.comparingLong(Busy::observations).reversed());
        if (!busy.isEmpty()) {
            sb.append("busiest tuples (observations kept):\n");
            for (Busy x : busy.subList(0, Math.min(10, busy.size()))) {
                sb.append("  ").append(x.key()).append(' ').append(x.observations()).append('\n');
            }
        }
        return sb.toString();
    }

    private static long addSlots(int proto, long c0, long c1, long[] t, long[] v) {
        long total = 0;
        for (int slot = 0; slot < KeyStats.SLOTS; slot++) {
            long w = slot < 4 ? c0 : c1;
            int ts = (int) (w >>> ((slot & 3) * 16 + 8)) & 0xff;
            int vs = (int) (w >>> ((slot & 3) * 16)) & 0xff;
            int id = StateIds.fromSlot(proto, slot);
            if (id >= 0 && ts > 0) {
                t[id] += ts;
                v[id] += vs;
            }
            total += ts;
        }
        return total;
    }

    private static String v4(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }
}
