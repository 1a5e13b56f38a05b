package org.hftfw.conntrack.netlink;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few libc calls ctnetlink needs, bound through the FFM API ({@link Linker#nativeLinker()}), each capturing
 * {@code errno} with {@link Linker.Option#captureCallState}. Every method returns the raw result; on failure
 * ({@code -1}) the errno is in the caller's capture segment, read with {@link #errno(MemorySegment)}.
 */
final class Libc {
    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_NETFILTER = 12;

    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_RCVTIMEO = 20;
    static final int SO_ATTACH_FILTER = 26;
    static final int SO_SNDBUFFORCE = 32;
    static final int SO_RCVBUFFORCE = 33;
    /** u32[SK_MEMINFO_VARS]: [0] is sk_rmem_alloc (bytes queued for reading), [1] sk_rcvbuf. */
    static final int SO_MEMINFO = 55;
    static final int SK_MEMINFO_VARS = 9;
    static final int SK_MEMINFO_DROPS = 8;

    static final int SOL_NETLINK = 270;
    static final int NETLINK_ADD_MEMBERSHIP = 1;
    static final int NETLINK_BROADCAST_ERROR = 4;
    static final int NETLINK_NO_ENOBUFS = 5;
    static final int NETLINK_CAP_ACK = 10;

    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_TRUNC = 0x20;
    /** recvmmsg: block for the first datagram only, then take what is queued. */
    static final int MSG_WAITFORONE = 0x10000;

    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int CLONE_NEWNET = 0x40000000;

    /** setpriority(2): {@code who} is a thread id (Linux applies a nice value per thread). */
    static final int PRIO_PROCESS = 0;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EBADF = 9;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = downcall("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = downcall("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SENDTO = downcall("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVFROM = downcall("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RECVMMSG = downcall("recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SIGNAL = downcall("signal", FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle GETTID = downcall("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SETPRIORITY = downcall("setpriority",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CAPSET = downcall("capset", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));

    private Libc() {}

    // native access is this class's job; the launcher and surefire pass --enable-native-access
    @SuppressWarnings("restricted")
    private static MethodHandle downcall(String name, FunctionDescriptor fd) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name));
        return LINKER.downcallHandle(symbol, fd, Linker.Option.captureCallState("errno"));
    }

    /** A capture segment for errno; one per thread of use. */
    static MemorySegment newCapture(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    static int socket(MemorySegment cap, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(cap, domain, type, protocol);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int bind(MemorySegment cap, int fd, MemorySegment addr, int len) {
        try {
            return (int) BIND.invokeExact(cap, fd, addr, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getsockname(MemorySegment cap, int fd, MemorySegment addr, MemorySegment lenPtr) {
        try {
            return (int) GETSOCKNAME.invokeExact(cap, fd, addr, lenPtr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int setsockopt(MemorySegment cap, int fd, int level, int name, MemorySegment value, int len) {
        try {
            return (int) SETSOCKOPT.invokeExact(cap, fd, level, name, value, len);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int getsockopt(MemorySegment cap, int fd, int level, int name, MemorySegment value, MemorySegment lenPtr) {
        try {
            return (int) GETSOCKOPT.invokeExact(cap, fd, level, name, value, lenPtr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long sendto(MemorySegment cap, int fd, MemorySegment buf, long len, int flags) {
        try {
            return (long) SENDTO.invokeExact(cap, fd, buf, len, flags, MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long recvfrom(MemorySegment cap, int fd, MemorySegment buf, long len, int flags) {
        try {
            return (long) RECVFROM.invokeExact(cap, fd, buf, len, flags, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** recvmmsg(2) without a timeout (SO_RCVTIMEO bounds a blocking call). */
    static int recvmmsg(MemorySegment cap, int fd, MemorySegment vector, int vlen, int flags) {
        try {
            return (int) RECVMMSG.invokeExact(cap, fd, vector, vlen, flags, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int close(MemorySegment cap, int fd) {
        try {
            return (int) CLOSE.invokeExact(cap, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int open(MemorySegment cap, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(cap, path, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int setns(MemorySegment cap, int fd, int nstype) {
        try {
            return (int) SETNS.invokeExact(cap, fd, nstype);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** signal(2): sets {@code signo}'s disposition to SIG_DFL (handler address 0); returns the previous handler. */
    static MemorySegment signalDefault(MemorySegment cap, int signo) {
        try {
            return (MemorySegment) SIGNAL.invokeExact(cap, signo, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sets the calling thread's nice value (setpriority(2) on its thread id; Linux schedules threads, so the rest of
     * the process keeps its priority). A value below the current one needs CAP_SYS_NICE (or RLIMIT_NICE).
     */
    static int setOwnNice(MemorySegment cap, int nice) {
        try {
            int tid = (int) GETTID.invokeExact(cap);
            return (int) SETPRIORITY.invokeExact(cap, PRIO_PROCESS, tid, nice);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** capset(2) (the lab tests drop a thread's capabilities with it to check the EPERM path). */
    static int capset(MemorySegment cap, MemorySegment header, MemorySegment data) {
        try {
            return (int) CAPSET.invokeExact(cap, header, data);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("native call failed", t);
    }

    /** strerror-like names for the errnos a netlink socket reports. */
    static String errnoName(int errno) {
        return switch (errno) {
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 4 -> "EINTR";
            case 9 -> "EBADF";
            case 11 -> "EAGAIN";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES";
            case 16 -> "EBUSY";
            case 17 -> "EEXIST";
            case 22 -> "EINVAL";
            case 90 -> "EMSGSIZE";
            case 93 -> "EPROTONOSUPPORT";
            case 95 -> "EOPNOTSUPP";
            case 97 -> "EAFNOSUPPORT";
            case 105 -> "ENOBUFS";
            default -> "errno " + errno;
        };
    }
}
