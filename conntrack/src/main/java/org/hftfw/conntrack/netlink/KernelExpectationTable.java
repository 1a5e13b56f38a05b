package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackException.MalformedException;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.ExpectationTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The kernel's expectation table of one network namespace through ctnetlink (NFNL_SUBSYS_CTNETLINK_EXP), on the same
 * FFM netlink sockets as {@link KernelConntrackTable}: one request socket (calls serialised) and, per
 * {@link #subscribe}, an event socket bound to NFNLGRP_CONNTRACK_EXP_NEW/UPDATE/DESTROY with a daemon thread.
 *
 * <p>Design note. Expectations are few (one per FTP/SIP control exchange, living seconds) next to flows, so requests
 * go one at a time with an ACK each rather than in batches, and an event overrun (ENOBUFS) is repaired by re-reading
 * the whole expectation table ({@link Listener#onResync}), as conntrackd's {@code NetlinkOverrunResync} does for
 * both tables. Creating needs the master conntrack (ENOENT without it) with a helper assigned (EOPNOTSUPP without);
 * on EEXIST, with {@code replaceExisting}, the old expectation is deleted and the create retried once
 * (conntrackd's {@code external_inject_exp_new} and {@code cache_exp_commit_step}). Events caused by this table's
 * own writes are not delivered to its subscribers (the kernel stamps each event with the requester's port id), so
 * a node that writes the peer's expectations and replicates its own never sends the peer's back (conntrackd's
 * origin tracking, src/origin.c).
 */
public final class KernelExpectationTable implements ExpectationTable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelExpectationTable.class);
    private static final int BUFFER = 64 * 1024;

    private final Ctnetlink.Options options;
    private final NetlinkSocket socket;
    private final MemorySegment rx;
    private final NlWriter tx;
    private final ExpCodec codec = new ExpCodec(new CtDecoder());
    private final List<Pump> pumps = new CopyOnWriteArrayList<>();
    private final AtomicLong malformed = new AtomicLong();
    private int seq = (int) (System.nanoTime() & 0x3fffffff);
    private volatile boolean closed;

    private KernelExpectationTable(Ctnetlink.Options options, NetlinkSocket socket) {
        this.options = options;
        this.socket = socket;
        this.rx = socket.allocate(BUFFER);
        this.tx = new NlWriter(socket.allocate(4 * ExpCodec.MAX_MESSAGE_BYTES));
    }

    /** Opens the expectation table of {@code options.netns()} (the caller's namespace when null). */
    public static KernelExpectationTable open(Ctnetlink.Options options) {
        NetlinkSocket s = KernelConntrackTable.inNamespace(options, () -> NetlinkSocket.open(0,
                options.requestBufferBytes(), 0, options.replyTimeoutMillis(), false));
        return new KernelExpectationTable(options, s);
    }

    /** Messages the decoder rejected (dumps and events). */
    public long malformed() {
        return malformed.get();
    }

    private int nextSeq() {
        seq = (seq + 1) & 0x7fffffff;
        if (seq == 0) {
            seq = 1;
        }
        return seq;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("expectation table closed");
        }
    }

    @Override
    public synchronized long dump(Consumer<Expectation> sink) {
        checkOpen();
        tx.reset();
        int s = nextSeq();
        ExpCodec.dump(tx, s);
        return exchange(s, "dump expectations", sink);
    }

    @Override
    public synchronized void create(Expectation e, boolean replaceExisting) {
        checkOpen();
        Objects.requireNonNull(e, "e");
        try {
            send(e, "create " + e);
        } catch (ConntrackException.EntryExistsException exists) {
            if (!replaceExisting) {
                throw exists;
            }
            try {
                delete(e);
            } catch (ConntrackException.NoSuchEntryException gone) {
                LOG.debug("the expectation to replace was gone already: {}", e);
            }
            send(e, "create " + e);
        }
    }

    private void send(Expectation e, String op) {
        tx.reset();
        int s = nextSeq();
        ExpCodec.create(tx, e, s);
        exchange(s, op, null);
    }

    @Override
    public synchronized void delete(Expectation e) {
        checkOpen();
        tx.reset();
        int s = nextSeq();
        ExpCodec.delete(tx, e.expected(), s);
        exchange(s, "delete " + e, null);
    }

    /** Sends the request in {@code tx} and reads replies until its ACK, error or NLMSG_DONE. */
    private long exchange(int s, String op, Consumer<Expectation> sink) {
        socket.send(tx.segment(), tx.position());
        long[] delivered = {0};
        boolean[] done = {false};
        int[] error = {0};
        while (!done[0]) {
            long n = socket.recv(rx, false);
            if (n == NetlinkSocket.TIMED_OUT) {
                throw new ConntrackException(0, op + ": no reply from the kernel (timed out)");
            }
            if (n < 0 || n > rx.byteSize()) {
                throw new ConntrackException(0, op + ": unreadable reply (" + n + ")");
            }
            Datagrams.forEach(rx, (int) n, (seg, off, len, type, flags, mseq) -> {
                if (mseq != s) {
                    return true;
                }
                if (type == Nl.NLMSG_ERROR) {
                    error[0] = Datagrams.errorCode(seg, off, len);
                    done[0] = true;
                    return false;
                }
                if (type == Nl.NLMSG_DONE) {
                    done[0] = true;
                    return false;
                }
                if (sink != null && type == Cte.msgType(Cte.IPCTNL_MSG_EXP_NEW)) {
                    Expectation e = decodeCounted(seg, off, len);
                    if (e != null) {
                        delivered[0]++;
                        sink.accept(e);
                    }
                }
                return true;
            });
        }
        if (error[0] != 0) {
            throw ConntrackException.of(error[0], op);
        }
        return delivered[0];
    }

    private Expectation decodeCounted(MemorySegment seg, int off, int len) {
        try {
            return codec.decode(seg, off, len);
        } catch (MalformedException | IllegalArgumentException e) {
            malformed.incrementAndGet();
            LOG.warn("skipped a malformed ctnetlink expectation message: {}", e.getMessage());
            return null;
        }
    }

    @Override
    public synchronized ConntrackTable.EventSubscription subscribe(Listener listener) {
        checkOpen();
        Objects.requireNonNull(listener, "listener");
        int groups = Nl.groupMask(Cte.NFNLGRP_EXP_NEW) | Nl.groupMask(Cte.NFNLGRP_EXP_UPDATE)
                | Nl.groupMask(Cte.NFNLGRP_EXP_DESTROY);
        NetlinkSocket events = KernelConntrackTable.inNamespace(options, () -> NetlinkSocket.open(groups,
                options.eventBufferBytes(), 0, EventPump.POLL_MILLIS, false));
        Pump p = new Pump(events, listener);
        pumps.add(p);
        p.thread.start();
        return p;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Pump p : pumps) {
            p.close();
        }
        socket.close();
    }

    /** One subscription: reads expectation events and hands them over in kernel order. */
    private final class Pump implements ConntrackTable.EventSubscription {
        private final NetlinkSocket events;
        private final Listener listener;
        private final MemorySegment buf;
        private final ExpCodec decoder = new ExpCodec(new CtDecoder());
        private final Thread thread;
        private volatile boolean stopping;

        Pump(NetlinkSocket events, Listener listener) {
            this.events = events;
            this.listener = listener;
            this.buf = events.allocate(BUFFER);
            this.thread = Thread.ofPlatform().daemon(true).name("hftfw-ct-expect-events").unstarted(this::run);
        }

        private void run() {
            try {
                while (!stopping) {
                    long n = events.recv(buf, false);
                    if (n == NetlinkSocket.TIMED_OUT) {
                        continue;
                    }
                    if (n == NetlinkSocket.OVERRUN) {
                        resync();
                        continue;
                    }
                    deliver((int) Math.min(n, buf.byteSize()));
                }
            } catch (ConntrackException e) {
                if (!stopping) {
                    listener.onError(e);
                }
            } catch (RuntimeException e) {
                if (!stopping) {
                    listener.onError(new ConntrackException(0, "expectation events: " + e));
                }
            }
        }

        private void deliver(int n) {
            try {
                Datagrams.forEach(buf, n, (seg, off, len, type, flags, mseq) -> {
                    EventType t = type == Cte.msgType(Cte.IPCTNL_MSG_EXP_DELETE) ? EventType.DESTROY
                            : type != Cte.msgType(Cte.IPCTNL_MSG_EXP_NEW) ? null
                            : (flags & Nl.NLM_F_CREATE) != 0 ? EventType.NEW : EventType.UPDATE;
                    // the kernel stamps an event with the port id of the request that caused it: this table's own
                    // writes (the peer's expectations on a node that also publishes) are not local changes
                    boolean own = seg.get(NlWriter.H32, off + 12) == socket.portId();
                    if (t != null && !own) {
                        try {
                            listener.onExpectation(t, decoder.decode(seg, off, len));
                        } catch (MalformedException | IllegalArgumentException e) {
                            malformed.incrementAndGet();
                            LOG.warn("skipped a malformed expectation event: {}", e.getMessage());
                        }
                    }
                    return true;
                });
            } catch (MalformedException e) {
                malformed.incrementAndGet();
                LOG.warn("dropped the rest of a malformed expectation event datagram: {}", e.getMessage());
            }
        }

        private void resync() {
            LOG.warn("expectation events overran (ENOBUFS): re-reading the expectation table");
            List<Expectation> all = new ArrayList<>();
            dump(all::add);
            listener.onResync(all);
        }

        @Override
        public void close() {
            stopping = true;
            try {
                thread.join(2L * EventPump.POLL_MILLIS + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            events.close();
            pumps.remove(this);
        }
    }
}
