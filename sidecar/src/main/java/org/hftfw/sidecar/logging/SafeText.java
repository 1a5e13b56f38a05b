package org.hftfw.sidecar.logging;

import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.CoreConstants;
import java.util.Locale;

/**
 * Text the daemon writes to its log or stderr that quotes what the network, files and users hand it: a forged
 * datagram's reason, a config value, a control command, an exception's message. A raw control byte could rewrite a
 * terminal or forge a second log line, and a 50 MB value would be echoed whole, so every such text goes through
 * here: {@link #line} escapes control characters ({@code \n}, {@code \t}, {@code \x1b}, …) and cuts at
 * {@link #MAX_CHARS} with a note of how much was left out; {@link #stackTrace} lays a throwable out as logback does
 * (class and message, {@code at} frames, {@code Caused by:} and {@code Suppressed:}), with every line passed
 * through {@link #line} and at most {@link #MAX_TRACE_LINES} lines.
 */
public final class SafeText {
    static final int MAX_CHARS = 4096;
    static final int MAX_TRACE_LINES = 256;

    private SafeText() {}

    /** {@code m} as one bounded line of printable text ({@code "null"} for null). */
    public static String line(String m) {
        if (m == null) {
            return "null";
        }
        int n = Math.min(m.length(), MAX_CHARS);
        StringBuilder sb = null;
        for (int i = 0; i < n; i++) {
            char c = m.charAt(i);
            boolean control = c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0);
            if (control && sb == null) {
                sb = new StringBuilder(n + 16).append(m, 0, i);
            }
            if (sb != null) {
                if (!control) {
                    sb.append(c);
                } else {
                    switch (c) {
                        case '\n' -> sb.append("\\n");
                        case '\r' -> sb.append("\\r");
                        case '\t' -> sb.append("\\t");
                        default -> sb.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
                    }
                }
            }
        }
        String out = sb == null ? (n == m.length() ? m : m.substring(0, n)) : sb.toString();
        return n == m.length() ? out : out + "… (" + (m.length() - n) + " more characters not logged)";
    }

    /** {@code thrown}'s stack trace, one escaped line per frame, each line ended by the line separator. */
    static String stackTrace(IThrowableProxy thrown) {
        Trace t = new Trace();
        t.add(thrown, "", 0);
        if (t.left > 0) {
            t.sb.append("… (").append(t.left).append(" more stack trace lines not logged)")
                    .append(CoreConstants.LINE_SEPARATOR);
        }
        return t.sb.toString();
    }

    /** A stack trace being laid out: the lines written, then a count of those left out. */
    private static final class Trace {
        final StringBuilder sb = new StringBuilder(256);
        int lines;
        long left;

        /** {@code tp} and its causes, a loop over the causes: a chain thousands deep must not overflow the stack. */
        void add(IThrowableProxy tp, String caption, int indent) {
            String cap = caption;
            for (IThrowableProxy c = tp; c != null; c = c.getCause(), cap = "Caused by: ") {
                String m = c.getMessage();
                line(indent, cap + c.getClassName() + (m == null ? "" : ": " + m));
                if (c.isCyclic()) {
                    return;
                }
                StackTraceElementProxy[] frames = c.getStackTraceElementProxyArray();
                int common = c.getCommonFrames();
                for (int i = 0; i < frames.length - common; i++) {
                    line(indent + 1, frames[i].getSTEAsString());
                }
                if (common > 0) {
                    line(indent + 1, "... " + common + " common frames omitted");
                }
                IThrowableProxy[] suppressed = c.getSuppressed();
                if (suppressed != null) {
                    for (IThrowableProxy s : suppressed) {
                        add(s, "Suppressed: ", indent + 1);
                    }
                }
            }
        }

        private void line(int indent, String text) {
            if (lines == MAX_TRACE_LINES) {
                left++;
                return;
            }
            lines++;
            sb.append("\t".repeat(indent)).append(SafeText.line(text)).append(CoreConstants.LINE_SEPARATOR);
        }
    }
}
