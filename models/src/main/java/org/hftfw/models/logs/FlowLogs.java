package org.hftfw.models.logs;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.log.ConntrackLogReader;
import org.hftfw.conntrack.log.ParseReport;

/**
 * Opens flow logs for training and evaluation, whatever their format:
 * <ul>
 *   <li><b>conntrack text</b>: {@code conntrack -E -o timestamp[,id]} output. This is also <b>hFT-FW's own event
 *       log</b>: {@code hftfw conntrack watch -o timestamp,id} and the trace lab ({@code hftfw lab record}) write
 *       exactly this text, so one reader ({@link ConntrackLogReader}) serves both;</li>
 *   <li><b>ulogd2 JSON</b> (NFCT input, JSON output), see {@link UlogdJsonReader}.</li>
 * </ul>
 * The format is recognised from the first non-blank line (a JSON object starts with '{'); a gzip file (magic
 * 1f 8b) is decompressed on the fly, whatever its name. Logs are streamed line by line.
 */
public final class FlowLogs {
    /** Recognised log formats. */
    public enum Format { CONNTRACK_TEXT, ULOGD_JSON }

    /** Called while reading: bytes of the file consumed so far (compressed bytes for .gz) of {@code totalBytes}. */
    @FunctionalInterface
    public interface Progress {
        void update(Path file, long bytesRead, long totalBytes, long events);

        Progress NONE = (f, r, t, e) -> { };
    }

    /** One log read in full. */
    public record Loaded(Path path, Format format, boolean gzip, List<ConntrackEvent> events, ParseReport report,
                         String notes) {
        public Loaded {
            events = List.copyOf(events);
        }
    }

    private FlowLogs() {}

    /** Opens one log; the caller closes the reader. */
    public static FlowLogReader open(Path file) throws IOException {
        return open(file, new long[1]).reader();
    }

    private record Opened(FlowLogReader reader, Format format, boolean gzip) {}

    private static Opened open(Path file, long[] bytesRead) throws IOException {
        InputStream raw = new Counting(Files.newInputStream(file), bytesRead);
        BufferedInputStream bin = new BufferedInputStream(raw, 1 << 16);
        bin.mark(2);
        boolean gzip = bin.read() == 0x1f && bin.read() == 0x8b;
        bin.reset();
        InputStream data = gzip ? new GZIPInputStream(bin, 1 << 16) : bin;
        BufferedReader r = new BufferedReader(new InputStreamReader(data, StandardCharsets.UTF_8), 1 << 16);
        Format f = sniff(r);
        FlowLogReader reader = f == Format.ULOGD_JSON
                ? new UlogdJsonReader(r, file.toString(), ZoneId.systemDefault())
                : new TextReader(ConntrackLogReader.of(r, file.toString()));
        return new Opened(reader, f, gzip);
    }

    private static Format sniff(BufferedReader r) throws IOException {
        r.mark(1 << 16);
        try {
            int c;
            int n = 0;
            while ((c = r.read()) >= 0 && n++ < (1 << 16) - 1) {
                if (!Character.isWhitespace(c)) {
                    return c == '{' ? Format.ULOGD_JSON : Format.CONNTRACK_TEXT;
                }
            }
            return Format.CONNTRACK_TEXT;
        } finally {
            r.reset();
        }
    }

    /** Reads one log in full. */
    public static Loaded read(Path file, Progress progress) throws IOException {
        List<ConntrackEvent> events = new ArrayList<>();
        Loaded l = scan(file, progress, events::add);
        return new Loaded(file, l.format(), l.gzip(), events, l.report(), l.notes());
    }

    /** Streams one log into {@code sink} (nothing is kept: the returned {@link Loaded} has no events). */
    public static Loaded scan(Path file, Progress progress, java.util.function.Consumer<ConntrackEvent> sink)
            throws IOException {
        long total = Files.size(file);
        long[] bytes = new long[1];
        Opened o = open(file, bytes);
        long n = 0;
        try (FlowLogReader r = o.reader()) {
            for (ConntrackEvent e = r.next(); e != null; e = r.next()) {
                sink.accept(e);
                if ((++n & 0xffff) == 0) {
                    progress.update(file, bytes[0], total, n);
                }
            }
            progress.update(file, total, total, n);
            return new Loaded(file, o.format(), o.gzip(), List.of(), r.report(), r.notes());
        }
    }

    /** A one-line account of a loaded log, with the first malformed lines (at most {@code examples}). */
    public static String describe(Loaded l, int examples) {
        ParseReport p = l.report();
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT,
                "%s: %s%s, %d lines, %d events (%d NEW, %d UPDATE, %d DESTROY)", l.path(),
                l.format() == Format.ULOGD_JSON ? "ulogd2 JSON" : "conntrack text", l.gzip() ? " (gzip)" : "",
                p.lines(), p.events(), p.newEvents(), p.updateEvents(), p.destroyEvents()));
        if (p.malformed() > 0) {
            sb.append(", ").append(p.malformed()).append(" malformed lines skipped");
        }
        if (p.overrunWarnings() > 0) {
            sb.append(", ").append(p.overrunWarnings()).append(" ENOBUFS overruns (events lost there)");
        }
        if (!l.notes().isEmpty()) {
            sb.append(", ").append(l.notes());
        }
        for (ParseReport.MalformedLine m : p.firstMalformed().subList(0, Math.min(examples,
                p.firstMalformed().size()))) {
            sb.append(String.format("%n  line %d: %s: %s", m.lineNumber(), m.reason(), m.text()));
        }
        if (p.malformed() > examples && examples > 0) {
            sb.append(String.format("%n  … %d more", p.malformed() - Math.min(examples, p.firstMalformed().size())));
        }
        return sb.toString();
    }

    /** {@link ConntrackLogReader} as a {@link FlowLogReader}. */
    private record TextReader(ConntrackLogReader r) implements FlowLogReader {
        @Override
        public ConntrackEvent next() throws IOException {
            return r.next();
        }

        @Override
        public long lineNumber() {
            return r.lineNumber();
        }

        @Override
        public ParseReport report() {
            return r.report();
        }

        @Override
        public void close() throws IOException {
            r.close();
        }
    }

    private static final class Counting extends FilterInputStream {
        private final long[] count;

        Counting(InputStream in, long[] count) {
            super(in);
            this.count = count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count[0]++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count[0] += n;
            }
            return n;
        }
    }
}
