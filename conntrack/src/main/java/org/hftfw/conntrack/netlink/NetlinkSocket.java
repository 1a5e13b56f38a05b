package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One raw {@code NETLINK_NETFILTER} socket, opened in the network namespace of the calling thread (a socket keeps
 * the namespace it was created in). Blocking I/O through {@link Libc}. The errno capture segment is per thread, so
 * one thread may send while another receives (the NFQUEUE delay line of the trace lab does: verdicts must go out on
 * the socket bound to the queue). Public for the other nfnetlink subsystems the project speaks (nfnetlink_queue);
 * ctnetlink itself goes through {@link Ctnetlink}.
 */
public final class NetlinkSocket implements AutoCloseable {
    /** Result of {@link #recv} when SO_RCVTIMEO expired (EAGAIN). */
    public static final long TIMED_OUT = -Libc.EAGAIN;
    /** Result of {@link #recv} when the kernel dropped messages for this socket (ENOBUFS). */
    public static final long OVERRUN = -ConntrackException.ENOBUFS;

    /** Offset of {@code nlmsg_pid} in struct nlmsghdr (len u32, type u16, flags u16, seq u32, pid u32). */
    private static final int NLMSG_PID_OFFSET = 12;
    /** BPF_LD | BPF_W | BPF_ABS, BPF_JMP | BPF_JEQ | BPF_K, BPF_RET | BPF_K (linux/filter.h). */
    private static final int BPF_LD_W_ABS = 0x20;
    private static final int BPF_JEQ_K = 0x15;
    private static final int BPF_RET_K = 0x06;

    private final Arena arena = Arena.ofShared();
    private final ThreadLocal<MemorySegment> captures = ThreadLocal.withInitial(() -> Libc.newCapture(arena));
    private final int fd;
    private final int portId;
    private volatile int receiveBufferBytes;
    private volatile int requestedReceiveBytes;
    private volatile boolean closed;

    private NetlinkSocket(int fd, int portId, int receiveBufferBytes, int requestedReceiveBytes) {
        this.fd = fd;
        this.portId = portId;
        this.receiveBufferBytes = receiveBufferBytes;
        this.requestedReceiveBytes = requestedReceiveBytes;
    }

