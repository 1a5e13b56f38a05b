package org.hftfw.common;

import java.util.function.BooleanSupplier;

/** Waiting for a condition in tests that run real threads and sockets: polled, bounded, never a bare sleep. */
public final class Await {
    private Await() {}

    /** True as soon as {@code done} holds, false if it still does not after {@code millis}. */
    public static boolean await(BooleanSupplier done, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < end) {
            if (done.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return done.getAsBoolean();
    }
}
