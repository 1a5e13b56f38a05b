package org.hftfw.sidecar.systemd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What systemd listens on as NOTIFY_SOCKET, for tests: a bound UNIX datagram socket that hands back each
 * notification as text. FFM, as java.base cannot bind a UNIX datagram socket. Public for the dist module's package
 * tests (sidecar's test-jar).
 */
public final class FakeNotifySocket implements AutoCloseable {
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = downcall("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final Arena arena = Arena.ofShared();
    private final int fd;

    @SuppressWarnings("restricted")
    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd);
    }

    /** Binds {@code address} (a path, or {@code @name} for an abstract one); receives wait at most {@code timeout}. */
    public FakeNotifySocket(String address, Duration timeout) throws IOException {
        try {
            fd = (int) SOCKET.invokeExact(UnixDatagram.AF_UNIX, UnixDatagram.SOCK_DGRAM, 0);
            bind(address, timeout);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new IOException(t);
        }
    }

    private void bind(String address, Duration timeout) throws Throwable {
        if (fd < 0) {
            throw new IOException("socket failed");
        }
        byte[] path = UnixDatagram.sunPath(address);
        MemorySegment sa = arena.allocate(UnixDatagram.SOCKADDR_UN_SIZE);
        sa.set(JAVA_SHORT, 0, (short) UnixDatagram.AF_UNIX);
        MemorySegment.copy(path, 0, sa, JAVA_BYTE, UnixDatagram.PATH_OFFSET, path.length);
        int len = UnixDatagram.PATH_OFFSET + path.length + (path[0] == 0 ? 0 : 1);
        if ((int) BIND.invokeExact(fd, sa, len) != 0) {
            throw new IOException("bind " + address + " failed");
        }
        MemorySegment tv = arena.allocate(16);
        tv.set(JAVA_LONG, 0, timeout.toSeconds());
        tv.set(JAVA_LONG, 8, timeout.toMillisPart() * 1000L);
        if ((int) SETSOCKOPT.invokeExact(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16) != 0) {
            throw new IOException("SO_RCVTIMEO failed");
        }
    }

    /** The next notification, or null when none arrived within the timeout. */
    public String receive() throws IOException {
        MemorySegment buf = arena.allocate(4096);
        long n;
        try {
            n = (long) RECV.invokeExact(fd, buf, 4096L, 0);
        } catch (Throwable t) {
            throw new IOException(t);
        }
        return n < 0 ? null : new String(buf.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** Notifications until one contains {@code wanted}; null when the timeout passes first. */
    public String receiveUntil(String wanted) throws IOException {
        for (String m = receive(); m != null; m = receive()) {
            if (m.contains(wanted)) {
                return m;
            }
        }
        return null;
    }

    /** The next notification that does not contain {@code skipped} (the watchdog's); null after the timeout. */
    public String nextExcept(String skipped) throws IOException {
        for (String m = receive(); m != null; m = receive()) {
            if (!m.contains(skipped)) {
                return m;
            }
        }
        return null;
    }

    @Override
    public void close() {
        try {
            int _ = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // closing
        } finally {
            arena.close();
        }
    }
}
