package org.hftfw.sidecar.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %safemsg}: the log message as one bounded line of printable text. Messages quote what the network and
 * files hand the daemon (a forged datagram's reason, a config value, a control command), so a raw control byte
 * could rewrite a terminal or forge a second log line, and a 50 MB value would be echoed whole. Control characters
 * are escaped ({@code \n}, {@code \t}, {@code \x1b}, …) and the message is cut at {@link #MAX_CHARS} with a note of
 * how much was left out. Stack traces still follow on their own lines ({@code %ex}).
 */
public final class SafeMessageConverter extends ClassicConverter {
    static final int MAX_CHARS = 4096;

    @Override
    public String convert(ILoggingEvent event) {
        return escape(event.getFormattedMessage());
    }

    static String escape(String m) {
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
                        default -> sb.append(String.format("\\x%02x", (int) c));
                    }
                }
            }
        }
        String out = sb == null ? (n == m.length() ? m : m.substring(0, n)) : sb.toString();
        return n == m.length() ? out : out + "… (" + (m.length() - n) + " more characters not logged)";
    }
}
