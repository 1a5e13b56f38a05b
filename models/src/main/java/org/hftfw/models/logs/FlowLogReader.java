package org.hftfw.models.logs;

import java.io.Closeable;
import java.io.IOException;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.log.ParseReport;

/** A stream of conntrack events out of one flow log, with counts of what was read and skipped. */
public interface FlowLogReader extends Closeable {
    /** The next event, or null at the end of the log. */
    ConntrackEvent next() throws IOException;

    /** Lines read so far. */
    long lineNumber();

    /** Counts so far (final at the end): events by type, malformed lines with line numbers and reasons. */
    ParseReport report();

    /** Anything else worth telling the user about this log (empty when nothing). */
    default String notes() {
        return "";
    }
}
