package org.hftfw.ftfw;

import org.hftfw.common.Clock;

/**
 * At most one log line per interval for one kind of event: {@link #due} says whether to write the line now, and
 * {@link #suppressed} how many events went unlogged before it. Asking is free of allocation, so an event that a
 * flood can trigger costs a comparison, not a log storm. Single-threaded (the channel's event loop).
 */
final class LogLimiter {
    private final Clock clock;
    private final long intervalNanos;
    private long lastNanos;
    private boolean logged;
    private long suppressed;
    private long suppressedAtLastLine;

    LogLimiter(Clock clock, long intervalNanos) {
        this.clock = clock;
        this.intervalNanos = intervalNanos;
    }

    /** Records one event; true when its line is to be written now. */
    boolean due() {
        long now = clock.nanos();
        if (!logged || now - lastNanos >= intervalNanos) {
            logged = true;
            lastNanos = now;
            suppressedAtLastLine = suppressed;
            suppressed = 0;
            return true;
        }
        suppressed++;
        return false;
    }

    /** Events not logged between the previous line and the one {@link #due} just allowed. */
    long suppressed() {
        return suppressedAtLastLine;
    }
}
