package org.hftfw.sync;

import static org.hftfw.bench.Figures.check;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * before {@code i * CHUNK / rate} s after the start, whichever thread takes it, so the kernel's event rate is the
 * target as long as the loader can go that fast; rate 0 sends as fast as the threads can. The achieved rate is what
 * the bench reports: the flows divided by the time until the last chunk was acknowledged.
 *
 * <p>It runs in a JVM of its own, as {@code conntrack -R} and the kernel's own events run apart from the daemon:
 * inside the bench's JVM every garbage-collection pause of hFT-FW's primary and backup (up to 1.1 s each on the
 * loaded machine, ten in one 100 000-flow run) also stopped the loader, which then measured those pauses rather than
 * the event path. The child is started under {@code unshare -n}: before the timed load it creates up to {@value
 * #WARM_UP_FLOWS} of the flows in its private, otherwise empty namespace, so that the timed load does not run interpreted, and the
 * namespace and its entries go away with the process.
 */
final class NetlinkLoader implements EventBurstBench.Loader {
    static final int CHUNK = 256;
    private static final long TIMEOUT_MINUTES = 5;
    private static final int WARM_UP_FLOWS = 50_000;

    private final int flows;
    private final int threads;
    private final long rate;

    /** {@code flows} established TCP flows (the same tuples as the {@code conntrack -R} files), loaded at {@code rate}. */
    NetlinkLoader(int flows, int threads, long rate) {
        check(flows >= 1 && threads >= 1 && rate >= 0, "flows >= 1, threads >= 1, rate >= 0");
        this.flows = flows;
        this.threads = threads;
        this.rate = rate;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "netlink batches from a separate JVM, %d threads, %s", threads,
                rate == 0 ? "unpaced" : String.format(Locale.ROOT, "paced to %,d/s", rate));
    }

    /** Loads every flow into {@code ns} from a child JVM; returns the child's time from the first chunk to the last. */
    @Override
    public long load(NetnsLab.Netns ns) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder("unshare", "-n", java, "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseCompactObjectHeaders", "-cp", System.getProperty("java.class.path"),
                NetlinkLoader.class.getName(), ns.path().toString(), Integer.toString(flows),
                Integer.toString(threads), Long.toString(rate))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        check(p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES), "the loader did not finish");
        check(p.exitValue() == 0, "the loader failed: exit " + p.exitValue() + ", " + out);
        return Long.parseLong(out);
    }

    /**
     * The child: {@code NETNS-FILE FLOWS THREADS RATE}. Warms up in its own namespace, loads into NETNS-FILE,
     * prints the load's nanoseconds.
     */
    public static void main(String[] args) throws Exception {
        check(args.length == 4, "usage: NetlinkLoader NETNS-FILE FLOWS THREADS RATE");
        List<ConntrackEntry> entries = entries(Integer.parseInt(args[1]));
        int threads = Integer.parseInt(args[2]);
        load(Ctnetlink.Options.defaults(), entries.subList(0, Math.min(WARM_UP_FLOWS, entries.size())), threads, 0);
        long nanos = load(Ctnetlink.Options.defaults().withNetns(Path.of(args[0])), entries, threads,
                Long.parseLong(args[3]));
        System.out.println(nanos);
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

    /** Creates {@code entries} in the namespace of {@code options}; returns the nanoseconds it took. */
    private static long load(Ctnetlink.Options options, List<ConntrackEntry> entries, int threads, long rate)
            throws InterruptedException, ExecutionException {
        List<ConntrackTable> tables = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                tables.add(Ctnetlink.open(options));
            }
            AtomicInteger nextChunk = new AtomicInteger();
            int chunks = (entries.size() + CHUNK - 1) / CHUNK;
            long t0 = System.nanoTime();
            List<Future<Integer>> done = new ArrayList<>();
            for (ConntrackTable table : tables) {
                FutureTask<Integer> task = new FutureTask<>(() -> {
                    int created = 0;
                    for (int c = nextChunk.getAndIncrement(); c < chunks; c = nextChunk.getAndIncrement()) {
                        if (rate > 0) {
                            long due = t0 + (long) c * CHUNK * TimeUnit.SECONDS.toNanos(1) / rate;
                            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                                LockSupport.parkNanos(wait);
                            }
                        }
                        List<ConntrackEntry> chunk = entries.subList(c * CHUNK,
                                Math.min(entries.size(), (c + 1) * CHUNK));
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
            check(created == entries.size(), "the loader created " + created + " of " + entries.size() + " flows");
            return nanos;
        } finally {
            for (ConntrackTable t : tables) {
                t.close();
            }
        }
    }
}
