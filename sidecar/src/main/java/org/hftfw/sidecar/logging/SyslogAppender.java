package org.hftfw.sidecar.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.hftfw.sidecar.systemd.UnixDatagram;

/**
 * Sends each log line as one datagram to the local syslog daemon's socket ({@code log.syslog}, usually
 * {@code /dev/log}: rsyslog, syslog-ng, or journald's own), in the form glibc's {@code syslog(3)} sends, which every
 * one of them reads: {@code <PRI>Mmm dd hh:mm:ss hftfw[PID]: LEVEL [thread] logger - message}. PRI is facility × 8 +
 * severity (RFC 3164 §4.1.1; ERROR 3, WARN 4, INFO 6, DEBUG and TRACE 7, as on the journal's stderr lines). A stack
 * trace is cut to its first line (the exception and its message): a syslog record is one line.
 *
 * <p>A line the socket refuses (no syslog daemon, or one restarting) is dropped, not retried: logging must not stall
 * the event loop. The first refusal after a success is reported once on stderr ({@code problems}), so an operator who
 * asked for syslog learns why nothing arrives there, and the stderr lines go on as before.
 */
final class SyslogAppender extends AppenderBase<ILoggingEvent> {
    /** The facility names syslog.conf uses, and their codes (RFC 3164 §4.1.1, Linux's syslog.h). */
    static final Map<String, Integer> FACILITIES = Map.ofEntries(Map.entry("kern", 0), Map.entry("user", 1),
            Map.entry("mail", 2), Map.entry("daemon", 3), Map.entry("auth", 4), Map.entry("syslog", 5),
            Map.entry("lpr", 6), Map.entry("news", 7), Map.entry("uucp", 8), Map.entry("cron", 9),
            Map.entry("authpriv", 10), Map.entry("ftp", 11), Map.entry("local0", 16), Map.entry("local1", 17),
            Map.entry("local2", 18), Map.entry("local3", 19), Map.entry("local4", 20), Map.entry("local5", 21),
            Map.entry("local6", 22), Map.entry("local7", 23));
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
        "Nov", "Dec"};

    private final String socket;
    private final UnixDatagram out;
    private final int facility;
    private final String tag;
    private final LineLayout layout = new LineLayout(true);
    private final ZoneId zone = ZoneId.systemDefault();
    private final Consumer<String> problems;
    private boolean failing;
    private long dropped;

    /**
     * @param socket   the syslog daemon's UNIX datagram socket
     * @param facility a name from {@link #FACILITIES}
     * @param problems where the first refused line after a success is reported (stderr)
     */
    SyslogAppender(String socket, String facility, Consumer<String> problems) throws IOException {
        Integer code = FACILITIES.get(facility.toLowerCase(Locale.ROOT));
        if (code == null) {
            throw new IllegalArgumentException("unknown syslog facility '" + facility + "'");
        }
        this.socket = socket;
        this.facility = code;
        this.out = new UnixDatagram(socket);
        this.tag = "hftfw[" + ProcessHandle.current().pid() + "]: ";
        this.problems = problems;
        setName("SYSLOG");
    }

    /** The record for {@code event}, as sent. */
    String record(ILoggingEvent event) {
        StringBuilder sb = new StringBuilder(160);
        sb.append('<').append(facility * 8 + severity(event.getLevel())).append('>');
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochMilli(event.getTimeStamp()), zone);
        sb.append(MONTHS[t.getMonthValue() - 1]).append(' ');
        if (t.getDayOfMonth() < 10) {
            sb.append(' ');
        }
        sb.append(t.getDayOfMonth()).append(' ');
        sb.append(String.format(Locale.ROOT, "%02d:%02d:%02d ", t.getHour(), t.getMinute(), t.getSecond()));
        sb.append(tag);
        layout.body(sb, event);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            sb.append(" (").append(thrown.getClassName()).append(": ")
                    .append(SafeText.line(thrown.getMessage())).append(')');
        }
        return sb.toString();
    }

    static int severity(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> 3;
            case Level.WARN_INT -> 4;
            case Level.INFO_INT -> 6;
            default -> 7;
        };
    }

    @Override
    protected void append(ILoggingEvent event) {
        try {
            out.send(record(event).getBytes(StandardCharsets.UTF_8));
            if (failing) {
                problems.accept("hftfw: syslog socket " + socket + " takes log lines again (" + dropped
                        + " dropped)");
                failing = false;
                dropped = 0;
            }
        } catch (IOException e) {
            dropped++;
            if (!failing) {
                failing = true;
                problems.accept("hftfw: syslog socket " + socket + " refused a log line (" + e.getMessage()
                        + "): lines are dropped there until it takes them again; stderr has every line");
            }
        }
    }

    @Override
    public void stop() {
        super.stop();
        out.close();
    }
}
