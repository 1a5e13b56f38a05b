package org.hftfw.sidecar.logging;

import ch.qos.logback.classic.pattern.TargetLengthBasedClassNameAbbreviator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;

/**
 * One log line, as {@link LogPattern}'s patterns lay it out, without logback's pattern machinery: on a terminal or
 * in a file {@code HH:mm:ss.SSS LEVEL [thread] logger - message} ({@link LogPattern#TERMINAL}); under systemd with
 * stderr on the journal {@code <N>LEVEL [thread] logger - message} ({@link LogPattern#JOURNAL}: journald stamps the
 * time and reads the syslog priority). The message is {@link SafeText#line escaped and bounded}, the logger name
 * abbreviated to 20 characters, a stack trace follows on its own lines, each escaped and their number bounded
 * ({@link SafeText#stackTrace}: an exception's message may quote input too).
 */
final class LineLayout extends LayoutBase<ILoggingEvent> {
    private static final int LOGGER_CHARS = 20;
    private final boolean journal;
    private final ZoneId zone = ZoneId.systemDefault();
    private final TargetLengthBasedClassNameAbbreviator abbreviator =
            new TargetLengthBasedClassNameAbbreviator(LOGGER_CHARS);

    LineLayout(boolean journal) {
        this.journal = journal;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder sb = new StringBuilder(128);
        if (journal) {
            sb.append(SyslogPriorityConverter.prefix(event.getLevel()));
        } else {
            LocalTime t = LocalTime.ofInstant(Instant.ofEpochMilli(event.getTimeStamp()), zone);
            two(sb, t.getHour()).append(':');
            two(sb, t.getMinute()).append(':');
            two(sb, t.getSecond()).append('.');
            int ms = t.getNano() / 1_000_000;
            sb.append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10)).append((char) ('0' + ms % 10))
                    .append(' ');
        }
        body(sb, event).append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            sb.append(SafeText.stackTrace(thrown));
        }
        return sb.toString();
    }

    /** {@code LEVEL [thread] logger - message}: what every line says after its time or priority. */
    StringBuilder body(StringBuilder sb, ILoggingEvent event) {
        String level = event.getLevel().toString();
        sb.append(level);
        for (int i = level.length(); i < 5; i++) {
            sb.append(' ');
        }
        return sb.append(" [").append(event.getThreadName()).append("] ")
                .append(abbreviator.abbreviate(event.getLoggerName())).append(" - ")
                .append(SafeText.line(event.getFormattedMessage()));
    }

    private static StringBuilder two(StringBuilder sb, int v) {
        return sb.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
    }
}
