package org.hftfw.common;

import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * The one time source of every stage: monotonic nanoseconds for intervals, deadlines and lifetimes, and wall-clock
 * microseconds for what conntrack stamps (event timestamps). Production passes {@link #system()}; tests and the
 * demo pass a virtual clock (a lambda for the monotonic part is enough: the wall clock then stays the system's),
 * and a replay passes the log's own clock, so the code under test never reads {@link System#nanoTime()} itself.
 */
@FunctionalInterface
public interface Clock {
    /** Monotonic time in nanoseconds; only differences are meaningful. */
    long nanos();

    /** Wall-clock time in microseconds since the epoch. */
    default long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** A clock of two given time sources (tests pin both; the demo drives both from a replayed log). */
    static Clock of(LongSupplier nanos, LongSupplier epochMicros) {
        return new Clock() {
            @Override
            public long nanos() {
                return nanos.getAsLong();
            }

            @Override
            public long epochMicros() {
                return epochMicros.getAsLong();
            }
        };
    }

    /** {@link System#nanoTime()} and the system's wall clock. */
    static Clock system() {
        return System::nanoTime;
    }
}
