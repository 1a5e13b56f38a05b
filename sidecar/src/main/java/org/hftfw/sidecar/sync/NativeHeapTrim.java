package org.hftfw.sidecar.sync;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.Optional;
import org.hftfw.common.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the C heap's free pages back to the kernel now and then ({@code malloc_trim(0)}, glibc), on the daemon's
 * timer thread.
 *
 * <p>Design note. The JVM mallocs for its compiler, symbols and class loading, mostly during the warm-up, and glibc
 * keeps what was freed for reuse: `hftfw bench footprint` measured 5-8 MB of RSS returned by trimming. The JVM can
 * trim by itself ({@code -XX:TrimNativeHeapInterval}) but on a thread of its own, one more than the daemon's budget
 * of 16 (docs/daemon.md, "Footprint"); a call every {@link #PERIOD} on the existing timer thread costs a few
 * milliseconds. Without glibc (musl) there is no such function and nothing is scheduled.
 */
final class NativeHeapTrim {
    static final Duration PERIOD = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(NativeHeapTrim.class);

    private NativeHeapTrim() {}

    /**
     * Trims every {@link #PERIOD} on {@code timers} until they close; false (nothing scheduled) where the C library
     * has no {@code malloc_trim}.
     */
    static boolean every(Scheduler timers) {
        Optional<MethodHandle> trim = mallocTrim();
        if (trim.isEmpty()) {
            LOG.debug("no malloc_trim in the C library: the C heap is not trimmed");
            return false;
        }
        MethodHandle h = trim.get();
        var _ = timers.every(PERIOD, () -> {
            try {
                int _ = (int) h.invokeExact(0L);
            } catch (Throwable t) {
                LOG.debug("malloc_trim failed: {}", t.toString());
            }
        });
        return true;
    }

    // native access: the launcher passes --enable-native-access
    @SuppressWarnings("restricted")
    private static Optional<MethodHandle> mallocTrim() {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> symbol = linker.defaultLookup().find("malloc_trim");
        return symbol.map(s -> linker.downcallHandle(s,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)));
    }
}
