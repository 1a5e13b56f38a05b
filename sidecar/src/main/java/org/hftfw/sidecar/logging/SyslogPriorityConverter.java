package org.hftfw.sidecar.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %syslogprio}: the event's syslog priority as a {@code <N>} prefix (sd-daemon(3)): journald reads it off each
 * line of a service's stderr ({@code SyslogLevelPrefix=yes}, the default) and stores the line at that priority, so
 * {@code journalctl -p warning} shows the daemon's warnings and errors.
 */
public final class SyslogPriorityConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return prefix(event.getLevel());
    }

    static String prefix(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> "<3>";
            case Level.WARN_INT -> "<4>";
            case Level.INFO_INT -> "<6>";
            default -> "<7>";
        };
    }
}
