package org.hftfw.sync;

import static org.hftfw.bench.Figures.check;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.conntrack.netlink.Ctnetlink;

/**
 * The event bench's fast loader: creates the burst's flows in a namespace with batched ctnetlink writes ({@link
 * ConntrackTable#createAll}, the requests the always-committed backup sends), from {@code threads} threads with a
 * request socket each, in chunks of {@value #CHUNK} entries (one netlink batch each). The {@code conntrack -R} tool
 * sends one request and waits for its answer per entry (11–27 k events/s from four of them on this machine), which
 * cannot show whether the event path keeps up at the 120 000 events/s. Paced: chunk {@code i} is not sent
 * before {@code i * CHUNK / rate} s after the start, whichever thread takes it, so the kernel's event rate is
 * the target as long as the loader can go that fast; rate 0 sends as fast as the threads can. The achieved rate is
 * what the bench reports: the flows divided by the time until the last chunk was acknowledged.
 */
final class NetlinkLoader implements EventBurstBench.Loader {
    static final int CHUNK = 256;

    private final List<ConntrackEntry> flows;
    private final int threads;
    private final long rate;

    /** {@code flows} established TCP flows (the same tuples as the {@code conntrack -R} files), loaded at {@code rate}. */
    NetlinkLoader(int flows, int threads, long rate) {
        check(threads >= 1 && rate >= 0, "threads >= 1, rate >= 0");
        this.flows = entries(flows);
        this.threads = threads;
        this.rate = rate;
    }

    /** 10.240.x.y:(10000 + i / 65536) → 10.241.0.1:80, ESTABLISHED, SEEN_REPLY|ASSURED, 600 s. */
    static List<ConntrackEntry> entries(int flows) {
        InetAddress dst = InetAddress.ofLiteral("10.241.0.1");
        List<ConntrackEntry> out = new ArrayList<>(flows);
        for (int i = 0; i < flows; i++) {
            InetAddress src = InetAddress.ofLiteral("10.240." + (i >> 8 & 0xff) + "." + (i & 0xff));
            Tuple t = Tuple.ports(src, dst, IpProto.TCP, 10_000 + (i >> 16), 80);
            out.add(ConntrackEntry.builder(t).tcpState(TcpState.ESTABLISHED)
                    .status(Status.CONFIRMED | Status.SEEN_REPLY | Status.ASSURED).timeout(600).build());
        }
        return out;
    }

    /** What the loader asked for: "netlink, 4 threads, 120 000/s" or "... as fast as it goes". */
    @Override
    public String describe() {
        return String.format(java.util.Locale.ROOT, "netlink batches, %d threads, %s", threads,
                rate == 0 ? "unpaced" : String.format(java.util.Locale.ROOT, "paced to %,d/s", rate));
    }

    /** Loads every flow into {@code ns}; returns the time from the first chunk until the last was answered. */
    @Override
    public long load(NetnsLab.Netns ns) throws InterruptedException, ExecutionException {
        List<ConntrackTable> tables = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                tables.add(ns.openConntrack(Ctnetlink.Options.defaults()));
            }
            AtomicInteger nextChunk = new AtomicInteger();
            int chunks = (flows.size() + CHUNK - 1) / CHUNK;
            long t0 = System.nanoTime();
            List<Future<Integer>> done = new ArrayList<>();
            for (ConntrackTable table : tables) {
                FutureTask<Integer> task = new FutureTask<>(() -> {
                    int created = 0;
                    for (int c = nextChunk.getAndIncrement(); c < chunks; c = nextChunk.getAndIncrement()) {
                        if (rate > 0) {
                            long due = t0 + c * CHUNK * TimeUnit.SECONDS.toNanos(1) / rate;
                            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                                LockSupport.parkNanos(wait);
                            }
                        }
                        List<ConntrackEntry> chunk = flows.subList(c * CHUNK, Math.min(flows.size(), (c + 1) * CHUNK));
                        created += table.createAll(chunk, false).created();
                    }
                    return created;
                });
                Thread.ofPlatform().name("hpb-loader").start(task);
                done.add(task);
            }
            int created = 0;
            for (Future<Integer> f : done) {
                created += f.get();
            }
            long nanos = System.nanoTime() - t0;
            check(created == flows.size(), "the loader created " + created + " of " + flows.size() + " flows");
            return nanos;
        } finally {
            for (ConntrackTable t : tables) {
                t.close();
            }
        }
    }
}
