package org.hftfw.conntrack.netlink;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Drops every capability of the calling thread (capset(2) with zero sets); the thread never gets them back. */
final class Caps {
    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    private Caps() {}

    static void dropAllOnThisThread() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(8, 4);
            header.set(ValueLayout.JAVA_INT, 0, LINUX_CAPABILITY_VERSION_3);
            header.set(ValueLayout.JAVA_INT, 4, 0);
            MemorySegment data = arena.allocate(24, 4);
            if (Libc.capset(Libc.newCapture(arena), header, data) != 0) {
                throw new IllegalStateException("capset failed");
            }
        }
    }
}
