package org.hftfw.conntrack.netlink;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Undoes an inherited "ignore" of a signal. A daemon started under {@code nohup} (or by any parent that ignores
 * SIGHUP) inherits SIG_IGN across exec, and the JVM then quietly declines to install a handler for it: SIGHUP would
 * never reload the configuration and nothing would say so. Restoring SIG_DFL before the JVM's handler is installed
 * makes the handler take, whoever started the process.
 */
public final class SignalDisposition {
    /** SIGHUP on Linux. */
    public static final int SIGHUP = 1;
    /** SIG_IGN as signal(2) returns it. */
    private static final long SIG_IGN = 1;

    private SignalDisposition() {}

    /** Sets {@code signo} to its default disposition; returns true if it had been ignored. */
    public static boolean restoreDefault(int signo) {
        try (Arena a = Arena.ofConfined()) {
            return Libc.signalDefault(Libc.newCapture(a), signo).address() == SIG_IGN;
        }
    }
}
