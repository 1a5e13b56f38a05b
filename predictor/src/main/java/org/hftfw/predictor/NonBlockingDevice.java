package org.hftfw.predictor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * A file opened with {@code O_NONBLOCK} through libc (FFM), read by whoever samples it: a read at the end of a
 * device's data returns {@link #NOTHING_NOW} instead of blocking. Java's streams and channels cannot open a file
 * non-blocking, and a blocking read of {@code /dev/kmsg} needs a thread of its own for the daemon's whole life.
 * Used by one thread at a time (the predictor's sampling round).
 */
final class NonBlockingDevice implements AutoCloseable {
    /** {@link #read}: no data now (EAGAIN); try again later. */
    static final int NOTHING_NOW = -1;
    /** {@link #read}: records were overwritten before they were read (EPIPE on /dev/kmsg); reading goes on. */
    static final int OVERRUN = -2;

    private static final int O_RDONLY = 0;
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;
    private static final int EPIPE = 32;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle READ = downcall("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG));
    private static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = arena.allocate(CAPTURE);
    private final MemorySegment buffer;
    private final Path path;
    private int fd;

    private NonBlockingDevice(Path path, int fd, int bufferBytes) {
        this.path = path;
        this.fd = fd;
        this.buffer = arena.allocate(bufferBytes);
    }

    /** Opens {@code path} read-only and non-blocking; reads return at most {@code bufferBytes}. */
    static NonBlockingDevice open(Path path, int bufferBytes) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = a.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(cap, a.allocateFrom(path.toString()), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0) {
                throw new IOException(path + ": " + strerror((int) ERRNO.get(cap, 0L)));
            }
            return new NonBlockingDevice(path, fd, bufferBytes);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Reads one chunk (one record, for /dev/kmsg) into {@code into}: the byte count, 0 at the end of a regular file,
     * {@link #NOTHING_NOW} or {@link #OVERRUN}.
     */
    int read(byte[] into) throws IOException {
        while (true) {
            long n;
            try {
                n = (long) READ.invokeExact(capture, fd, buffer, Math.min(buffer.byteSize(), (long) into.length));
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (n >= 0) {
                MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, 0, into, 0, (int) n);
                return (int) n;
            }
            int errno = (int) ERRNO.get(capture, 0L);
            switch (errno) {
                case EINTR -> { }
                case EAGAIN -> {
                    return NOTHING_NOW;
                }
                case EPIPE -> {
                    return OVERRUN;
                }
                default -> throw new IOException(path + ": " + strerror(errno));
            }
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            try {
                int _ = (int) CLOSE.invokeExact(capture, fd);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            fd = -1;
            arena.close();
        }
    }

    private static String strerror(int errno) {
        return switch (errno) {
            case 1 -> "Operation not permitted (EPERM)";
            case 2 -> "No such file or directory (ENOENT)";
            case 13 -> "Permission denied (EACCES)";
            case 22 -> "Invalid argument (EINVAL)";
            default -> "errno " + errno;
        };
    }

    // native access is this class's job; the launcher and surefire pass --enable-native-access
    @SuppressWarnings("restricted")
    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name));
        return LINKER.downcallHandle(symbol, fd, Linker.Option.captureCallState("errno"));
    }
}
