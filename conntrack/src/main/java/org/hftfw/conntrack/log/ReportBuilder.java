package org.hftfw.conntrack.log;

import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.ConntrackException.MalformedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts what the readers see; one per reader, used by one thread. */
final class ReportBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(ReportBuilder.class);
    private static final int LOGGED = 10;

    private final String source;
    long lines;
    long newEvents;
    long updateEvents;
    long destroyEvents;
    long entries;
    long ignored;
    long overrunWarnings;
    long malformed;
    private final List<ParseReport.MalformedLine> examples = new ArrayList<>();

    ReportBuilder(String source) {
        this.source = source;
    }

    /** Parses one line and counts the result; returns the flow, or null for ignored and malformed lines. */
    ParsedLine.Flow accept(String line) {
        lines++;
        ParsedLine parsed;
        try {
            parsed = ConntrackLineGrammar.parse(line);
        } catch (MalformedException | IllegalArgumentException e) {
            malformed(e.getMessage(), line);
            return null;
        }
        return switch (parsed) {
            case ParsedLine.Ignored ig -> {
                ignored++;
                if (ig.overrunWarning()) {
                    overrunWarnings++;
                    LOG.warn("{}:{}: conntrack reported ENOBUFS here; events were lost", source, lines);
                }
                yield null;
            }
            case ParsedLine.Flow f -> {
                if (f.type() == null) {
                    entries++;
                } else {
                    switch (f.type()) {
                        case NEW -> newEvents++;
                        case UPDATE -> updateEvents++;
                        case DESTROY -> destroyEvents++;
                    }
                }
                yield f;
            }
        };
    }

    /** Counts a line as malformed with a reason. */
    void malformed(String reason, String line) {
        malformed++;
        if (examples.size() < ParseReport.MAX_EXAMPLES) {
            String text = line.length() > 200 ? line.substring(0, 200) : line;
            examples.add(new ParseReport.MalformedLine(lines, reason, text));
        }
        if (malformed <= LOGGED) {
            LOG.warn("{}:{}: skipped malformed line: {}", source, lines, reason);
        } else {
            LOG.debug("{}:{}: skipped malformed line: {}", source, lines, reason);
        }
    }

    /** Undoes the counting of a flow line that the caller rejects (e.g. an untagged line in an event log). */
    void reclassifyAsMalformed(ParsedLine.Flow f, String reason, String line) {
        if (f.type() == null) {
            entries--;
        } else {
            switch (f.type()) {
                case NEW -> newEvents--;
                case UPDATE -> updateEvents--;
                case DESTROY -> destroyEvents--;
            }
        }
        malformed(reason, line);
    }

    ParseReport build() {
        return new ParseReport(lines, newEvents, updateEvents, destroyEvents, entries, ignored, overrunWarnings,
                malformed, examples);
    }
}
