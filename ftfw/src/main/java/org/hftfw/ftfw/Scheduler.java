package org.hftfw.ftfw;

/**
 * Time source and timer service of the protocol engine: the Netty event loop in production, a virtual clock in
 * tests. Both methods are called on the engine's single thread.
 */
interface Scheduler {
    /** Monotonic time in nanoseconds. */
    long nanoTime();

    /** Runs {@code task} on the engine's thread after {@code delayNanos} (0: as soon as possible, not inline). */
    void schedule(Runnable task, long delayNanos);
}
