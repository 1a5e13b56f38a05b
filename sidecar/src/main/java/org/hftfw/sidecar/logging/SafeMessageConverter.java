package org.hftfw.sidecar.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %safemsg}: the log message as one bounded line of printable text ({@link SafeText#line}), for a logback
 * file of the operator's own. {@link LineLayout}, the daemon's own layout, escapes stack traces the same way.
 */
public final class SafeMessageConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return SafeText.line(event.getFormattedMessage());
    }
}
