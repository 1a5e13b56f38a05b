package org.hftfw.failover;

import java.util.function.BooleanSupplier;

/** Bounded waits for a condition of the lab (a daemon answers, a VIP moved); a timeout names what did not happen. */
final class Await {
    private static final long POLL_MILLIS = 20;

    private Await() {}

    static void until(String what, long millis, BooleanSupplier done) throws InterruptedException {
        if (!within(millis, done)) {
            throw new IllegalStateException("timed out after " + millis + " ms waiting until " + what);
        }
    }

    /** Whether {@code done} became true within {@code millis}. */
    static boolean within(long millis, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(POLL_MILLIS);
        }
        return true;
    }
}
