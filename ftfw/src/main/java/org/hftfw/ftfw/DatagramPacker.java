package org.hftfw.ftfw;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Packs messages back to back into datagrams the way conntrackd's buffered channel does ({@code channel_send},
 * src/channel.c): a message is appended while {@code buffered + len < size} (strict), otherwise the buffer is sent
 * first; {@link #flush} sends what is left at the end of a transmit run. The size is the link MTU minus 28 (IPv4 +
 * UDP headers), less the room kept for an authentication trailer ({@code trailer} bytes, which the sink appends). A
 * message that alone reaches the size goes out on its own.
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
    private ByteBuf current;
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
    }

    /** Appends the readable bytes of {@code msg} (one encoded message); does not release it. */
    void add(ByteBuf msg) {
        int len = msg.readableBytes();
        if (current != null && current.readableBytes() + len >= size) {
            flush();
        }
        if (current == null) {
            current = alloc.buffer(Math.max(size, len) + trailer);
        }
        if (msg.hasArray()) {
            // the engine's heap scratch: one copy from its array, not the buffer-to-buffer path's checks and views
            current.writeBytes(msg.array(), msg.arrayOffset() + msg.readerIndex(), len);
        } else {
            current.writeBytes(msg, msg.readerIndex(), len);
        }
    }

    void flush() {
        if (current != null) {
            ByteBuf d = current;
            current = null;
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