    /**
     * Opens and binds a socket.
     *
     * @param groups      multicast group bitmask to bind to (0 for a request socket)
     * @param rcvBuf      requested receive buffer (SO_RCVBUFFORCE, falling back to SO_RCVBUF), 0 to keep the default
     * @param sndBuf      requested send buffer, 0 to keep the default
     * @param rcvTimeoutMillis receive timeout, 0 for none
     * @param broadcastError set NETLINK_BROADCAST_ERROR (reliable DESTROY delivery, see package notes)
     */
    public static NetlinkSocket open(int groups, int rcvBuf, int sndBuf, int rcvTimeoutMillis, boolean broadcastError) {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment cap = Libc.newCapture(tmp);
            int fd = Libc.socket(cap, Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_NETFILTER);
            if (fd < 0) {
                int errno = Libc.errno(cap);
                if (errno == ConntrackException.EPROTONOSUPPORT || errno == ConntrackException.EAFNOSUPPORT) {
                    throw new ConntrackException.ConntrackUnavailableException(errno,
                            "cannot open a NETLINK_NETFILTER socket: nfnetlink is not available in this kernel ("
                                    + Libc.errnoName(errno) + ")");
                }
                throw ConntrackException.of(errno, "socket(AF_NETLINK, NETLINK_NETFILTER)");
            }
            try {
                if (sndBuf > 0) {
                    setBuffer(tmp, cap, fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, sndBuf);
                }
                if (rcvBuf > 0) {
                    setBuffer(tmp, cap, fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, rcvBuf);
                }
                if (rcvTimeoutMillis > 0) {
                    MemorySegment tv = tmp.allocate(16, 8);
                    tv.set(ValueLayout.JAVA_LONG, 0, rcvTimeoutMillis / 1000);
                    tv.set(ValueLayout.JAVA_LONG, 8, (rcvTimeoutMillis % 1000) * 1000L);
                    check(cap, Libc.setsockopt(cap, fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, tv, 16), "setsockopt(SO_RCVTIMEO)");
                }
                // error replies carry only the header of the failed request, not its payload (smaller acks)
                setInt(tmp, cap, fd, Libc.SOL_NETLINK, Libc.NETLINK_CAP_ACK, 1);
                if (broadcastError) {
                    check(cap, setInt(tmp, cap, fd, Libc.SOL_NETLINK, Libc.NETLINK_BROADCAST_ERROR, 1),
                            "setsockopt(NETLINK_BROADCAST_ERROR)");
                }
                MemorySegment addr = tmp.allocate(12, 4);
                addr.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_NETLINK);
                addr.set(ValueLayout.JAVA_INT, 4, 0);
                addr.set(ValueLayout.JAVA_INT, 8, groups);
                if (Libc.bind(cap, fd, addr, 12) < 0) {
                    int errno = Libc.errno(cap);
                    if (errno == ConntrackException.EPERM || errno == 13) {
                        throw new ConntrackException.PermissionDeniedException(
                                "cannot subscribe to conntrack events: needs CAP_NET_ADMIN (" + Libc.errnoName(errno) + ")");
                    }
                    throw ConntrackException.of(errno, "bind(netlink groups " + groups + ")");
                }
                MemorySegment len = tmp.allocate(ValueLayout.JAVA_INT);
                len.set(ValueLayout.JAVA_INT, 0, 12);
                check(cap, Libc.getsockname(cap, fd, addr, len), "getsockname");
                int portId = addr.get(ValueLayout.JAVA_INT, 4);
                int actualRcv = getInt(tmp, cap, fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF);
                return new NetlinkSocket(fd, portId, actualRcv, rcvBuf > 0 ? rcvBuf : actualRcv / 2);
            } catch (RuntimeException e) {
                Libc.close(cap, fd);
                throw e;
            }
        }
    }

    private static void setBuffer(Arena tmp, MemorySegment cap, int fd, int force, int plain, int bytes) {
        if (setInt(tmp, cap, fd, Libc.SOL_SOCKET, force, bytes) < 0) {
            // without CAP_NET_ADMIN the FORCE variant fails: the plain one is capped at net.core.[rw]mem_max
            check(cap, setInt(tmp, cap, fd, Libc.SOL_SOCKET, plain, bytes), "setsockopt(buffer size)");
        }
    }

    private static int setInt(Arena tmp, MemorySegment cap, int fd, int level, int name, int value) {
        MemorySegment v = tmp.allocate(ValueLayout.JAVA_INT);
        v.set(ValueLayout.JAVA_INT, 0, value);
        return Libc.setsockopt(cap, fd, level, name, v, 4);
    }

    private static int getInt(Arena tmp, MemorySegment cap, int fd, int level, int name) {
        MemorySegment v = tmp.allocate(ValueLayout.JAVA_INT);
        MemorySegment len = tmp.allocate(ValueLayout.JAVA_INT);
        len.set(ValueLayout.JAVA_INT, 0, 4);
        check(cap, Libc.getsockopt(cap, fd, level, name, v, len), "getsockopt");
        return v.get(ValueLayout.JAVA_INT, 0);
    }

    private static void check(MemorySegment cap, int rc, String what) {
        if (rc < 0) {
            throw ConntrackException.of(Libc.errno(cap), what);
        }
    }

    int portId() {
        return portId;
    }

    /**
     * Drops, in the kernel and before they are queued here, the datagrams whose first message was sent with port id
     * {@code senderPortId}: a classic BPF socket filter (SO_ATTACH_FILTER) on {@code nlmsg_pid}. ctnetlink stamps each
     * event with the port id of the request that caused it (0 for the kernel's own changes: packets, timeouts) and
     * sends every event as a datagram of its own, so on an event socket this leaves out exactly the events of one
     * writing socket's requests — netlink_broadcast runs the filter before it queues the clone and wakes the reader.
     * The filter loads the field as a big-endian word (BPF_ABS), the header holds it in host order.
     */
    void dropDatagramsFrom(int senderPortId) {
        int loaded = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.BIG_ENDIAN ? senderPortId
                : Integer.reverseBytes(senderPortId);
        int[][] program = {
            {BPF_LD_W_ABS, 0, 0, NLMSG_PID_OFFSET},     // A = nlmsg_pid
            {BPF_JEQ_K, 0, 1, loaded},                  // A == sender: next (drop), else skip one (keep)
            {BPF_RET_K, 0, 0, 0},                       // drop
            {BPF_RET_K, 0, 0, -1},                      // keep the whole datagram
        };
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment filter = tmp.allocate(8L * program.length, 8);
            for (int i = 0; i < program.length; i++) {
                long at = 8L * i;
                filter.set(ValueLayout.JAVA_SHORT, at, (short) program[i][0]);
                filter.set(ValueLayout.JAVA_BYTE, at + 2, (byte) program[i][1]);
                filter.set(ValueLayout.JAVA_BYTE, at + 3, (byte) program[i][2]);
                filter.set(ValueLayout.JAVA_INT, at + 4, program[i][3]);
            }
            MemorySegment fprog = tmp.allocate(16, 8);             // struct sock_fprog { u16 len; filter * }
            fprog.set(ValueLayout.JAVA_SHORT, 0, (short) program.length);
            fprog.set(ValueLayout.ADDRESS, 8, filter);
            MemorySegment cap = Libc.newCapture(tmp);
            check(cap, Libc.setsockopt(cap, fd, Libc.SOL_SOCKET, Libc.SO_ATTACH_FILTER, fprog, 16),
                    "setsockopt(SO_ATTACH_FILTER)");
        }
    }

    /** The receive buffer the kernel granted (SO_RCVBUF as read back; the kernel doubles the request). */
    int receiveBufferBytes() {
        return receiveBufferBytes;
    }

    /**
     * Doubles the requested receive buffer, up to {@code maxBytes} (conntrackd's {@code nl_resize_socket_buffer}
     * under NetlinkBufferSizeMaxGrowth, called on ENOBUFS): a burst that overran the queue once finds twice the
     * room next time. Returns the new request, or 0 when it already is at {@code maxBytes}.
     */
    int growReceiveBuffer(int maxBytes) {
        int current = requestedReceiveBytes;
        if (current >= maxBytes) {
            return 0;
        }
        int next = (int) Math.min(maxBytes, 2L * current);
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment cap = Libc.newCapture(tmp);
            setBuffer(tmp, cap, fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, next);
            receiveBufferBytes = getInt(tmp, cap, fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF);
        }
        requestedReceiveBytes = next;
        return next;
    }

    /** Allocates a buffer that lives as long as this socket. */
    public MemorySegment allocate(long bytes) {
        return arena.allocate(bytes, 8);
    }

    /** Sends one datagram (any number of netlink messages) to the kernel. */
    public void send(MemorySegment buf, long len) {
        MemorySegment capture = captures.get();
        while (true) {
            long n = Libc.sendto(capture, fd, buf, len, 0);
            if (n >= 0) {
                if (n != len) {
                    throw new ConntrackException(0, "short netlink send: " + n + " of " + len + " bytes");
                }
                return;
            }
            int errno = Libc.errno(capture);
            if (errno != Libc.EINTR) {
                throw ConntrackException.of(errno, "sendto(netlink)");
            }
        }
    }

    /**
     * Receives one datagram into {@code buf}. Returns its length (which may exceed {@code buf}'s size if it was
     * truncated: MSG_TRUNC), {@link #TIMED_OUT} or {@link #OVERRUN}; other errors throw.
     */
    public long recv(MemorySegment buf, boolean dontWait) {
        MemorySegment capture = captures.get();
        while (true) {
            long n = Libc.recvfrom(capture, fd, buf, buf.byteSize(), Libc.MSG_TRUNC | (dontWait ? Libc.MSG_DONTWAIT : 0));
            if (n >= 0) {
                return n;
            }
            int errno = Libc.errno(capture);
            switch (errno) {
                case Libc.EINTR -> { }
                case Libc.EAGAIN -> { return TIMED_OUT; }
                case ConntrackException.ENOBUFS -> { return OVERRUN; }
                default -> throw ConntrackException.of(errno, "recvfrom(netlink)");
            }
        }
    }

    /**
     * Receives up to {@code batch.capacity()} datagrams in one {@code recvmmsg} call: blocking (within SO_RCVTIMEO)
     * for the first unless {@code dontWait}, then whatever else is queued. Returns the number received (also in
     * {@code batch.count()}), {@link #TIMED_OUT} when nothing was queued, or {@link #OVERRUN}. An overrun the kernel
     * notices after the first datagrams of a call is kept for the next call (do_recvmmsg stores it as sk_err), so
     * events before the loss are still delivered first, in order.
     */
    long recvBatch(RecvBatch batch, boolean dontWait) {
        MemorySegment capture = captures.get();
        batch.reset();
        int flags = Libc.MSG_TRUNC | (dontWait ? Libc.MSG_DONTWAIT : Libc.MSG_WAITFORONE);
        while (true) {
            int n = Libc.recvmmsg(capture, fd, batch.vector(), batch.capacity(), flags);
            if (n >= 0) {
                batch.filled(n);
                return n == 0 ? TIMED_OUT : n;
            }
            int errno = Libc.errno(capture);
            switch (errno) {
                case Libc.EINTR -> { }
                case Libc.EAGAIN -> { return TIMED_OUT; }
                case ConntrackException.ENOBUFS -> { return OVERRUN; }
                default -> throw ConntrackException.of(errno, "recvmmsg(netlink)");
            }
        }
    }

    /**
     * Reads how full this socket's receive queue is (SO_MEMINFO: sk_rmem_alloc, the bytes queued, and sk_rcvbuf, the
     * limit beyond which the kernel drops and reports ENOBUFS). One per reading thread; reading allocates nothing.
     */
    final class QueueProbe {
        private final MemorySegment info = allocate(4L * Libc.SK_MEMINFO_VARS);
        private final MemorySegment len = allocate(4);
        private long queued;
        private long limit;
        private long drops;

        /** Reads the queue now; false when the kernel does not report it. */
        boolean read() {
            len.set(ValueLayout.JAVA_INT, 0, 4 * Libc.SK_MEMINFO_VARS);
            if (Libc.getsockopt(captures.get(), fd, Libc.SOL_SOCKET, Libc.SO_MEMINFO, info, len) < 0) {
                return false;
            }
            queued = info.get(ValueLayout.JAVA_INT, 0) & 0xffffffffL;
            limit = info.get(ValueLayout.JAVA_INT, 4) & 0xffffffffL;
            drops = info.get(ValueLayout.JAVA_INT, 4L * Libc.SK_MEMINFO_DROPS) & 0xffffffffL;
            return true;
        }

        long queued() {
            return queued;
        }

        long limit() {
            return limit;
        }

        /**
         * Datagrams the kernel dropped for this socket since it was opened (sk_drops: netlink_overrun counts every
         * one, also those it does not report because the socket is still congested from an earlier overrun).
         */
        long drops() {
            return drops;
        }
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc.close(captures.get(), fd);
        arena.close();
    }
}
