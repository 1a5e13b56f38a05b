package org.hftfw.conntrack.netlink;

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

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark of the ctnetlink path against the stock {@code conntrack} tool doing the same work in the same run,
 * in a network namespace it creates and deletes ({@code hnl-bench-<random>}); needs root, iproute2 and conntrack.
 * Measures: dump rate ({@code conntrack -L > /dev/null}), batched injection of 25 000 and 100 000 established TCP
 * entries without and with an event listener in the namespace ({@code conntrack -R file}, the entries of the
 * testbed's measure.sh), and event ingest during a bounded storm of 2 x N events (create N, flush N) beside
 * {@code conntrack -E -o timestamp}, counting losses. Usage: {@code NetlinkBench [N]} (default 100000).
 */
public final class NetlinkBench {
    private static final long WAIT_SECONDS = 120;

    private final String ns = "hnl-bench-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    private final Path netnsFile = Path.of("/var/run/netns", ns);
    private final Path dir;
    private final List<String[]> rows = new ArrayList<>();

    private NetlinkBench() throws IOException {
        dir = Files.createTempDirectory("hnl-bench");
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        NetlinkBench b = new NetlinkBench();
        try {
            b.run(n);
        } finally {
            b.cleanup();
        }
    }

    private void run(int n) throws Exception {
        sh("ip", "netns", "add", ns);
        Ctnetlink.Options options = Ctnetlink.Options.defaults().withNetns(netnsFile);
        try (KernelConntrackTable t = Ctnetlink.open(options)) {
            warmUp(t);
            for (int size : new int[] {25_000, n}) {
                List<ConntrackEntry> entries = entries(size);
                Path save = writeRestoreFile(entries);
                inject(t, entries, save, false);
                inject(t, entries, save, true);
            }
            List<ConntrackEntry> entries = entries(n);
            t.flush();
            BatchResult r = t.createAll(entries);
            check(r.created() == n, "setup inject created " + r.created());
            dump(t, n);
            ackModes(entries);
            t.flush();
            storm(t, entries);
        }
        print(n);
    }

    /** JIT warm-up of the encode/decode paths (not measured). */
    private static void warmUp(KernelConntrackTable t) {
        List<ConntrackEntry> w = entries(25_000);
        for (int i = 0; i < 3; i++) {
            t.flush();
            t.createAll(w);
            t.dump(e -> ConntrackText.entry(e));
        }
        t.flush();
    }

    private void inject(KernelConntrackTable t, List<ConntrackEntry> entries, Path save, boolean listener) throws Exception {
        int n = entries.size();
        AtomicLong events = new AtomicLong();
        AtomicLong overruns = new AtomicLong();
        EventSubscription sub = listener ? t.subscribe(counting(events, overruns)) : null;
        try {
            t.flush();
            long t0 = System.nanoTime();
            BatchResult r = t.createAll(entries);
            long ours = System.nanoTime() - t0;
            check(r.created() == n, "createAll created " + r.created() + " of " + n + ": " + r.firstErrors());
            t.flush();
            long t1 = System.nanoTime();
            sh("ip", "netns", "exec", ns, "conntrack", "-R", save.toString());
            long tool = System.nanoTime() - t1;
            long count = t.dump(e -> { });
            check(count == n, "conntrack -R left " + count + " entries");
            String what = "inject " + n + (listener ? " (event listener on)" : "");
            rows.add(new String[] {what, rate(n, ours), rate(n, tool), "conntrack -R file",
                listener ? "listener kept up: " + events.get() + " events (create, flush, restore), " + overruns.get()
                    + " overruns" : ""});
        } finally {
            if (sub != null) {
                sub.close();
            }
        }
    }

    private void dump(KernelConntrackTable t, int n) throws Exception {
        long best = Long.MAX_VALUE;
        long bestTool = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            long c = t.dump(e -> { });
            best = Math.min(best, System.nanoTime() - t0);
            check(c == n, "dump returned " + c);
            long t1 = System.nanoTime();
            sh("sh", "-c", "ip netns exec " + ns + " conntrack -L > /dev/null 2>&1");
            bestTool = Math.min(bestTool, System.nanoTime() - t1);
        }
        long formatted = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            StringBuilder sink = new StringBuilder(1 << 20);
            long t0 = System.nanoTime();
            t.dump(e -> {
                sink.append(ConntrackText.entry(e)).append('\n');
                if (sink.length() > (1 << 20)) {
                    sink.setLength(0);
                }
            });
            formatted = Math.min(formatted, System.nanoTime() - t0);
        }
        rows.add(new String[] {"dump " + n, rate(n, best), rate(n, bestTool), "conntrack -L > /dev/null",
            "best of 3; decoding + ConntrackText lines: " + rate(n, formatted)});
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
                    rate(n, el), "", "", "all-EEXIST batch (error replies read back in bulk): " + rate(n, el2)});
            }
        }
    }

    private void storm(KernelConntrackTable t, List<ConntrackEntry> entries) throws Exception {
        int n = entries.size();
        long expected = 2L * n;
        Path out = dir.resolve("events.txt");
        Path err = dir.resolve("events.err");
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
        Process tool = new ProcessBuilder("ip", "netns", "exec", ns, "conntrack", "-E", "-o", "timestamp", "-b",
                Integer.toString(16 << 20)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try (EventSubscription sub = t.subscribe(formatting)) {
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
            tool.destroy();
            tool.waitFor(5, TimeUnit.SECONDS);
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
            tool.destroyForcibly();
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

    private static String rate(int n, long nanos) {
        return String.format(Locale.ROOT, "%,.0f /s (%.0f ms)", n / (nanos / 1e9), nanos / 1e6);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("benchmark check failed: " + what);
        }
    }

    private static void sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("failed (" + p.exitValue() + "): " + String.join(" ", cmd));
        }
    }

    private void print(int n) {
        System.out.printf(Locale.ROOT, "%nNetlinkBench (n=%d, namespace %s, %d CPUs, %s)%n", n, ns,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
        System.out.printf(Locale.ROOT, "%-48s %-28s %-28s %-30s %s%n", "measurement", "hFT-FW ctnetlink (FFM)",
                "conntrack tool", "tool command", "notes");
        for (String[] r : rows) {
            System.out.printf(Locale.ROOT, "%-48s %-28s %-28s %-30s %s%n", (Object[]) r);
        }
    }

    private void cleanup() {
        try {
            new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        } catch (IOException | InterruptedException e) {
            System.err.println("cleanup: " + e);
        }
    }
}
