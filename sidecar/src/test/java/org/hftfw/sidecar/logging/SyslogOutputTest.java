package org.hftfw.sidecar.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.sidecar.systemd.FakeNotifySocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class SyslogOutputTest {
    private static final String PID = String.valueOf(ProcessHandle.current().pid());

    @Test
    void aRecordIsWhatSyslog3SendsWithTheLinesLevelAsSeverity() throws Exception {
        SyslogAppender a = new SyslogAppender("/nonexistent/log", "daemon", s -> {});
        try {
            LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
            LocalDateTime t = LocalDateTime.of(2026, 12, 7, 9, 5, 3);
            LoggingEvent e = new LoggingEvent("x", ctx.getLogger("org.hftfw.sync.SyncNode"), Level.WARN,
                    "peer {} silent\nforged", null, new Object[] {"10.0.99.2"});
            e.setTimeStamp(t.atZone(ZoneId.systemDefault()).toInstant().toEpochMilli());
            e.setThreadName("ftfw");
            // daemon (3) * 8 + warning (4); the day space-padded; the message's line break escaped: one record
            assertEquals("<28>Dec  7 09:05:03 hftfw[" + PID + "]: WARN  [ftfw] o.h.sync.SyncNode - peer 10.0.99.2 "
                    + "silent\\nforged", a.record(e));
            LoggingEvent err = new LoggingEvent("x", ctx.getLogger("org.hftfw.sync.SyncNode"), Level.ERROR, "failed",
                    new IllegalStateException("boom"), null);
            err.setTimeStamp(e.getTimeStamp());
            assertTrue(a.record(err).startsWith("<27>Dec  7 09:05:03 "), a.record(err));
            assertTrue(a.record(err).endsWith(" - failed (java.lang.IllegalStateException: boom)"), a.record(err));
            assertEquals(6, SyslogAppender.severity(Level.INFO));
            assertEquals(7, SyslogAppender.severity(Level.TRACE));
        } finally {
            a.stop();
        }
    }

    @Test
    void linesReachTheSocketTheConfigNamesUntilAReloadTakesItAway(@TempDir Path dir) throws Exception {
        String socket = dir.resolve("log").toString();
        Logger log = (Logger) LoggerFactory.getLogger("org.hftfw.test.syslogoutput");
        List<String> problems = new ArrayList<>();
        SyslogOutput out = new SyslogOutput(problems::add);
        try (FakeNotifySocket syslogd = new FakeNotifySocket(socket, Duration.ofSeconds(5))) {
            out.apply(socket, "local3");
            assertTrue(syslogd.receiveUntil("logging to syslog at " + socket + " (facility local3) too") != null,
                    "the switch itself is logged there");
            log.warn("a warning for syslog");
            String record = syslogd.receiveUntil("a warning for syslog");
            // local3 (19) * 8 + warning (4)
            assertTrue(record != null && record.startsWith("<156>") && record.contains(" hftfw[" + PID + "]: WARN  [")
                    && record.endsWith("o.h.t.syslogoutput - a warning for syslog"), String.valueOf(record));
            out.apply("", "local3");
            log.warn("after the reload");
            assertNull(syslogd.receiveUntil("after the reload"), "a reload without log.syslog stops the output");
        } finally {
            out.apply("", "daemon");
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void aSocketWithNoSyslogDaemonIsReportedOnceAndItsLinesDropped(@TempDir Path dir) throws Exception {
        String socket = dir.resolve("nobody-listens").toString();
        Logger log = (Logger) LoggerFactory.getLogger("org.hftfw.test.syslogoutput");
        List<String> problems = new ArrayList<>();
        SyslogOutput out = new SyslogOutput(problems::add);
        try {
            out.apply(socket, "daemon");
            log.warn("one");
            log.warn("two");
        } finally {
            out.apply("", "daemon");
        }
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().startsWith("hftfw: syslog socket " + socket + " refused a log line (sendto "
                + "failed: errno "), problems.getFirst());
    }
}
