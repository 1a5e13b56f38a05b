package org.hftfw.sidecar.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

/**
 * Log text that quotes input is one bounded line of printable text per line written: messages, and (issue 14 review
 * G4) the messages and frames of a stack trace in the daemon's layout.
 */
class SafeTextTest {
    @Test
    void plainTextIsUntouched() {
        String m = "committed 3 flows in 2 ms: 3 created, 0 updated — ok";
        assertSame(m, SafeText.line(m));
    }

    @Test
    void controlBytesAreEscapedSoOneEventIsOneLine() {
        assertEquals("unknown command 'x\\nFAKE ERROR line\\x1b[2J\\t\\r'",
                SafeText.line("unknown command 'x\nFAKE ERROR line\u001b[2J\t\r'"));
        assertEquals("a\\x7fb\\x85c", SafeText.line("a\u007fb\u0085c"));
    }

    @Test
    void aHugeMessageIsCut() {
        String huge = "y".repeat(50_000_000);
        String out = SafeText.line(huge);
        assertTrue(out.length() < SafeText.MAX_CHARS + 64, "length " + out.length());
        assertTrue(out.endsWith("… (" + (50_000_000 - SafeText.MAX_CHARS) + " more characters not logged)"), out.substring(4000));
    }

    @Test
    void aThrowablesMessageInTheLayoutIsEscapedAndCut() {
        String hostile = "\u001b[2J\u001b[1;1H\n12:00:00.000 INFO  [main] o.h.s.s.SyncDaemon - forged line\n"
                + "x".repeat(5_000_000);
        Exception thrown = new IllegalStateException("wrapped", new IllegalArgumentException(hostile));
        thrown.addSuppressed(new java.io.IOException("suppressed\u001b[31m"));
        String line = layout(thrown);
        assertFalse(line.contains("\u001b"), "no raw ESC");
        assertFalse(line.contains("\n12:00:00.000 INFO  [main] o.h.s.s.SyncDaemon - forged line"), "no forged line");
        assertTrue(line.contains("\nCaused by: java.lang.IllegalArgumentException: \\x1b[2J\\x1b[1;1H\\n12:00:00.000"),
                line.substring(0, 2000));
        assertTrue(line.contains("\n\tSuppressed: java.io.IOException: suppressed\\x1b[31m\n"), line.substring(0, 2000));
        assertTrue(line.contains("\n\tat org.hftfw.sidecar.logging.SafeTextTest."), line.substring(0, 2000));
        assertTrue(line.length() < 64_000, "bounded: " + line.length());
    }

    @Test
    void aLongChainOfCausesIsCutToABoundedNumberOfLines() {
        Throwable t = new RuntimeException("root");
        for (int i = 0; i < 2_000; i++) {
            t = new RuntimeException("level " + i, t);
        }
        String line = layout(t);
        long lines = line.lines().count();
        assertTrue(lines <= SafeText.MAX_TRACE_LINES + 2, lines + " lines");
        assertTrue(line.strip().endsWith("more stack trace lines not logged)"), line.substring(line.length() - 200));
    }

    private static String layout(Throwable thrown) {
        LoggerContext context = new LoggerContext();
        Logger logger = context.getLogger("org.hftfw.sidecar.sync.ControlServer");
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, "control command '{}' failed",
                thrown, new Object[] {"stats"});
        e.setThreadName("main");
        return new LineLayout(false).doLayout(e);
    }
}
