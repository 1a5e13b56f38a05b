package org.hftfw.conntrack.log;

import java.util.List;

/**
 * What a pass over a conntrack text log found.
 *
 * @param lines           lines read
 * @param newEvents       [NEW] lines parsed
 * @param updateEvents    [UPDATE] lines parsed
 * @param destroyEvents   [DESTROY] lines parsed
 * @param entries         flow lines without an event tag ({@code conntrack -L} output)
 * @param ignoredLines    blank lines and messages of the conntrack tool
 * @param overrunWarnings ENOBUFS warnings of {@code conntrack -E}: events were lost at those points
 * @param malformed       lines that could not be parsed (skipped; reading went on)
 * @param firstMalformed  the first {@link #MAX_EXAMPLES} malformed lines with their line number and reason
 */
public record ParseReport(long lines, long newEvents, long updateEvents, long destroyEvents, long entries,
                          long ignoredLines, long overrunWarnings, long malformed, List<MalformedLine> firstMalformed) {
    public static final int MAX_EXAMPLES = 100;

    public ParseReport {
        firstMalformed = List.copyOf(firstMalformed);
    }

    /** A line that could not be parsed. {@code text} is cut to 200 characters. */
    public record MalformedLine(long lineNumber, String reason, String text) {}

    public long events() {
        return newEvents + updateEvents + destroyEvents;
    }

    /** True when every line was a flow, blank or a tool message, and no events were lost. */
    public boolean clean() {
        return malformed == 0 && overrunWarnings == 0;
    }
}
