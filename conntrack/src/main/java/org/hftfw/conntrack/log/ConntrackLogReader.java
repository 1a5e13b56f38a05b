package org.hftfw.conntrack.log;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Consumer;
import org.hftfw.conntrack.ConntrackEvent;

/**
 * Streams {@link ConntrackEvent}s out of a {@code conntrack -E} text log, one line at a time (a log of any
 * length is never held in memory).
 *
 * <p>Accepted: the default output and any combination of {@code -o timestamp}, {@code -o id},
 * {@code -o extended} and {@code -o ktimestamp} (grammar in {@link ConntrackLineGrammar}). Blank lines and the
 * tool's own messages are skipped; its ENOBUFS warning is counted in {@link ParseReport#overrunWarnings()}.
 * A line that cannot be parsed, or a flow line without an event tag, is counted as malformed with its line
 * number and reason and skipped; reading goes on. {@code -o xml} is not supported (its ICMP tuples have no
 * type/code/id and its timestamps are whole local-time seconds): such lines are reported as malformed.
 *
 * <p>Time: {@code epochMicros} is the {@code [sec.usec]} prefix (when the receiving conntrack process got the
 * event). {@code monotonicNanos} is {@code epochMicros * 1000}: the log's own wall-clock time base, so
 * differences between replayed events are the recorded ones; only differences are meaningful. Lines without
 * a timestamp prefix get 0 for both.
 */
public final class ConntrackLogReader implements Closeable, Iterable<ConntrackEvent> {
    private final BufferedReader in;
    private final ReportBuilder report;
    private ConntrackEvent lookahead;
    private boolean iterated;

    private ConntrackLogReader(Reader in, String sourceName) {
        this.in = in instanceof BufferedReader br ? br : new BufferedReader(in, 1 << 16);
        this.report = new ReportBuilder(sourceName);
    }

    /** A reader over a UTF-8 log file. */
    public static ConntrackLogReader open(Path file) throws IOException {
        return new ConntrackLogReader(Files.newBufferedReader(file, StandardCharsets.UTF_8), file.toString());
    }

    /** A reader over any character stream; {@code sourceName} appears in log messages. */
    public static ConntrackLogReader of(Reader in, String sourceName) {
        return new ConntrackLogReader(Objects.requireNonNull(in, "in"), sourceName);
    }

    /** The next event, or null at the end of the log. */
    public ConntrackEvent next() throws IOException {
        if (lookahead != null) {
            ConntrackEvent e = lookahead;
            lookahead = null;
            return e;
        }
        String line;
        while ((line = in.readLine()) != null) {
            ParsedLine.Flow f = report.accept(line);
            if (f == null) {
                continue;
            }
            if (f.type() == null) {
                report.reclassifyAsMalformed(f, "flow line without [NEW]/[UPDATE]/[DESTROY] tag (conntrack -L output?)", line);
                continue;
            }
            long micros = Math.max(f.epochMicros(), 0);
            return new ConntrackEvent(f.type(), f.entry(), micros * 1_000L, micros);
        }
        return null;
    }

    /** Feeds every remaining event to {@code sink}; returns how many. */
    public long readAll(Consumer<? super ConntrackEvent> sink) throws IOException {
        long n = 0;
        for (ConntrackEvent e = next(); e != null; e = next()) {
            sink.accept(e);
            n++;
        }
        return n;
    }

    /**
     * The remaining events as a single-use iterator; an {@link IOException} while reading surfaces as
     * {@link UncheckedIOException}.
     */
    @Override
    public Iterator<ConntrackEvent> iterator() {
        if (iterated) {
            throw new IllegalStateException("a ConntrackLogReader can be iterated once");
        }
        iterated = true;
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                if (lookahead == null) {
                    try {
                        lookahead = ConntrackLogReader.this.next();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return lookahead != null;
            }

            @Override
            public ConntrackEvent next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                ConntrackEvent e = lookahead;
                lookahead = null;
                return e;
            }
        };
    }

    /** ENOBUFS warnings seen so far (cheaper than {@link #report()} for a per-event check). */
    long overrunWarnings() {
        return report.overrunWarnings;
    }

    /** Lines read so far. */
    public long lineNumber() {
        return report.lines;
    }

    /** The counts so far (final once {@link #next()} has returned null). */
    public ParseReport report() {
        return report.build();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
