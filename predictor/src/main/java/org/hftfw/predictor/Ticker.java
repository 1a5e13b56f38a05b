package org.hftfw.predictor;

/** A monotonic nanosecond clock; tests and the replay use virtual time. */
@FunctionalInterface
public interface Ticker {
    long nanos();

    static Ticker system() {
        return System::nanoTime;
    }
}
