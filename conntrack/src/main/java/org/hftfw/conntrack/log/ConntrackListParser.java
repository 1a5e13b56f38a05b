package org.hftfw.conntrack.log;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.function.Consumer;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackException.MalformedException;

/**
 * Parses {@code conntrack -L} output (default, {@code -o extended}, {@code -o id} and combinations) into
 * entries, with the same tuple grammar as the event log ({@link ConntrackLineGrammar}). Useful to compare a
 * table with what the conntrack tool shows. An event tag on a line is accepted and ignored.
 */
public final class ConntrackListParser {
    private ConntrackListParser() {}

    /**
     * Parses one line.
     *
     * @throws MalformedException when the line is not a flow line
     */
    public static ConntrackEntry parseLine(String line) {
        ParsedLine parsed = ConntrackLineGrammar.parse(line);
        if (parsed instanceof ParsedLine.Flow f) {
            return f.entry();
        }
        throw new MalformedException("not a flow line");
    }

    /** Streams every entry of a listing to {@code sink}; malformed lines are counted in the report and skipped. */
    public static ParseReport read(Reader in, Consumer<? super ConntrackEntry> sink) throws IOException {
        BufferedReader r = in instanceof BufferedReader br ? br : new BufferedReader(in, 1 << 16);
        ReportBuilder report = new ReportBuilder("conntrack -L");
        String line;
        while ((line = r.readLine()) != null) {
            ParsedLine.Flow f = report.accept(line);
            if (f != null) {
                sink.accept(f.entry());
            }
        }
        return report.build();
    }
}
