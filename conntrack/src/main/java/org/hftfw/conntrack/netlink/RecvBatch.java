package org.hftfw.conntrack.netlink;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The receive side of one {@code recvmmsg(2)} call: a vector of {@code struct mmsghdr}, each pointing through one
 * {@code struct iovec} at its own slot of a native buffer, filled by {@link NetlinkSocket#recvBatch}. One system call
 * then reads up to {@link #capacity()} datagrams instead of one (the kernel sends each conntrack event in a
 * datagram of its own, so on a busy table the syscall per event was the pump's largest fixed cost). The slots are
 * views made once, so reading a batch allocates nothing. Owned by one reading thread.
 *
 * <p>Layout (Linux LP64, x86-64 and arm64 alike): {@code struct msghdr} is 56 bytes (name, namelen, iov, iovlen,
 * control, controllen, flags), {@code struct mmsghdr} adds the received length at offset 56 and pads to 64;
 * {@code struct iovec} is base and length, 16 bytes.
 */
final class RecvBatch {
    static final int MMSGHDR_BYTES = 64;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_FLAGS = 48;
    private static final int MSG_LEN = 56;
    private static final int IOVEC_BYTES = 16;

    private final MemorySegment vector;
    private final MemorySegment[] slots;
    private final int slotBytes;
    private int count;

    /** A batch of {@code capacity} slots of {@code slotBytes} each, allocated by (and living as long as) {@code socket}. */
    RecvBatch(NetlinkSocket socket, int capacity, int slotBytes) {
        this.slotBytes = slotBytes;
        this.vector = socket.allocate((long) capacity * MMSGHDR_BYTES);
        MemorySegment iovecs = socket.allocate((long) capacity * IOVEC_BYTES);
        MemorySegment buffer = socket.allocate((long) capacity * slotBytes);
        this.slots = new MemorySegment[capacity];
        for (int i = 0; i < capacity; i++) {
            slots[i] = buffer.asSlice((long) i * slotBytes, slotBytes);
            MemorySegment iov = iovecs.asSlice((long) i * IOVEC_BYTES, IOVEC_BYTES);
            iov.set(ValueLayout.ADDRESS, 0, slots[i]);
            iov.set(ValueLayout.JAVA_LONG, 8, slotBytes);
            long h = (long) i * MMSGHDR_BYTES;
            vector.set(ValueLayout.ADDRESS, h + MSG_IOV, iov);
            vector.set(ValueLayout.JAVA_LONG, h + MSG_IOVLEN, 1);
        }
    }

    /** The {@code struct mmsghdr} vector to pass to recvmmsg. */
    MemorySegment vector() {
        return vector;
    }

    int capacity() {
        return slots.length;
    }

    /** Datagrams the last receive filled. */
    int count() {
        return count;
    }

    void filled(int n) {
        count = n;
    }

    /** The buffer of datagram {@code i}. */
    MemorySegment slot(int i) {
        return slots[i];
    }

    /**
     * The length of datagram {@code i} as the kernel had it (with MSG_TRUNC a netlink socket reports the full
     * length): more than {@link #slotBytes()} means the slot holds only its beginning.
     */
    long length(int i) {
        return vector.get(ValueLayout.JAVA_INT, (long) i * MMSGHDR_BYTES + MSG_LEN) & 0xffffffffL;
    }

    /** Whether datagram {@code i} was cut to its slot (MSG_TRUNC in its msg_flags). */
    boolean truncated(int i) {
        return length(i) > slotBytes
                || (vector.get(ValueLayout.JAVA_INT, (long) i * MMSGHDR_BYTES + MSG_FLAGS) & Libc.MSG_TRUNC) != 0;
    }

    int slotBytes() {
        return slotBytes;
    }

    /** Clears each header's msg_flags before a receive (the kernel sets, never clears, them). */
    void reset() {
        for (int i = 0; i < slots.length; i++) {
            vector.set(ValueLayout.JAVA_INT, (long) i * MMSGHDR_BYTES + MSG_FLAGS, 0);
        }
        count = 0;
    }
}
