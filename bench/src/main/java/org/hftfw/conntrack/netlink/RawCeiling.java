package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackException;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The ceiling the kernel allows on this machine, for {@link NetlinkBench}: the smallest batched ctnetlink writer and
 * dump reader that can be written, with no decoding and no objects in the measured loops.
 *
 * <p>Writer: every create request is encoded once, before any measurement, into one contiguous native buffer
 * (the same bytes {@link CtEncoder#create} produces). A run marks the last request of each batch with NLM_F_ACK,
 * then for each batch makes one {@code sendto} straight from that buffer (no copy) and reads replies until the
 * last request of the batch is answered; an NLMSG_ERROR with a non-zero code counts as a failure. This is the
 * minimal writer of the performance issue: many messages per sendmsg, one ACK per batch, as libmnl's batch helpers
 * and {@code conntrack -R} without per-request ACKs would do it.
 *
 * <p>Reader: one NLM_F_DUMP GET, then {@code recvfrom} into a 64 KiB buffer walking only the netlink headers and
 * counting IPCTNL_MSG_CT_NEW messages until NLMSG_DONE.
 */
final class RawCeiling implements AutoCloseable {
    private static final int TYPE_NEW = Cta.msgType(Cta.IPCTNL_MSG_CT_NEW);

    private final NetlinkSocket socket;
    private final MemorySegment wire;
    private final int[] offsets;
    private final MemorySegment rx;
    private final int count;

    private RawCeiling(NetlinkSocket socket, List<ConntrackEntry> entries) {
        this.socket = socket;
        this.count = entries.size();
        this.rx = socket.allocate(64 * 1024);
        NlWriter w = new NlWriter(socket.allocate((long) count * CtEncoder.MAX_MESSAGE_BYTES));
        offsets = new int[count + 1];
        for (int i = 0; i < count; i++) {
            offsets[i] = w.position();
            CtEncoder.create(w, entries.get(i), i + 1, false);
        }
        offsets[count] = w.position();
        wire = w.segment();
    }

    /** Opens the socket (in the options' namespace) with send and receive buffers of {@code bufferBytes}. */
    static RawCeiling open(Ctnetlink.Options o, List<ConntrackEntry> entries, int bufferBytes) {
        NetlinkSocket s = KernelConntrackTable.inNamespace(o,
                () -> NetlinkSocket.open(0, bufferBytes, bufferBytes, o.replyTimeoutMillis(), false));
        try {
            return new RawCeiling(s, entries);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Sends all requests in batches of at most {@code maxMessages} requests and {@code maxBytes} bytes, ACK on the
     * last of each batch. Returns the number of requests the kernel refused (or whose fate is unknown).
     */
    long inject(int maxMessages, int maxBytes) {
        int[] ends = plan(maxMessages, maxBytes);
        for (int i = 0; i < count; i++) {
            setAck(i, false);
        }
        for (int e : ends) {
            setAck(e - 1, true);
        }
        long failures = 0;
        int from = 0;
        for (int end : ends) {
            socket.send(wire.asSlice(offsets[from]), offsets[end] - offsets[from]);
            failures += awaitAck(end); // seq of request k is k + 1: the last of this batch has seq == end
            from = end;
        }
        return failures;
    }

    private int[] plan(int maxMessages, int maxBytes) {
        int[] ends = new int[count];
        int batches = 0;
        int from = 0;
        while (from < count) {
            int end = from + 1;
            while (end < count && end - from < maxMessages && offsets[end + 1] - offsets[from] <= maxBytes) {
                end++;
            }
            ends[batches++] = end;
            from = end;
        }
        return java.util.Arrays.copyOf(ends, batches);
    }

    private void setAck(int i, boolean ack) {
        long at = offsets[i] + 6L;
        short f = wire.get(NlWriter.H16, at);
        wire.set(NlWriter.H16, at, (short) (ack ? f | Nl.NLM_F_ACK : f & ~Nl.NLM_F_ACK));
    }

    private long awaitAck(int lastSeq) {
        long failures = 0;
        while (true) {
            long r = socket.recv(rx, false);
            if (r < 0) {
                throw new ConntrackException(0, "raw ceiling: reply lost (" + (r == NetlinkSocket.OVERRUN ? "ENOBUFS" : "timeout") + ")");
            }
            int n = (int) Math.min(r, rx.byteSize());
            for (int pos = 0; pos + Nl.NLMSG_HDRLEN <= n; ) {
                int len = rx.get(NlWriter.H32, pos);
                int type = rx.get(NlWriter.H16, pos + 4) & 0xffff;
                int seq = rx.get(NlWriter.H32, pos + 8);
                if (type == Nl.NLMSG_ERROR) {
                    if (rx.get(NlWriter.H32, pos + Nl.NLMSG_HDRLEN) != 0) {
                        failures++;
                    }
                    if (seq == lastSeq) {
                        return failures;
                    }
                }
                if (len < Nl.NLMSG_HDRLEN) {
                    break;
                }
                pos += Nl.align(len);
            }
        }
    }

    /** Dumps the table, counting the entries without decoding them. */
    long dump() {
        NlWriter w = new NlWriter(rx);
        CtEncoder.dump(w, 0x7fff0000);
        socket.send(w.segment(), w.position());
        long entries = 0;
        while (true) {
            long r = socket.recv(rx, false);
            if (r < 0) {
                throw new ConntrackException(0, "raw ceiling: dump reply lost");
            }
            int n = (int) Math.min(r, rx.byteSize());
            for (int pos = 0; pos + Nl.NLMSG_HDRLEN <= n; ) {
                int len = rx.get(NlWriter.H32, pos);
                int type = rx.get(NlWriter.H16, pos + 4) & 0xffff;
                if (type == TYPE_NEW) {
                    entries++;
                } else if (type == Nl.NLMSG_DONE || type == Nl.NLMSG_ERROR) {
                    return entries;
                }
                if (len < Nl.NLMSG_HDRLEN) {
                    break;
                }
                pos += Nl.align(len);
            }
        }
    }

    /** Dumps the table and returns heap copies of the reply datagrams (for measuring decoding without the kernel). */
    List<MemorySegment> captureDump() {
        NlWriter w = new NlWriter(rx);
        CtEncoder.dump(w, 0x7fff0001);
        socket.send(w.segment(), w.position());
        List<MemorySegment> out = new java.util.ArrayList<>();
        while (true) {
            long r = socket.recv(rx, false);
            if (r < 0 || r > rx.byteSize()) {
                throw new ConntrackException(0, "raw ceiling: dump reply lost or truncated");
            }
            out.add(MemorySegment.ofArray(rx.asSlice(0, r).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            int type = rx.get(NlWriter.H16, 4) & 0xffff;
            if (type == Nl.NLMSG_DONE || type == Nl.NLMSG_ERROR) {
                return out;
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
