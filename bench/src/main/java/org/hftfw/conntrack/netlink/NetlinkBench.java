package org.hftfw.conntrack.netlink;

import static org.hftfw.bench.Figures.check;
import static org.hftfw.bench.Figures.median;
import static org.hftfw.bench.Figures.rate;

import org.hftfw.bench.Figures;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackTable.BatchResult;
import org.hftfw.conntrack.ConntrackTable.EventSubscription;
import org.hftfw.conntrack.ConntrackText;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.NetnsLab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark of the ctnetlink path against the ceiling of this machine and against the stock {@code conntrack} tool,
 * in a network namespace it creates and deletes ({@code hnl-bench-<random>}, a {@link NetnsLab}); needs root, iproute2
 * and conntrack.
 *
 * <p>Rates are measured in R rounds (default 3) and printed as median [min-max]. Each round measures, interleaved so
 * that machine noise hits all alike: batched injection of 25 000 and N established TCP entries by {@link RawCeiling}
 * (pre-encoded requests, no objects: what the kernel allows here and now), by {@link KernelConntrackTable#createAll}
 * and by {@code conntrack -R file} (the entries of the testbed's measure.sh); then dumping the N entries by
 * {@link RawCeiling} (no decoding), by {@link KernelConntrackTable#dump} (decoding into ConntrackEntry records),
 * decoding plus ConntrackText lines, and {@code conntrack -L > /dev/null}. "vs ceiling" is the median of the
 * per-round ratios ours / ceiling. A batch-size sweep then compares the ceiling and ours at 128..4096 requests per
 * datagram. Unless {@code --core} is given, it also measures injection with an event listener on, the two batch
 * ACK modes, and event ingest during a bounded storm of 2 x N events beside {@code conntrack -E}, counting losses.
 *
 * <p>Run by {@code hftfw conntrack bench [--entries N] [--rounds R] [--core] [--no-tool]} (default N = 100000). It
 * lives in the ctnetlink package (in the bench module) to reach the package-private encoder, decoder and socket.
 */
public final class NetlinkBench {
    private static final long WAIT_SECONDS = 120;
    private static final int SMALL = 25_000;
    private static final int RAW_BUFFER = 4 << 20;

    private final NetnsLab.Netns ns;
    private final Path netnsFile;
    private final Path dir;
    private final List<String[]> rows = new ArrayList<>();
    private final Map<String, Series> series = new LinkedHashMap<>();
    private final int rounds;
    private final boolean core;
    private final boolean tool;

    /** Rates of one measurement over the rounds, and optionally its ratios to the ceiling of the same round. */
    private static final class Series {
        final List<Double> rates = new ArrayList<>();
        final List<Double> ratios = new ArrayList<>();
        final List<Double> userNs = new ArrayList<>();
        final List<Double> sysNs = new ArrayList<>();
        String notes = "";

        Series add(int n, Timed m) {
            return add(n, m.nanos(), m.cpu());
        }

        /** Adds one round: {@code n} entries in {@code nanos} wall time, with the thread CPU times of {@code cpu}. */
        Series add(int n, long nanos, Cpu cpu) {
            rates.add(rate(n, nanos));
            userNs.add((double) cpu.user / n);
            sysNs.add((double) cpu.sys / n);
            return this;
        }
    }

    /** CPU time of the measuring thread over one measured region, split into user and system (kernel) time. */
    private static final class Cpu {
        private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();
        private final long cpu0 = MX.getCurrentThreadCpuTime();
        private final long user0 = MX.getCurrentThreadUserTime();
        long user;
        long sys;

        Cpu stop() {
            user = MX.getCurrentThreadUserTime() - user0;
            sys = MX.getCurrentThreadCpuTime() - cpu0 - user;
            return this;
        }
    }

    private NetlinkBench(NetnsLab.Netns ns, Path dir, int rounds, boolean core, boolean tool) {
        this.ns = ns;
        this.netnsFile = ns.path();
        this.dir = dir;
        this.rounds = rounds;
        this.core = core;
        this.tool = tool;
    }

    /**
     * Runs the benchmark with {@code n} entries in {@code rounds} rounds; {@code core} leaves out the listener,
     * ACK-mode and event-storm parts, {@code tool} adds the conntrack tool's runs.
     */
    public static void run(int n, int rounds, boolean core, boolean tool) throws Exception {
        check(n >= 1 && rounds >= 1, "N and rounds must be positive");
        Path dir = Files.createTempDirectory("hnl-bench");
        try (NetnsLab lab = new NetnsLab("hnl", Duration.ofSeconds(WAIT_SECONDS))) {
            new NetlinkBench(lab.netns("bench"), dir, rounds, core, tool).measure(n);
        } finally {
            deleteTree(dir);
        }
    }

    private void measure(int n) throws Exception {
        Ctnetlink.Options options = Ctnetlink.Options.defaults().withNetns(netnsFile);
        List<ConntrackEntry> small = entries(SMALL);
        List<ConntrackEntry> big = entries(n);
        Path saveSmall = writeRestoreFile(small);
        Path saveBig = writeRestoreFile(big);
        try (KernelConntrackTable t = Ctnetlink.open(options);
             RawCeiling rawSmall = RawCeiling.open(options, small, RAW_BUFFER);
             RawCeiling rawBig = RawCeiling.open(options, big, RAW_BUFFER)) {
            warmUp(t, rawSmall);
            int batch = options.maxBatchMessages();
            int batchBytes = options.batchBytes();
            for (int r = 0; r < rounds; r++) {
                inject(t, rawSmall, small, saveSmall, batch, batchBytes, r);
                inject(t, rawBig, big, saveBig, batch, batchBytes, r);
                dump(t, rawBig, n, r);
            }
            javaCost(big, rawBig);
            sweep(big, rawBig);
            if (!core) {
                injectWithListener(t, small, saveSmall);
                injectWithListener(t, big, saveBig);
                ackModes(big);
                t.flush();
                storm(t, big);
            }
        }
        print(n);
    }

    /** JIT warm-up of the encode/decode paths (not measured). */
    private static void warmUp(KernelConntrackTable t, RawCeiling raw) {
        List<ConntrackEntry> w = entries(SMALL);
        for (int i = 0; i < 3; i++) {
            t.flush();
            t.createAll(w);
            t.dump(e -> ConntrackText.entry(e));
            t.flush();
            raw.inject(512, 128 << 10);
            raw.dump();
        }
        t.flush();
    }

    private Series series(String name) {
        return series.computeIfAbsent(name, k -> new Series());
    }

    /** One measured region: wall time and the measuring thread's CPU time. */
    private record Timed(long nanos, Cpu cpu) {}

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    private static Timed time(Work w) throws Exception {
        Cpu c = new Cpu();
        long t0 = System.nanoTime();
        w.run();
        long el = System.nanoTime() - t0;
        return new Timed(el, c.stop());
    }

    /**
     * Empties the table and lets the kernel settle (entries are freed after an RCU grace period), so that the work
     * of one measurement does not spill into the next.
     */
    private static void flush(KernelConntrackTable t) throws InterruptedException {
        t.flush();
        Thread.sleep(100);
    }

    /**
     * Runs the ceiling and ours back to back, in alternating order (the ceiling first in even rounds), so that
     * neither always inherits the other's after-effects; returns {ceiling, ours}.
     */
    private static Timed[] pair(int round, Work before, Work ceiling, Work ours) throws Exception {
        Timed[] out = new Timed[2];
        for (int k = 0; k < 2; k++) {
            boolean ceilingNow = (k == 0) == (round % 2 == 0);
            before.run();
            if (ceilingNow) {
                out[0] = time(ceiling);
            } else {
                out[1] = time(ours);
            }
        }
        return out;
    }

    private void inject(KernelConntrackTable t, RawCeiling raw, List<ConntrackEntry> entries, Path save, int batch,
                        int batchBytes, int round) throws Exception {
        int n = entries.size();
        Timed[] m = pair(round, () -> flush(t), () -> {
            long failed = raw.inject(batch, batchBytes);
            check(failed == 0, "raw inject: " + failed + " refused");
        }, () -> {
            BatchResult r = t.createAll(entries);
            check(r.created() == n, "createAll created " + r.created() + " of " + n + ": " + r.firstErrors());
        });
        String what = "inject " + n;
        series(what + ": ceiling (raw writer)").add(n, m[0]).notes = batch + " requests or " + (batchBytes >> 10)
                + " KiB per sendto, ACK on the last";
        series(what + ": hFT-FW createAll").add(n, m[1]).ratios.add((double) m[0].nanos() / m[1].nanos());
        if (tool) {
            flush(t);
            long t2 = System.nanoTime();
            ns.exec("conntrack", "-R", save.toString()).check();
            long toolNanos = System.nanoTime() - t2;
            Series ts = series(what + ": conntrack -R file");
            ts.rates.add(rate(n, toolNanos));
            ts.ratios.add((double) m[0].nanos() / toolNanos);
            check(t.dump(e -> { }) == n, "conntrack -R did not restore " + n + " entries");
        }
    }

    private void dump(KernelConntrackTable t, RawCeiling raw, int n, int round) throws Exception {
        Timed[] m = pair(round, () -> { }, () -> {
            long c = raw.dump();
            check(c == n, "raw dump returned " + c);
        }, () -> {
            long c = t.dump(e -> { });
            check(c == n, "dump returned " + c);
        });
        StringBuilder sink = new StringBuilder(1 << 20);
        Timed formatted = time(() -> t.dump(e -> {
            sink.append(ConntrackText.entry(e)).append('\n');
            if (sink.length() > (1 << 20)) {
                sink.setLength(0);
            }
        }));
        String what = "dump " + n;
        series(what + ": ceiling (raw reader)").add(n, m[0]).notes = "64 KiB recv buffer, headers walked, nothing decoded";
        Series s = series(what + ": hFT-FW dump").add(n, m[1]);
        s.ratios.add((double) m[0].nanos() / m[1].nanos());
        s.notes = "decoded into ConntrackEntry records";
        series(what + ": hFT-FW dump + ConntrackText").add(n, formatted).ratios.add((double) m[0].nanos() / formatted.nanos());
        if (tool) {
            long t3 = System.nanoTime();
            ns.exec("sh", "-c", "conntrack -L > /dev/null 2>&1").check();
            long toolNanos = System.nanoTime() - t3;
            Series ts = series(what + ": conntrack -L > /dev/null");
            ts.rates.add(rate(n, toolNanos));
            ts.ratios.add((double) m[0].nanos() / toolNanos);
        }
    }

    /**
     * The Java side alone, without the kernel: encoding the N create requests (CtEncoder into a 128 KiB batch buffer,
     * as createAll does) and decoding a captured dump of the N entries (CtDecoder, as dump does), in ns per entry,
     * best of R x 5 passes. The table holds the N entries when this runs.
     */
    private void javaCost(List<ConntrackEntry> entries, RawCeiling raw) {
        int n = entries.size();
        List<java.lang.foreign.MemorySegment> datagrams = raw.captureDump();
        NlWriter w = new NlWriter(java.lang.foreign.Arena.ofAuto().allocate(128 << 10, 8));
        CtDecoder decoder = new CtDecoder();
        long[] sink = {0};
        long bestEncode = Long.MAX_VALUE;
        long bestDecode = Long.MAX_VALUE;
        for (int pass = 0; pass < rounds * 5; pass++) {
            long t0 = System.nanoTime();
            int seq = 1;
            for (ConntrackEntry e : entries) {
                if (w.remaining() <= CtEncoder.MAX_MESSAGE_BYTES) {
                    sink[0] += w.position();
                    w.reset();
                }
                CtEncoder.create(w, e, seq++, false);
            }
            bestEncode = Math.min(bestEncode, System.nanoTime() - t0);
            long decoded = 0;
            long t1 = System.nanoTime();
            for (java.lang.foreign.MemorySegment d : datagrams) {
                int[] count = {0};
                Datagrams.forEach(d, (int) d.byteSize(), (seg, off, len, type, flags, mseq) -> {
                    if (type == Cta.msgType(Cta.IPCTNL_MSG_CT_NEW)) {
                        sink[0] += decoder.decode(seg, off, len).timeout();
                        count[0]++;
                    }
                    return true;
                });
                decoded += count[0];
            }
            bestDecode = Math.min(bestDecode, System.nanoTime() - t1);
            check(decoded == n, "decoded " + decoded + " of " + n);
        }
        Series enc = series("Java only: encode " + n + " create requests");
        enc.rates.add(rate(n, bestEncode));
        enc.notes = String.format(Locale.ROOT, "%.0f ns/entry (best of %d passes, no kernel)", (double) bestEncode / n, rounds * 5);
        Series dec = series("Java only: decode a captured dump of " + n);
        dec.rates.add(rate(n, bestDecode));
        dec.notes = String.format(Locale.ROOT, "%.0f ns/entry (best of %d passes, no kernel; sink %d)", (double) bestDecode / n,
                rounds * 5, sink[0] & 1);
    }

    /** Requests per datagram: the ceiling and ours at the same batch sizes (bytes bounded by the send buffer). */
    private void sweep(List<ConntrackEntry> entries, RawCeiling raw) throws Exception {
        int n = entries.size();
        for (int batch : new int[] {128, 512, 1024, 2048, 4096}) {
            int bytes = Math.max(4096, batch * CtEncoder.MAX_MESSAGE_BYTES);
            Ctnetlink.Options o = Ctnetlink.Options.defaults().withNetns(netnsFile).withBatch(bytes, batch, false);
            try (KernelConntrackTable t = Ctnetlink.open(o)) {
                for (int r = 0; r < rounds; r++) {
                    Timed[] m = pair(r, () -> flush(t), () -> {
                        long failed = raw.inject(batch, bytes);
                        check(failed == 0, "raw inject refused " + failed);
                    }, () -> {
                        BatchResult res = t.createAll(entries);
                        check(res.created() == n, "created " + res.created());
                    });
                    String what = "inject " + n + ", " + batch + " per sendto";
                    series(what + ": ceiling").add(n, m[0]);
                    series(what + ": hFT-FW").add(n, m[1]).ratios.add((double) m[0].nanos() / m[1].nanos());
                }
                t.flush();
            }
        }
    }

    private void injectWithListener(KernelConntrackTable t, List<ConntrackEntry> entries, Path save) throws Exception {
        int n = entries.size();
        AtomicLong events = new AtomicLong();
        AtomicLong overruns = new AtomicLong();
        try (EventSubscription _ = t.subscribe(counting(events, overruns))) {
            t.flush();
            long t0 = System.nanoTime();
            BatchResult r = t.createAll(entries);
            long ours = System.nanoTime() - t0;
            check(r.created() == n, "createAll created " + r.created() + " of " + n + ": " + r.firstErrors());
            String toolRate = "";
            if (tool) {
                t.flush();
                long t1 = System.nanoTime();
                ns.exec("conntrack", "-R", save.toString()).check();
                toolRate = rateText(n, System.nanoTime() - t1);
            }
            rows.add(new String[] {"inject " + n + " (event listener on)", rateText(n, ours), toolRate,
                "conntrack -R file", "listener kept up: " + events.get() + " events so far, " + overruns.get() + " overruns"});
        }
    }

    private void ackModes(List<ConntrackEntry> entries) {
        int n = entries.size();
        for (boolean every : new boolean[] {false, true}) {
            Ctnetlink.Options o = Ctnetlink.Options.defaults().withNetns(netnsFile).withBatch(128 << 10, 512, every);
            try (KernelConntrackTable t = Ctnetlink.open(o)) {
                t.flush();
                long t0 = System.nanoTime();
                BatchResult r = t.createAll(entries);
                long el = System.nanoTime() - t0;
                check(r.created() == n, "created " + r.created());
                long t1 = System.nanoTime();
                BatchResult again = t.createAll(entries);
                long el2 = System.nanoTime() - t1;
                check(again.failed() == n, "duplicates failed " + again.failed());
                rows.add(new String[] {"inject " + n + (every ? ", ACK every request" : ", ACK last of batch"),
                    rateText(n, el), "", "", "all-EEXIST batch (error replies read back in bulk): " + rateText(n, el2)});
            }
        }
    }

    private void storm(KernelConntrackTable t, List<ConntrackEntry> entries) throws Exception {
        int n = entries.size();
        long expected = 2L * n;
        Path out = dir.resolve("events.txt");
        Path err = dir.resolve("events.txt.err");
        AtomicLong events = new AtomicLong();
        AtomicLong overruns = new AtomicLong();
        AtomicLong first = new AtomicLong();
        AtomicLong last = new AtomicLong();
        StringBuilder sink = new StringBuilder(1 << 16);
        ConntrackEventListener formatting = new ConntrackEventListener() {
            @Override
            public void onEvent(ConntrackEvent event) {
                sink.append(ConntrackText.event(event)).append('\n');
                if (sink.length() > 60_000) {
                    sink.setLength(0);
                }
                if (events.incrementAndGet() == 1) {
                    first.set(event.monotonicNanos());
                }
                last.set(event.monotonicNanos());
            }

            @Override
            public void onOverrun(long overrunsSoFar) {
                overruns.set(overrunsSoFar);
            }
        };
        Process tool = ns.spawn(out, "conntrack", "-E", "-o", "timestamp", "-b", Integer.toString(16 << 20));
        try (EventSubscription _ = t.subscribe(formatting)) {
            ConntrackEntry canary = ConntrackEntry.builder(Tuple.ports(ip("10.239.0.1"), ip("10.239.0.2"), IpProto.UDP, 1, 1))
                    .timeout(60).build();
            boolean ready = false;
            for (int i = 0; i < 100 && !ready; i++) {
                t.create(canary);
                Thread.sleep(50);
                ready = Files.readString(out).contains("sport=1 dport=1");
                t.delete(canary.original(), 0);
            }
            check(ready, "conntrack -E did not start");
            Thread.sleep(200);
            long toolDestroysBefore = lines(out, "DESTROY");
            events.set(0);
            long startWall = System.currentTimeMillis();
            long t0 = System.nanoTime();
            BatchResult r = t.createAll(entries);
            t.flush();
            long injectNanos = System.nanoTime() - t0;
            check(r.created() == n, "storm created " + r.created());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            long lastSize = -1;
            long quietSince = System.nanoTime();
            while (System.nanoTime() < deadline && (events.get() < expected || lines(out, "DESTROY") < n + toolDestroysBefore)) {
                Thread.sleep(200);
                long size = Files.size(out);
                if (size != lastSize) {
                    lastSize = size;
                    quietSince = System.nanoTime();
                } else if (events.get() >= expected && System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(3)) {
                    break; // the tool stopped printing: it lost the rest
                }
            }
            Thread.sleep(500);
            NetnsLab.stop(tool);
            long ours = events.get();
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            long toolEvents = 0;
            double toolFirst = 0;
            double toolLast = 0;
            for (String l : lines) {
                if ((l.contains("[NEW]") || l.contains("[DESTROY]")) && l.contains("dport=80 ")) {
                    double ts = Double.parseDouble(l.substring(1, l.indexOf(']')));
                    if (ts * 1000 >= startWall - 5) {
                        toolEvents++;
                        toolFirst = toolFirst == 0 ? ts : toolFirst;
                        toolLast = ts;
                    }
                }
            }
            String toolErr = Files.readString(err);
            long enobufs = toolErr.lines().filter(l -> l.contains("ENOBUFS") || l.contains("No buffer space")).count();
            double oursSec = (last.get() - first.get()) / 1e9;
            double toolSec = toolLast - toolFirst;
            rows.add(new String[] {"event storm " + n + " NEW + " + n + " DESTROY",
                String.format(Locale.ROOT, "%,.0f events/s", ours / Math.max(oursSec, 1e-9)),
                String.format(Locale.ROOT, "%,.0f events/s", toolEvents / Math.max(toolSec, 1e-9)), "conntrack -E -o timestamp -b 16M",
                String.format(Locale.ROOT, "lost: hFT-FW %d (overruns %d), conntrack -E %d (ENOBUFS lines %d); storm took %.0f ms",
                        expected - ours, overruns.get(), expected - toolEvents, enobufs, injectNanos / 1e6)});
        } finally {
            NetnsLab.stop(tool);
        }
    }

    private static long lines(Path out, String what) throws IOException {
        try (var s = Files.lines(out)) {
            return s.filter(l -> l.contains(what)).count();
        }
    }

    private static ConntrackEventListener counting(AtomicLong events, AtomicLong overruns) {
        return new ConntrackEventListener() {
            @Override
            public void onEvent(ConntrackEvent event) {
                events.incrementAndGet();
            }

            @Override
            public void onOverrun(long overrunsSoFar) {
                overruns.set(overrunsSoFar);
            }
        };
    }

    /** The entries of measure.sh: established TCP 10.77.1.(10+i/50000):port -> 10.77.2.10:80. */
    static List<ConntrackEntry> entries(int n) {
        List<ConntrackEntry> list = new ArrayList<>(n);
        InetAddress dst = ip("10.77.2.10");
        for (int i = 0; i < n; i++) {
            InetAddress src = ip("10.77.1." + (10 + i / 50_000));
            int port = 10_000 + i % 50_000;
            list.add(ConntrackEntry.builder(Tuple.ports(src, dst, IpProto.TCP, port, 80)).tcpState(TcpState.ESTABLISHED)
                    .status(Status.SEEN_REPLY | Status.ASSURED).timeout(600).build());
        }
        return list;
    }

    private Path writeRestoreFile(List<ConntrackEntry> entries) throws IOException {
        Path f = dir.resolve("inject-" + entries.size() + ".save");
        StringBuilder sb = new StringBuilder(entries.size() * 200);
        for (ConntrackEntry e : entries) {
            Tuple o = e.original();
            sb.append("-A -t 600 -u SEEN_REPLY,ASSURED -s ").append(o.src().getHostAddress()).append(" -d ")
                    .append(o.dst().getHostAddress()).append(" -r ").append(o.dst().getHostAddress()).append(" -q ")
                    .append(o.src().getHostAddress()).append(" -p tcp --sport ").append(o.sport()).append(" --dport ")
                    .append(o.dport()).append(" --reply-port-src ").append(o.dport()).append(" --reply-port-dst ")
                    .append(o.sport()).append(" --state ESTABLISHED\n");
        }
        Files.writeString(f, sb);
        return f;
    }

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private static String rateText(int n, long nanos) {
        return String.format(Locale.ROOT, "%,.0f /s (%.0f ms)", rate(n, nanos), nanos / 1e6);
    }

    private void print(int n) {
        System.out.println();
        Figures.header("NetlinkBench", String.format(Locale.ROOT, "n=%d, %d rounds, namespace %s", n, rounds, ns));
        System.out.printf(Locale.ROOT, "%-56s %12s %25s %10s %16s  %s%n", "measurement", "median /s", "[min - max] /s",
                "vs ceiling", "ns/entry usr+sys", "notes");
        for (Map.Entry<String, Series> e : series.entrySet()) {
            Series s = e.getValue();
            double lo = s.rates.stream().mapToDouble(Double::doubleValue).min().orElse(0);
            double hi = s.rates.stream().mapToDouble(Double::doubleValue).max().orElse(0);
            String ratio = s.ratios.isEmpty() ? "" : String.format(Locale.ROOT, "%.2f", median(s.ratios));
            String cpu = s.userNs.isEmpty() ? "" : String.format(Locale.ROOT, "%.0f+%.0f", median(s.userNs), median(s.sysNs));
            System.out.printf(Locale.ROOT, "%-56s %,12.0f %25s %10s %16s  %s%n", e.getKey(), median(s.rates),
                    String.format(Locale.ROOT, "[%,.0f - %,.0f]", lo, hi), ratio, cpu, s.notes);
        }
        if (!rows.isEmpty()) {
            System.out.printf(Locale.ROOT, "%n%-48s %-28s %-28s %-30s %s%n", "measurement (single run)",
                    "hFT-FW ctnetlink (FFM)", "conntrack tool", "tool command", "notes");
            for (String[] r : rows) {
                System.out.printf(Locale.ROOT, "%-48s %-28s %-28s %-30s %s%n", (Object[]) r);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            System.err.println("cleanup of " + dir + ": " + e);
        }
    }
}
