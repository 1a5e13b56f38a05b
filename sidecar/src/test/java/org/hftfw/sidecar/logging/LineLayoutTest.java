package org.hftfw.sidecar.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.time.LocalDateTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LineLayoutTest {
    private final LoggerContext context = new LoggerContext();

    private LoggingEvent event(Level level, String message, Throwable t) {
        Logger logger = context.getLogger("org.hftfw.sidecar.sync.SyncDaemon");
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, level, message, t, null);
        e.setThreadName("main");
        e.setTimeStamp(LocalDateTime.of(2026, 12, 7, 9, 5, 3, 7_000_000).atZone(ZoneId.systemDefault()).toInstant()
                .toEpochMilli());
        return e;
    }

    @Test
    void aTerminalLineHasTheTimeLevelThreadAbbreviatedLoggerAndEscapedMessage() {
        String line = new LineLayout(false).doLayout(event(Level.INFO, "two\nlines", null));
        assertEquals("09:05:03.007 INFO  [main] o.h.s.s.SyncDaemon - two\\nlines" + System.lineSeparator(), line);
    }

    @Test
    void aJournalLineHasTheSyslogPriorityAndNoTime() {
        String line = new LineLayout(true).doLayout(event(Level.WARN, "careful", null));
        assertEquals("<4>WARN  [main] o.h.s.s.SyncDaemon - careful" + System.lineSeparator(), line);
    }

    @Test
    void aStackTraceFollowsOnItsOwnLines() {
        String line = new LineLayout(false).doLayout(event(Level.ERROR, "failed", new IllegalStateException("why")));
        java.util.List<String> lines = line.lines().toList();
        assertTrue(lines.get(0).endsWith("ERROR [main] o.h.s.s.SyncDaemon - failed"), lines.get(0));
        assertEquals("java.lang.IllegalStateException: why", lines.get(1));
        assertTrue(lines.get(2).startsWith("\tat org.hftfw.sidecar.logging.LineLayoutTest"), lines.get(2));
    }

    /** The process's own set-up came from LogSetup (found as a service), not from logback's defaults. */
    @Test
    void theProcessLogsToStderrThroughTheLineLayout() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ConsoleAppender<?> stderr = assertInstanceOf(ConsoleAppender.class, root.getAppender("STDERR"));
        assertEquals("System.err", stderr.getTarget());
        assertEquals(Level.WARN, ((Logger) LoggerFactory.getLogger("io.netty")).getLevel());
    }
}
