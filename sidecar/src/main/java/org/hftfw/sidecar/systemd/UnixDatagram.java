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
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * A UNIX-domain datagram socket that sends, through the FFM API: java.base has UNIX-domain stream sockets only
 * (JEP 380), and systemd's notification socket is a datagram socket. Three libc calls, {@code socket},
 * {@code sendto} and {@code close}, each capturing errno. Also the syslog output's socket to {@code /dev/log}
 * ({@code log.syslog}).
 */
public final class UnixDatagram implements AutoCloseable {
    static final int AF_UNIX = 1;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(struct sockaddr_un): a 2-byte family and 108 bytes of path. */
    static final int SOCKADDR_UN_SIZE = 110;
    static final int PATH_OFFSET = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SENDTO = downcall("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    private final Arena arena = Arena.ofShared();
    private final MemorySegment errno = arena.allocate(CAPTURE);
    private final MemorySegment address;
    private final int addressLength;
    private final int fd;

    // native access is this class's job; the launcher and surefire pass --enable-native-access
    @SuppressWarnings("restricted")
    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name));
        return LINKER.downcallHandle(symbol, fd, Linker.Option.captureCallState("errno"));
    }

    /**
     * A socket that sends to {@code path}: a file system path, or an abstract name given with a leading {@code @}
     * (systemd's notation for a leading NUL byte).
     */
    public UnixDatagram(String path) throws IOException {
        byte[] sunPath = sunPath(path);
        address = arena.allocate(SOCKADDR_UN_SIZE);
        address.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(sunPath, 0, address, JAVA_BYTE, PATH_OFFSET, sunPath.length);
        // a file system path is NUL-terminated (the byte is counted); an abstract name is exactly its bytes
        addressLength = PATH_OFFSET + sunPath.length + (sunPath[0] == 0 ? 0 : 1);
        int s;
        try {
            s = (int) SOCKET.invokeExact(errno, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            arena.close();
            throw new IOException("socket(AF_UNIX, SOCK_DGRAM) failed", t);
        }
        if (s < 0) {
            arena.close();
            throw new IOException("socket(AF_UNIX, SOCK_DGRAM) failed: errno " + errno());
        }
        fd = s;
    }

    /** The bytes of {@code sun_path} for {@code path}; refused when empty or longer than 107 bytes. */
    static byte[] sunPath(String path) throws IOException {
        byte[] b = path.getBytes(StandardCharsets.UTF_8);
        if (b.length == 0 || b.length > SOCKADDR_UN_SIZE - PATH_OFFSET - 1 || path.indexOf('\0') >= 0) {
            throw new IOException("not a UNIX socket address: '" + path + "'");
        }
        if (b[0] == '@') {
            b[0] = 0;
        }
        return b;
    }

    private int errno() {
        return (int) ERRNO.get(errno, 0L);
    }

    /** Sends one datagram; throws with the errno when the kernel refuses it. */
    public synchronized void send(byte[] message) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, message.length));
            MemorySegment.copy(message, 0, buf, JAVA_BYTE, 0, message.length);
            long n = (long) SENDTO.invokeExact(errno, fd, buf, (long) message.length, MSG_NOSIGNAL, address, addressLength);
            if (n < 0) {
                throw new IOException("sendto failed: errno " + errno());
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("sendto failed", t);
        }
    }

    @Override
    public synchronized void close() {
        try {
            int _ = (int) CLOSE.invokeExact(errno, fd);
        } catch (Throwable t) {
            // closing: nothing left to do with a descriptor that did not close
        } finally {
            arena.close();
        }
    }
}
