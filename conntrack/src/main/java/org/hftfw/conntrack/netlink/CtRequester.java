package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackException.MalformedException;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.ConntrackTable.BatchResult;
import org.hftfw.conntrack.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Request/response traffic on one ctnetlink socket: dump, get, create, update, delete, flush and the batched
 * create. Not thread-safe; the owning table serialises callers.
 *
 * <p>Batching: {@link #createAll} packs up to {@code maxBatchMessages} requests into one {@code sendto} datagram;
 * the kernel's netlink_rcv_skb processes them in order and answers every failed request with an NLMSG_ERROR
 * (carrying its sequence number), and a request flagged NLM_F_ACK with an ACK. By default only the last request of
 * a batch asks for an ACK, so a successful batch costs one reply; with {@code ackEveryMessage} each request is
 * acknowledged and the replies are read back in bulk (the benchmark measures both).
 */
final class CtRequester implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CtRequester.class);
    private static final int MAX_REPORTED_ERRORS = 10;

    /**
     * The probe's buffers: its GET_STATS request and reply are a few dozen bytes (the reply a few hundred at most,
     * a netlink message of one page is the most a non-dump reply can be).
     */
    private static final int PROBE_BUFFER_BYTES = 8192;
    private static final int RECEIVE_BUFFER_BYTES = 256 * 1024;

    private final NetlinkSocket socket;
    private final int batchBytes;
    private final MemorySegment probeRx;
    private final NlWriter probeTx;
    /** The buffers in use: the probe's, or {@link #fullBuffers}' until {@link #release}. */
    private MemorySegment rx;
    private NlWriter tx;
    private FullBuffers fullBuffers;
    private final CtDecoder decoder;
    private final TableStats stats;
    private final int maxBatchMessages;
    private final boolean ackEveryMessage;
    private int seq = (int) (System.nanoTime() & 0x3fffffff);
    /** The last batch's result per request ({@link #sendBatch}), reused from batch to batch. */
    private int[] results = new int[0];

    CtRequester(NetlinkSocket socket, TableStats stats, int batchBytes, int maxBatchMessages, boolean ackEveryMessage) {
        this.socket = socket;
        this.stats = stats;
        this.batchBytes = batchBytes;
        this.probeRx = socket.allocate(PROBE_BUFFER_BYTES);
        this.probeTx = new NlWriter(socket.allocate(4 * CtEncoder.MAX_MESSAGE_BYTES));
        this.rx = probeRx;
        this.tx = probeTx;
        this.decoder = new CtDecoder(stats.unknownAttributes, TupleCache.REQUEST_SLOTS);
        this.maxBatchMessages = maxBatchMessages;
        this.ackEveryMessage = ackEveryMessage;
    }

    int portId() {
        return socket.portId();
    }

    /**
     * Allocates the request buffers on the first request after the probe or a dump: 256 KB to receive and a batch's
     * size to send, native and zeroed, and the send buffer's staging array on the heap (512 KB in all with the default
     * batch of 128 KB). A table opens one requester for its requests, one per event subscription for the resync dump
     * after an overrun, and the always-committed backup one for its writes; the daemon that never overruns, or whose
     * peer sends nothing to write, keeps those two at the probe's buffers, and the first one gives them back after
     * its start-up dump ({@link #release}; docs/daemon.md, "Footprint").
     */
    private void full() {
        if (fullBuffers == null) {
            fullBuffers = new FullBuffers(Math.max(batchBytes, 4 * CtEncoder.MAX_MESSAGE_BYTES));
            rx = fullBuffers.rx;
            tx = fullBuffers.tx;
        }
    }

    /** The request buffers in an arena of their own, so that {@link #release} frees them. */
    private static final class FullBuffers implements AutoCloseable {
        private final Arena arena = Arena.ofShared();
        final MemorySegment rx = arena.allocate(RECEIVE_BUFFER_BYTES, 8);
        final NlWriter tx;

        FullBuffers(int sendBytes) {
            tx = new NlWriter(arena.allocate(sendBytes, 8));
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /**
     * Frees the request buffers after a dump: dumps are rare (start-up, a resync after an overrun, a command), and
     * the writes that come often (an always-committed backup's) keep them from one batch to the next.
     */
    private void release() {
        if (fullBuffers != null) {
            rx = probeRx;
            tx = probeTx;
            fullBuffers.close();
            fullBuffers = null;
        }
    }

    private int nextSeq() {
        seq = (seq + 1) & 0x7fffffff;
        if (seq == 0) {
            seq = 1;
        }
        return seq;
    }

    /** Probes permission and availability with a GET_STATS request. */
    void probe() {
        tx.reset();
        int s = nextSeq();
        CtEncoder.stats(tx, s);
        try {
            roundTrip(s, "opening ctnetlink", null);
        } catch (ConntrackException e) {
            switch (e.errno()) {
                case ConntrackException.EPERM -> throw new ConntrackException.PermissionDeniedException(
                        "ctnetlink: operation not permitted: needs CAP_NET_ADMIN in this network namespace (EPERM)");
                case ConntrackException.EINVAL, ConntrackException.EOPNOTSUPP, ConntrackException.EPROTONOSUPPORT,
                     ConntrackException.ENOENT -> throw new ConntrackException.ConntrackUnavailableException(e.errno(),
                        "ctnetlink is not available: load nf_conntrack and nf_conntrack_netlink ("
                                + Libc.errnoName(e.errno()) + ")");
                default -> throw e;
            }
        }
    }

    long dump(Consumer<ConntrackEntry> sink) {
        full();
        tx.reset();
        int s = nextSeq();
        CtEncoder.dump(tx, s);
        socket.send(tx.segment(), tx.position());
        long[] delivered = {0};
        boolean[] done = {false};
        try {
            while (!done[0]) {
                int n = receive("dump");
                walk(n, (seg, off, len, type, flags, mseq) -> {
                    if (mseq != s) {
                        return true;
                    }
                    return switch (type) {
                        case Nl.NLMSG_DONE -> {
                            done[0] = true;
                            yield false;
                        }
                        case Nl.NLMSG_ERROR -> {
                            int err = Datagrams.errorCode(seg, off, len);
                            if (err != 0) {
                                done[0] = true;
                                stats.errors.incrementAndGet();
                                throw ConntrackException.of(err, "dump");
                            }
                            yield true;
                        }
                        default -> {
                            if (type == Cta.msgType(Cta.IPCTNL_MSG_CT_NEW)) {
                                ConntrackEntry e = decodeCounted(seg, off, len);
                                if (e != null) {
                                    delivered[0]++;
                                    sink.accept(e);
                                }
                            }
                            yield true;
                        }
                    };
                });
            }
        } catch (RuntimeException e) {
            if (!done[0]) {
                drain(s);
            }
            throw e;
        } finally {
            release();
        }
        return delivered[0];
    }

    Optional<ConntrackEntry> get(Tuple original, int zone) {
        full();
        tx.reset();
        int s = nextSeq();
        CtEncoder.get(tx, original, zone, s);
        ConntrackEntry[] found = {null};
        try {
            roundTrip(s, "get " + original, (seg, off, len) -> found[0] = decodeCounted(seg, off, len));
        } catch (ConntrackException.NoSuchEntryException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(found[0]);
    }

    void create(ConntrackEntry e) {
        full();
        tx.reset();
        int s = nextSeq();
        try {
            CtEncoder.create(tx, e, s, true);
        } catch (IllegalArgumentException bad) {
            throw new ConntrackException(ConntrackException.EINVAL, bad.getMessage());
        }
        roundTrip(s, "create " + e.original(), null);
    }

    void update(ConntrackEntry e) {
        full();
        tx.reset();
        int s = nextSeq();
        try {
            CtEncoder.update(tx, e, s, true);
        } catch (IllegalArgumentException bad) {
            throw new ConntrackException(ConntrackException.EINVAL, bad.getMessage());
        }
        roundTrip(s, "update " + e.original(), null);
    }

    void delete(Tuple original, int zone) {
        full();
        tx.reset();
        int s = nextSeq();
        CtEncoder.delete(tx, original, zone, s);
        roundTrip(s, "delete " + original, null);
    }

    void flush() {
        full();
        tx.reset();
        int s = nextSeq();
        CtEncoder.flush(tx, s);
        roundTrip(s, "flush", null);
    }

    BatchResult createAll(Collection<ConntrackEntry> entries, boolean replaceExisting) {
        List<ConntrackEntry> all = new ArrayList<>(entries);
        Outcome out = new Outcome();
        List<ConntrackEntry> existing = new ArrayList<>();
        batches(all, CREATE, (e, errno) -> {
            if (errno == 0) {
                out.created++;
            } else if (errno == ConntrackException.EEXIST && replaceExisting) {
                existing.add(e);
            } else {
                out.fail(e, errno, "create");
            }
        });
        if (!existing.isEmpty()) {
            batches(existing, UPDATE, (e, errno) -> {
                if (errno == 0) {
                    out.updated++;
                } else {
                    out.fail(e, errno, "update");
                }
            });
        }
        if (out.failed > 0) {
            stats.errors.addAndGet(out.failed);
        }
        return new BatchResult(all.size(), out.created, out.updated, out.failed, List.copyOf(out.firstErrors));
    }

    private static final class Outcome {
        int created;
        int updated;
        int failed;
        final List<String> firstErrors = new ArrayList<>();

        void fail(ConntrackEntry e, int errno, String op) {
            failed++;
            if (firstErrors.size() < MAX_REPORTED_ERRORS) {
                firstErrors.add(op + " " + e.original() + ": " + (errno < 0 ? "reply lost" : ConntrackException.describe(errno)));
            }
        }
    }

    @FunctionalInterface
    private interface ResultSink<T> {
        /** errno 0 on success; -1 when the reply was lost (socket overrun or timeout). */
        void result(T e, int errno);
    }

    /** How one kind of request is checked and encoded into a batch. */
    private interface RequestCodec<T> {
        /** Why {@code r} cannot be sent, or null. */
        String invalid(T r);

        void encode(NlWriter w, T r, int seq, boolean ack);
    }

    private static final RequestCodec<ConntrackEntry> CREATE = new RequestCodec<>() {
        @Override
        public String invalid(ConntrackEntry e) {
            return CtEncoder.invalidForCreate(e);
        }

        @Override
        public void encode(NlWriter w, ConntrackEntry e, int seq, boolean ack) {
            CtEncoder.create(w, e, seq, ack);
        }
    };

    private static final RequestCodec<ConntrackEntry> UPDATE = new RequestCodec<>() {
        @Override
        public String invalid(ConntrackEntry e) {
            return CtEncoder.invalidForUpdate(e);
        }

        @Override
        public void encode(NlWriter w, ConntrackEntry e, int seq, boolean ack) {
            CtEncoder.update(w, e, seq, ack);
        }
    };

    /** One request of {@link #writeAll}, in the kind it is sent as now (a fallback changes the kind). */
    private record Req(ConntrackTable.Write write, Kind kind) {
        enum Kind { CREATE, UPDATE, DELETE, TIMEOUT }

        /**
         * The request a write goes out as first: a NEW state's create, an UPDATE's update, the delete, the timeout.
         * Asked three times per write (check, encode, result): tests of the final record classes, which C1, the
         * daemon's only compiler, keeps as class compares where a pattern switch is an invokedynamic call.
         */
        static Kind first(ConntrackTable.Write w) {
            if (w instanceof ConntrackTable.Write.Commit c) {
                return c.createFirst() ? Kind.CREATE : Kind.UPDATE;
            }
            if (w instanceof ConntrackTable.Write.Timeout) {
                return Kind.TIMEOUT;
            }
            if (w instanceof ConntrackTable.Write.Delete) {
                return Kind.DELETE;
            }
            return ((ConntrackTable.Write.Upsert) w).createFirst() ? Kind.CREATE : Kind.UPDATE;
        }

        Req as(Kind k) {
            return new Req(write, k);
        }

        /** The entry an upsert or a commit writes (as received, for a commit). */
        ConntrackEntry entry() {
            return entryOf(write);
        }

        static ConntrackEntry entryOf(ConntrackTable.Write w) {
            return w instanceof ConntrackTable.Write.Commit c ? c.asReceived()
                    : ((ConntrackTable.Write.Upsert) w).entry();
        }

        /** The timeout an upsert or a commit writes. */
        static long timeoutOf(ConntrackTable.Write w) {
            return w instanceof ConntrackTable.Write.Commit c ? c.timeout()
                    : ((ConntrackTable.Write.Upsert) w).entry().timeout();
        }
    }

    private static final RequestCodec<Req> WRITE = new RequestCodec<>() {
        @Override
        public String invalid(Req r) {
            return invalidAs(r.write(), r.kind());
        }

        @Override
        public void encode(NlWriter w, Req r, int seq, boolean ack) {
            encodeAs(w, r.write(), r.kind(), seq, ack);
        }
    };

    /** A write as its first request ({@link Req#first}): the first pass of a batch needs no {@link Req} per write. */
    private static final RequestCodec<ConntrackTable.Write> FIRST = new RequestCodec<>() {
        @Override
        public String invalid(ConntrackTable.Write w) {
            return invalidAs(w, Req.first(w));
        }

        @Override
        public void encode(NlWriter w, ConntrackTable.Write write, int seq, boolean ack) {
            encodeAs(w, write, Req.first(write), seq, ack);
        }
    };

    private static String invalidAs(ConntrackTable.Write w, Req.Kind kind) {
        return switch (kind) {
            case CREATE -> CtEncoder.invalidForCreate(Req.entryOf(w), Req.timeoutOf(w));
            case UPDATE -> CtEncoder.invalidForUpdate(Req.entryOf(w), Req.timeoutOf(w));
            case DELETE, TIMEOUT -> null;
        };
    }

    private static void encodeAs(NlWriter w, ConntrackTable.Write write, Req.Kind kind, int seq, boolean ack) {
        switch (write) {
            case ConntrackTable.Write.Upsert u -> {
                if (kind == Req.Kind.CREATE) {
                    CtEncoder.create(w, u.entry(), seq, ack);
                } else {
                    CtEncoder.update(w, u.entry(), seq, ack);
                }
            }
            case ConntrackTable.Write.Commit c -> {
                if (kind == Req.Kind.CREATE) {
                    CtEncoder.create(w, c, seq, ack);
                } else {
                    CtEncoder.update(w, c, seq, ack);
                }
            }
            case ConntrackTable.Write.Delete d -> CtEncoder.delete(w, d.original(), d.zone(), seq, ack);
            case ConntrackTable.Write.Timeout t -> CtEncoder.timeout(w, t.original(), t.zone(), t.seconds(), seq, ack);
        }
    }

    /**
     * The batched {@link ConntrackTable#writeAll}: every write goes out as its first request (create, update, delete
     * or timeout) in netlink batches; the upserts the kernel answered with EEXIST (create first) or ENOENT (update
     * first) go out again as the other request, and an update refused otherwise is replaced by a delete and a
     * create (conntrackd's external_inject_upd). A write costs one request when the guess was right.
     */
    ConntrackTable.WriteResult writeAll(List<? extends ConntrackTable.Write> writes) {
        ConntrackTable.WriteResult.Tally t = new ConntrackTable.WriteResult.Tally();
        List<Req> retry = new ArrayList<>();
        List<Req> replace = new ArrayList<>();
        batches(writes, FIRST, (w, errno) -> {
            Req.Kind kind = Req.first(w);
            if (errno == 0) {
                switch (kind) {
                    case CREATE -> t.created++;
                    case UPDATE, TIMEOUT -> t.updated++;
                    case DELETE -> t.deleted++;
                }
                return;
            }
            switch (kind) {
                case CREATE -> {
                    if (errno == ConntrackException.EEXIST) {
                        retry.add(new Req(w, Req.Kind.UPDATE));
                    } else {
                        fail(t, new Req(w, kind), errno);
                    }
                }
                case UPDATE -> {
                    if (errno == ConntrackException.ENOENT) {
                        retry.add(new Req(w, Req.Kind.CREATE));
                    } else if (errno > 0 && errno != ConntrackException.EINVAL) {
                        replace.add(new Req(w, kind));
                    } else {
                        fail(t, new Req(w, kind), errno);
                    }
                }
                case DELETE, TIMEOUT -> {
                    if (errno == ConntrackException.ENOENT) {
                        t.absent++;
                    } else {
                        fail(t, new Req(w, kind), errno);
                    }
                }
            }
        });
        List<Req> deletes = new ArrayList<>(replace.size());
        for (Req r : replace) {
            deletes.add(new Req(new ConntrackTable.Write.Delete(r.entry().original(), r.entry().zone()),
                    Req.Kind.DELETE));
            retry.add(r.as(Req.Kind.CREATE));
        }
        if (!deletes.isEmpty()) {
            batches(deletes, WRITE, (r, errno) -> { });  // absent is fine: the create that follows decides
        }
        if (!retry.isEmpty()) {
            batches(retry, WRITE, (r, errno) -> {
                if (errno != 0) {
                    fail(t, r, errno);
                } else if (r.kind() == Req.Kind.CREATE) {
                    t.created++;
                } else {
                    t.updated++;
                }
            });
        }
        if (t.failed > 0) {
            stats.errors.addAndGet(t.failed);
        }
        return t.result(writes.size());
    }

    private static void fail(ConntrackTable.WriteResult.Tally t, Req r, int errno) {
        String what = r.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + switch (r.write()) {
            case ConntrackTable.Write.Upsert u -> u.entry().original();
            case ConntrackTable.Write.Commit c -> c.asReceived().original();
            case ConntrackTable.Write.Delete d -> d.original();
            case ConntrackTable.Write.Timeout to -> to.original();
        };
        t.fail(what, new ConntrackException(Math.max(errno, 0),
                errno < 0 ? "reply lost" : ConntrackException.describe(errno)));
    }

    private <T> void batches(List<? extends T> list, RequestCodec<T> codec, ResultSink<T> sink) {
        full();
        int i = 0;
        List<T> sent = new ArrayList<>();
        while (i < list.size()) {
            tx.reset();
            sent.clear();
            int base = 0;
            int lastOff = -1;
            while (i < list.size() && sent.size() < maxBatchMessages && tx.remaining() > CtEncoder.MAX_MESSAGE_BYTES) {
                T e = list.get(i);
                String invalid = codec.invalid(e);
                if (invalid != null) {
                    i++;
                    LOG.debug("not sent: {}", invalid);
                    sink.result(e, ConntrackException.EINVAL);
                    continue;
                }
                int s = nextSeq();
                if (sent.isEmpty()) {
                    base = s;
                } else if (s != base + sent.size()) {
                    break; // the sequence number wrapped: this entry starts the next batch
                }
                lastOff = tx.position();
                codec.encode(tx, e, s, ackEveryMessage);
                sent.add(e);
                i++;
            }
            if (sent.isEmpty()) {
                continue;
            }
            if (!ackEveryMessage) {
                tx.addFlags(lastOff, Nl.NLM_F_ACK);
            }
            int[] result = sendBatch(base, sent.size());
            for (int k = 0; k < sent.size(); k++) {
                sink.result(sent.get(k), result[k]);
            }
        }
    }

    /** Sends the encoded batch and reads replies until the last request is answered. */
    private int[] sendBatch(int base, int count) {
        if (results.length < count) {
            results = new int[count];
        }
        int[] result = results;                 // read by the caller before the next batch is sent
        Arrays.fill(result, 0, count, Integer.MIN_VALUE);
        socket.send(tx.segment(), tx.position());
        int last = base + count - 1;
        int[] pending = {ackEveryMessage ? count : 1};
        boolean lost = false;
        while (pending[0] > 0) {
            int n;
            long r = socket.recv(rx, false);
            if (r == NetlinkSocket.OVERRUN) {
                // replies were dropped: what is still unknown cannot be confirmed
                LOG.warn("ctnetlink request socket overrun during a batch of {} requests: replies lost", count);
                lost = true;
                continue;
            }
            if (r == NetlinkSocket.TIMED_OUT) {
                lost = true;
                break;
            }
            n = (int) Math.min(r, rx.byteSize());
            walkLenient(n, (seg, off, len, type, flags, mseq) -> {
                if (type != Nl.NLMSG_ERROR) {
                    return true;
                }
                int idx = mseq - base;
                if (idx < 0 || idx >= count) {
                    return true;
                }
                int err = Datagrams.errorCode(seg, off, len);
                if (result[idx] == Integer.MIN_VALUE) {
                    result[idx] = err;
                    if (ackEveryMessage || mseq == last) {
                        pending[0]--;
                    }
                }
                return true;
            });
        }
        for (int k = 0; k < count; k++) {
            if (result[k] == Integer.MIN_VALUE) {
                // no error reply: success, unless replies were lost (then it cannot be confirmed)
                result[k] = lost ? -1 : 0;
            }
        }
        return result;
    }

    @FunctionalInterface
    private interface DataSink {
        void data(MemorySegment seg, int off, int len);
    }

    /** Sends the request in {@code tx} and waits for its ACK or error; data replies go to {@code data}. */
    private void roundTrip(int s, String op, DataSink data) {
        socket.send(tx.segment(), tx.position());
        boolean[] done = {false};
        while (!done[0]) {
            int n = receive(op);
            walk(n, (seg, off, len, type, flags, mseq) -> {
                if (mseq != s) {
                    return true;
                }
                if (type == Nl.NLMSG_ERROR) {
                    done[0] = true;
                    int err = Datagrams.errorCode(seg, off, len);
                    if (err != 0) {
                        if (err != ConntrackException.ENOENT || !op.startsWith("get")) {
                            stats.errors.incrementAndGet();
                        }
                        throw ConntrackException.of(err, op);
                    }
                    return false;
                }
                if (type == Nl.NLMSG_DONE) {
                    done[0] = true;
                    return false;
                }
                if (data != null && type == Cta.msgType(Cta.IPCTNL_MSG_CT_NEW)) {
                    data.data(seg, off, len);
                }
                return true;
            });
        }
    }

    private int receive(String op) {
        long r = socket.recv(rx, false);
        if (r == NetlinkSocket.TIMED_OUT) {
            stats.errors.incrementAndGet();
            throw new ConntrackException(0, op + ": no reply from the kernel (timed out)");
        }
        if (r == NetlinkSocket.OVERRUN) {
            stats.errors.incrementAndGet();
            throw ConntrackException.of(ConntrackException.ENOBUFS, op);
        }
        if (r > rx.byteSize()) {
            stats.malformed.incrementAndGet();
            throw new MalformedException(op + ": datagram of " + r + " bytes truncated to " + rx.byteSize());
        }
        return (int) r;
    }

    private void walk(int n, Datagrams.Visitor v) {
        try {
            Datagrams.forEach(rx, n, v);
        } catch (MalformedException e) {
            stats.malformed.incrementAndGet();
            throw e;
        }
    }

    private void walkLenient(int n, Datagrams.Visitor v) {
        try {
            Datagrams.forEach(rx, n, v);
        } catch (MalformedException e) {
            stats.malformed.incrementAndGet();
            LOG.warn("dropped the rest of a malformed reply datagram: {}", e.getMessage());
        }
    }

    private ConntrackEntry decodeCounted(MemorySegment seg, int off, int len) {
        try {
            return decoder.decode(seg, off, len);
        } catch (MalformedException e) {
            stats.malformed.incrementAndGet();
            LOG.warn("skipped a malformed ctnetlink message: {}", e.getMessage());
            return null;
        }
    }

    /** Reads and discards the rest of an aborted dump so the socket can serve the next request. */
    private void drain(int s) {
        try {
            boolean[] done = {false};
            while (!done[0]) {
                long r = socket.recv(rx, false);
                if (r < 0) {
                    return;
                }
                Datagrams.forEach(rx, (int) Math.min(r, rx.byteSize()), (seg, off, len, type, flags, mseq) -> {
                    if (mseq == s && (type == Nl.NLMSG_DONE || type == Nl.NLMSG_ERROR)) {
                        done[0] = true;
                        return false;
                    }
                    return true;
                });
            }
        } catch (RuntimeException e) {
            LOG.debug("draining an aborted dump failed", e);
        }
    }

    @Override
    public void close() {
        try {
            release();
        } finally {
            socket.close();
        }
    }
}
