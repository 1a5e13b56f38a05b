package org.hftfw.conntrack.netlink;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Drops every capability of the calling thread (capset(2) with zero sets); the thread never gets them back. */
final class Caps {
    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    // a deliberate native call; surefire passes --enable-native-access
    @SuppressWarnings("restricted")
    private static final MethodHandle CAPSET = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("capset").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private Caps() {}

    static void dropAllOnThisThread() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(8, 4);
            header.set(ValueLayout.JAVA_INT, 0, LINUX_CAPABILITY_VERSION_3);
            header.set(ValueLayout.JAVA_INT, 4, 0);
            MemorySegment data = arena.allocate(24, 4);
            int rc = (int) CAPSET.invokeExact(header, data);
            if (rc != 0) {
                throw new IllegalStateException("capset failed");
            }
        }
    }
}
