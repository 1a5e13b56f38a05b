package org.hftfw.sidecar.systemd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * CLOCK_MONOTONIC in microseconds, the clock of sd_notify's {@code MONOTONIC_USEC=} (systemd ≥ 253 compares it with
 * the time it sent the reload signal, so it must be that kernel clock, not {@link System#nanoTime()}, whose origin the
 * JDK leaves unspecified). One libc call, {@code clock_gettime}, through the FFM API.
 */
final class MonotonicClock {
    private static final int CLOCK_MONOTONIC = 1;
    /** struct timespec on 64-bit Linux: tv_sec and tv_nsec, 8 bytes each. */
    private static final long TIMESPEC_SIZE = 16;
    private static final MethodHandle CLOCK_GETTIME = downcall();

    private MonotonicClock() {}

    // native access is this package's job; the launcher and surefire pass --enable-native-access
    @SuppressWarnings("restricted")
    private static MethodHandle downcall() {
        Linker linker = Linker.nativeLinker();
        MemorySegment symbol = linker.defaultLookup().find("clock_gettime")
                .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: clock_gettime"));
        return linker.downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    }

    /** Microseconds of CLOCK_MONOTONIC now. */
    static long micros() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ts = a.allocate(TIMESPEC_SIZE, 8);
            int rc = (int) CLOCK_GETTIME.invokeExact(CLOCK_MONOTONIC, ts);
            if (rc != 0) {
                throw new IllegalStateException("clock_gettime(CLOCK_MONOTONIC) failed");
            }
            return ts.get(JAVA_LONG, 0) * 1_000_000L + ts.get(JAVA_LONG, 8) / 1_000L;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("clock_gettime(CLOCK_MONOTONIC) failed", t);
        }
    }
}
