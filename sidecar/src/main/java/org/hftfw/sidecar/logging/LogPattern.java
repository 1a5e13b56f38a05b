package org.hftfw.sidecar.logging;

import ch.qos.logback.core.PropertyDefinerBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The log line layout, chosen once at start-up: {@link LineLayout} writes it, and a logback file given with
 * {@code -Dlogback.configurationFile} can have it as a pattern ({@code <define name="hftfwLogPattern"
 * class="org.hftfw.sidecar.logging.LogPattern"/>}, with the {@code safemsg} and {@code syslogprio} conversion rules).
 * On a terminal or in a file:
 * a time, the level, the thread, the logger, the message. Under systemd with stderr connected to the journal
 * ({@code JOURNAL_STREAM} names stderr's device and inode, as systemd.exec(5) says to check): no time, as journald
 * stamps every line itself, and a {@code <N>} syslog priority prefix ({@link SyslogPriorityConverter}).
 */
public final class LogPattern extends PropertyDefinerBase {
    static final String TERMINAL = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %safemsg%n";
    static final String JOURNAL = "%syslogprio%-5level [%thread] %logger{20} - %safemsg%n";

    @Override
    public String getPropertyValue() {
        return forStderr(System.getenv("JOURNAL_STREAM"), Path.of("/proc/self/fd/2"));
    }

    /** The pattern for a process whose stderr is {@code stderr}, given its {@code JOURNAL_STREAM} (or null). */
    static String forStderr(String journalStream, Path stderr) {
        return isJournal(journalStream, stderr) ? JOURNAL : TERMINAL;
    }

    /** True when {@code journalStream} ("DEVICE:INODE", decimal) is the file {@code stderr} leads to. */
    static boolean isJournal(String journalStream, Path stderr) {
        if (journalStream == null) {
            return false;
        }
        int colon = journalStream.indexOf(':');
        if (colon <= 0) {
            return false;
        }
        try {
            long dev = Long.parseLong(journalStream.substring(0, colon).trim());
            long ino = Long.parseLong(journalStream.substring(colon + 1).trim());
            return ((Number) Files.getAttribute(stderr, "unix:dev")).longValue() == dev
                    && ((Number) Files.getAttribute(stderr, "unix:ino")).longValue() == ino;
        } catch (NumberFormatException | IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
