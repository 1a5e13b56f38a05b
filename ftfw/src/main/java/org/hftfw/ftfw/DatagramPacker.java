package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Arrays;

/**
 * Packs messages back to back into datagrams the way conntrackd's buffered channel does ({@code channel_send},
 * src/channel.c): a message is appended while {@code buffered + len < size} (strict), otherwise the buffer is sent
 * first; {@link #flush} sends what is left at the end of a transmit run. The size is the link MTU minus 28 (IPv4 +
 * UDP headers), less the room kept for an authentication trailer ({@code trailer} bytes, which the sink appends). A
 * message that alone reaches the size goes out on its own.
 *
 * <p>The messages of a datagram are gathered in a heap array and copied into the datagram's buffer once, when it is
 * full or flushed: a copy into the allocator's direct buffer is a native copy that C1, the daemon's compiler
 * ({@code conf/daemon.jvm}), does not inline (an {@code Unsafe.copyMemory} call through the VM, with checks of the
 * buffer's reference count, bounds and capacity before it), and per message it cost about a twentieth of the event
 * path ({@code hftfw bench pipeline --daemon-jit}, docs/performance.md §4, ninth round); an array copy is one C1
 * intrinsic.
 */
final class DatagramPacker {

    /** Receives full datagrams; takes ownership of the buffer. */
    interface Sink {
        void send(ByteBuf datagram);
    }

    private final ByteBufAllocator alloc;
    private final int size;
    private final int trailer;
    private final Sink sink;
    /** The open datagram's messages, {@link #pending} bytes of them; grown only for a message longer than the size. */
    private byte[] gathered;
    private int pending;
    /** Whether a datagram is open (a message was added since the last one went out). */
    private boolean open;
    private long datagrams;
    private long bytes;

    DatagramPacker(ByteBufAllocator alloc, int size, Sink sink) {
        this(alloc, size, 0, sink);
    }

    DatagramPacker(ByteBufAllocator alloc, int size, int trailer, Sink sink) {
        if (size < Nethdr.ACK_SIZE + 1) {
            throw new IllegalArgumentException("datagram size too small: " + size);
        }
        this.alloc = alloc;
        this.size = size;
        this.trailer = trailer;
        this.sink = sink;
        this.gathered = new byte[size];
    }

    /** Appends the readable bytes of {@code msg} (one encoded message); does not release it. */
    void add(ByteBuf msg) {
        int len = msg.readableBytes();
        if (open && pending + len >= size) {
            flush();
        }
        if (len > gathered.length - pending) {
            gathered = Arrays.copyOf(gathered, pending + len);     // a message that alone reaches the size
        }
        if (msg.hasArray()) {
            // the engine's heap scratch: one copy from its array, not the buffer-to-array path's checks
            System.arraycopy(msg.array(), msg.arrayOffset() + msg.readerIndex(), gathered, pending, len);
        } else {
            msg.getBytes(msg.readerIndex(), gathered, pending, len);
        }
        pending += len;
        open = true;
    }

    void flush() {
        if (open) {
            ByteBuf d = alloc.buffer(Math.max(size, pending) + trailer);
            d.writeBytes(gathered, 0, pending);
            open = false;
            pending = 0;
            datagrams++;
            bytes += d.readableBytes();
            sink.send(d);
        }
    }

    int size() {
        return size;
    }

    long datagrams() {
        return datagrams;
    }

    long bytes() {
        return bytes;
    }
}
