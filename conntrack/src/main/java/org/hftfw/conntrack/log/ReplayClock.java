package org.hftfw.conntrack.log;

import org.hftfw.common.Clock;
import java.util.concurrent.locks.LockSupport;

/** The time source that paces a {@link ReplaySource}: real time, or virtual time in tests. */
public interface ReplayClock extends Clock {

    /** Returns once {@link #nanos()} has reached {@code deadlineNanos}. */
    void awaitNanos(long deadlineNanos) throws InterruptedException;

    /** Wall time through {@link System#nanoTime()} and parking. */
    static ReplayClock system() {
        return new ReplayClock() {
            @Override
            public long nanos() {
                return System.nanoTime();
            }

            @Override
            public void awaitNanos(long deadlineNanos) throws InterruptedException {
                for (long left = deadlineNanos - System.nanoTime(); left > 0; left = deadlineNanos - System.nanoTime()) {
                    LockSupport.parkNanos(this, left);
                    if (Thread.interrupted()) {
                        throw new InterruptedException("replay interrupted");
                    }
                }
            }
        };
    }

    /** Virtual time starting at 0: waiting jumps straight to the deadline. Not thread-safe. */
    static Virtual virtual() {
        return new Virtual();
    }

    /** A clock that only moves when waited on. */
    final class Virtual implements ReplayClock {
        private long now;
        private long waits;

        @Override
        public long nanos() {
            return now;
        }

        @Override
        public void awaitNanos(long deadlineNanos) {
            if (deadlineNanos > now) {
                now = deadlineNanos;
                waits++;
            }
        }

        /** How many times a wait moved the clock forward. */
        public long waits() {
            return waits;
        }
    }
}
