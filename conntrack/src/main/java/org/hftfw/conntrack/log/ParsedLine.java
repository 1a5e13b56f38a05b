package org.hftfw.conntrack.log;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;

/** What one line of {@code conntrack -E} / {@code conntrack -L} text output holds. */
sealed interface ParsedLine {

    /**
     * A flow line.
     *
     * @param type        the event tag, or null for a {@code conntrack -L} line
     * @param epochMicros the {@code -o timestamp} prefix in µs since the epoch, or -1 when absent
     */
    record Flow(EventType type, long epochMicros, ConntrackEntry entry) implements ParsedLine {}

    /**
     * A line that is not a flow but is expected in a capture: blank, or a message of the conntrack tool
     * ("conntrack v1.4.7 (conntrack-tools): 15 flow events have been shown.", the ENOBUFS warning, ...).
     *
     * @param overrunWarning the tool reported ENOBUFS here: events were lost at this point of the log
     */
    record Ignored(boolean overrunWarning) implements ParsedLine {}
}
