package org.hftfw.footprint;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.conntrack.netlink.KernelConntrackTable;
import org.hftfw.ftfw.ConntrackdConf;

/**
 * The daemon's footprint beside stock conntrackd's, both measured in the same run (issue #12 item 4): RSS, OS threads
 * ({@code Threads:} of /proc/PID/status) and CPU per 1 000 conntrack events/s.
 *
 * <p>Design note. Both daemons run at once in one namespace this bench creates (a veth {@code sync} towards a second
 * namespace), so they see the same ctnetlink event stream, each with a stock conntrackd as its peer in the other namespace
 * (its ACKs drain the daemon's resend queue as in a running pair): {@code hftfw sync both}
 * with lazy replication and the predictor on (policy in dry-run, so a real fault on this host orders nothing) as its
 * own JVM, with the given JVM options, and conntrackd in FTFW mode with the external cache. Phases: idle (after a
 * settle time for start-up and JIT, and one control request answered), 100 000 established TCP flows loaded in batches through ctnetlink (the same
 * kernel path as {@code conntrack -R}), then a bounded loader that creates and deletes short flows at a fixed event
 * rate (a NEW and a DESTROY event per flow). CPU is each process's own (user + system) over the rate phase plus a
 * drain second, per second of that wall time, divided by the thousands of events per second the loader reached (its
 * events over its own elapsed time, so a loader that fell behind is reported at the rate it reached).
 */
public final class FootprintBench {
    private static final String SELF = "10.242.9.1";
    private static final String PEER = "10.242.9.2";
    private static final int CONNTRACKD_PORT = 3780;
    private static final int HFTFW_PORT = 3790;
    private static final Duration SETTLE = Duration.ofSeconds(8);
    private static final int TICKS_PER_SECOND = 100;

    /**
     * What to run.
     *
     * @param flows      flows loaded before the loaded and rate phases
     * @param rate       conntrack events per second of the rate phase
     * @param seconds    length of the rate phase
     * @param hftfw      the command that runs the hftfw CLI (java … org.hftfw.sidecar.Hftfw)
     * @param jvmOptions the daemon's JVM options file (conf/daemon.jvm), passed as {@code @file}; null: JVM defaults
     * @param analyse    a folder for the daemon's memory breakdown per phase (Native Memory Tracking on, which adds
     *                   about 2 MB, and a heap histogram and a heap dump per phase, whose full collections change
     *                   the next phase's RSS: not for the figures); null: none
     */
    public record Spec(int flows, int rate, int seconds, List<String> hftfw, Path jvmOptions, Path analyse) {
        public Spec {
            if (flows < 0 || rate < 2 || seconds < 1) {
                throw new IllegalArgumentException("need flows >= 0, rate >= 2 events/s and seconds >= 1");
            }
            hftfw = List.copyOf(hftfw);
        }

        /** Without the breakdown. */
        public Spec(int flows, int rate, int seconds, List<String> hftfw, Path jvmOptions) {
            this(flows, rate, seconds, hftfw, jvmOptions, null);
        }
    }

    /** One process at one moment: resident set, its peak so far (VmHWM), OS threads, CPU time so far. */
    record Sample(long rssKiB, long peakKiB, int threads, Duration cpu) {}

    private FootprintBench() {}

    /** Why this bench cannot run here (not root, no netns, no conntrackd), or empty. */
    public static Optional<String> unavailable() {
        Optional<String> lab = NetnsLab.unavailable();
        return lab.isPresent() ? lab : NetnsLab.missing("conntrackd");
    }

    /** Runs the phases and prints a table: hFT-FW beside conntrackd. */
    public static void run(Spec spec, PrintStream out) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("hftfw-footprint");
        try (NetnsLab lab = new NetnsLab("footprint", Duration.ofSeconds(60))) {
            NetnsLab.Netns node = lab.netns("node");
            NetnsLab.Netns peer = lab.netns("peer");
            lab.veth(node, "sync", peer, "sync");
            node.addr("sync", SELF + "/24");
            peer.addr("sync", PEER + "/24");
            // the peers: a stock conntrackd for each daemon, so that ACKs drain both resend queues as in a pair
            startConntrackd(peer, dir, "footprint-peer-of-conntrackd", PEER, SELF, CONNTRACKD_PORT);
            startConntrackd(peer, dir, "footprint-peer-of-hftfw", PEER, SELF, HFTFW_PORT);
            Process conntrackd = startConntrackd(node, dir, "footprint-conntrackd", SELF, PEER, CONNTRACKD_PORT);
            Process hftfw = startHftfw(node, dir, spec);
            List<String[]> rows = new ArrayList<>();
            try (KernelConntrackTable table = node.openConntrack()) {
                Thread.sleep(SETTLE.toMillis());
                // as keepalived's notify script and a monitor do: the threads a control request starts count too
                controlRequest(dir.resolve("hftfw.ctl"));
                Sample hIdle = sample(hftfw);
                Sample cIdle = sample(conntrackd);
                rows.add(row("idle", hIdle, cIdle));
                MemoryBreakdown.write(spec, hftfw, "1-idle");
                load(table, spec.flows());
                awaitQuiet(hftfw, conntrackd);
                // the steady state an operator sees with the flows loaded: as at idle, after the daemons' periodic
                // work (the heap given back after the burst every 2 s, malloc_trim every 5 s) had its turn; the peak
                // during the load is printed apart (VmHWM)
                Thread.sleep(SETTLE.toMillis());
                Sample hLoaded = sample(hftfw);
                Sample cLoaded = sample(conntrackd);
                rows.add(row(spec.flows() + " flows", hLoaded, cLoaded));
                MemoryBreakdown.write(spec, hftfw, "2-loaded");
                long began = System.nanoTime();
                long events = churn(table, spec.rate(), spec.seconds());
                double loading = (System.nanoTime() - began) / 1e9;
                Thread.sleep(1000);
                Sample hRate = sample(hftfw);
                Sample cRate = sample(conntrackd);
                double wall = (System.nanoTime() - began) / 1e9;
                double kEvents = events / loading / 1000.0;
                rows.add(row("at " + Math.round(kEvents * 1000) + " ev/s", hRate, cRate));
                MemoryBreakdown.write(spec, hftfw, "3-rate");
                print(out, spec, rows, cpuPerK(hLoaded, hRate, wall, kEvents), cpuPerK(cLoaded, cRate, wall, kEvents),
                        Math.max(hIdle.rssKiB(), Math.max(hLoaded.rssKiB(), hRate.rssKiB())),
                        Math.max(hIdle.threads(), Math.max(hLoaded.threads(), hRate.threads())), hRate.peakKiB(),
                        cRate.peakKiB());
                table.flush();
            } catch (IllegalStateException e) {
                throw new IllegalStateException(e.getMessage() + (hftfw.isAlive() ? "" : "; the hFT-FW daemon exited "
                        + "with " + hftfw.exitValue() + ": " + text(dir.resolve("hftfw.out"))), e);
            } finally {
                NetnsLab.stop(hftfw);
                NetnsLab.stop(conntrackd);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static Process startConntrackd(NetnsLab.Netns ns, Path dir, String name, String self, String peer,
                                           int port) throws IOException, InterruptedException {
        ConntrackdConf lab = ConntrackdConf.lab(dir, name, self, peer, List.of("127.0.0.1", SELF, PEER));
        ConntrackdConf conf = new ConntrackdConf(dir, name, self, peer, port, lab.iface(), lab.netlinkBuffer(),
                lab.protocols(), lab.ignoreAddresses());
        conf.write();
        Process p = ns.spawn(dir.resolve(name + ".out"), "conntrackd", "-C", conf.file().toString());
        awaitUntil(name + " answers", () -> {
            if (!p.isAlive()) {
                throw new IllegalStateException(name + " exited with " + p.exitValue());
            }
            return ns.exec("conntrackd", "-C", conf.file().toString(), "-s").exitCode() == 0;
        });
        return p;
    }

    private static Process startHftfw(NetnsLab.Netns ns, Path dir, Spec spec) throws IOException, InterruptedException {
        Path conf = dir.resolve("hftfw.conf");
        Files.writeString(conf, """
                sync { local-address = "%s", peer-address = "%s", port = %d, interface = "sync" }
                control.socket = "%s"
                metrics.address = "127.0.0.1:0"
                filter.ignore-addresses = ["127.0.0.0/8", "::1/128"]
                lazy.enabled = true
                predictor.enabled = true
                policy.dry-run = true
                """.formatted(SELF, PEER, HFTFW_PORT, dir.resolve("hftfw.ctl")));
        List<String> cmd = new ArrayList<>(spec.hftfw());
        if (spec.jvmOptions() != null) {
            // as bin/hftfw starts the daemon: the options file and two malloc arenas (env execs java: same PID)
            cmd.add(1, "@" + spec.jvmOptions());
            cmd.addAll(0, List.of("env", "MALLOC_ARENA_MAX=2"));
        }
        if (spec.analyse() != null) {
            cmd.add(cmd.size() - 1, "-XX:NativeMemoryTracking=summary"); // before the main class, the last word
        }
        cmd.addAll(List.of("sync", "both", "--config", conf.toString()));
        Path log = dir.resolve("hftfw.out");
        Path err = dir.resolve("hftfw.out.err");
        Process p = ns.spawn(log, cmd.toArray(String[]::new));
        awaitUntil("the hFT-FW daemon runs", () -> {
            if (!p.isAlive()) {
                throw new IllegalStateException("the hFT-FW daemon exited with " + p.exitValue() + ": "
                        + text(log) + text(err));
            }
            return (text(log) + text(err)).contains("hftfw sync both running");
        });
        return p;
    }

    /** One {@code stats} request on the daemon's control socket, its answer read to the end. */
    private static void controlRequest(Path socket) throws IOException {
        try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(
                java.net.StandardProtocolFamily.UNIX)) {
            c.connect(java.net.UnixDomainSocketAddress.of(socket));
            c.write(java.nio.ByteBuffer.wrap("stats\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64 * 1024);
            while (c.read(b) >= 0) {
                b.clear();
            }
        }
    }

    /** {@code flows} established TCP flows 10.243.x.y:port -> 10.244.0.10:80, in batches of 10 000. */
    private static void load(KernelConntrackTable table, int flows) {
        List<ConntrackEntry> batch = new ArrayList<>(10_000);
        for (int i = 0; i < flows; i++) {
            batch.add(flow(ip("10.243." + (i / 50_000) + ".10"), 10_000 + i % 50_000, 600));
            if (batch.size() == 10_000) {
                table.createAll(batch, false);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            table.createAll(batch, false);
        }
    }

    /**
     * The bounded loader: every 10 ms it creates the flows of that slot and deletes those created one second
     * earlier, so the rate is {@code rate} events/s (half NEW, half DESTROY) after the first second. Returns the events
     * caused.
     */
    private static long churn(KernelConntrackTable table, int rate, int seconds) throws InterruptedException {
        int perSlot = Math.max(1, rate / 2 / TICKS_PER_SECOND);
        List<List<ConntrackEntry>> live = new ArrayList<>();
        long events = 0;
        long start = System.nanoTime();
        int port = 0;
        for (int slot = 0; slot < seconds * TICKS_PER_SECOND; slot++) {
            List<ConntrackEntry> created = new ArrayList<>(perSlot);
            for (int i = 0; i < perSlot; i++) {
                created.add(flow(ip("10.245." + (port / 50_000 % 256) + ".10"), 10_000 + port % 50_000, 30));
                port++;
            }
            table.createAll(created, false);
            events += created.size();
            live.add(created);
            if (live.size() > TICKS_PER_SECOND) {
                for (ConntrackEntry e : live.removeFirst()) {
                    table.delete(e.original(), 0);
                    events++;
                }
            }
            long due = start + (slot + 1L) * 1_000_000_000L / TICKS_PER_SECOND;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        for (List<ConntrackEntry> slot : live) {
            for (ConntrackEntry e : slot) {
                table.delete(e.original(), 0);
            }
        }
        return events;
    }

    private static ConntrackEntry flow(InetAddress src, int port, int timeout) {
        return ConntrackEntry.builder(Tuple.ports(src, ip("10.244.0.10"), IpProto.TCP, port, 80))
                .tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED).timeout(timeout).build();
    }

    /** Waits until neither daemon used more than 5 % of a core over the last second (at most 60 s). */
    private static void awaitQuiet(Process a, Process b) throws InterruptedException {
        Duration lastA = sample(a).cpu();
        Duration lastB = sample(b).cpu();
        for (int i = 0; i < 60; i++) {
            Thread.sleep(1000);
            Duration nowA = sample(a).cpu();
            Duration nowB = sample(b).cpu();
            boolean quiet = nowA.minus(lastA).toMillis() < 50 && nowB.minus(lastB).toMillis() < 50;
            lastA = nowA;
            lastB = nowB;
            if (quiet) {
                return;
            }
        }
    }

    /** Percent of one core per 1 000 events/s between two samples {@code wallSeconds} apart. */
    private static double cpuPerK(Sample before, Sample after, double wallSeconds, double kEvents) {
        double cores = after.cpu().minus(before.cpu()).toNanos() / 1e9 / wallSeconds;
        return 100 * cores / kEvents;
    }

    static Sample sample(Process p) {
        Path status = Path.of("/proc", Long.toString(p.pid()), "status");
        long rss = -1;
        long peak = -1;
        int threads = -1;
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("\\D", ""));
                } else if (line.startsWith("VmHWM:")) {
                    peak = Long.parseLong(line.replaceAll("\\D", ""));
                } else if (line.startsWith("Threads:")) {
                    threads = Integer.parseInt(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("the process " + p.pid() + " is gone: " + e.getMessage(), e);
        }
        return new Sample(rss, peak, threads, p.toHandle().info().totalCpuDuration().orElse(Duration.ZERO));
    }

    private static String[] row(String phase, Sample h, Sample c) {
        return new String[] {phase, mb(h.rssKiB()), Integer.toString(h.threads()), mb(c.rssKiB()),
            Integer.toString(c.threads())};
    }

    private static void print(PrintStream out, Spec spec, List<String[]> rows, double hCpu, double cCpu, long maxRss,
                              int maxThreads, long hPeak, long cPeak) {
        out.println("== footprint: hftfw sync both (lazy + predictor) beside conntrackd, same namespace, same events");
        out.println("   hFT-FW JVM options: " + (spec.jvmOptions() == null ? "JVM defaults" : "@" + spec.jvmOptions()));
        out.printf(Locale.ROOT, "%-16s %12s %8s %14s %8s%n", "phase", "hFT-FW RSS", "threads", "conntrackd RSS",
                "threads");
        for (String[] r : rows) {
            out.printf(Locale.ROOT, "%-16s %12s %8s %14s %8s%n", (Object[]) r);
        }
        out.printf(Locale.ROOT, "%-16s %12s %8s %14s%n", "peak (VmHWM)", mb(hPeak), "", mb(cPeak));
        out.printf(Locale.ROOT, "CPU per 1 000 events/s: hFT-FW %.2f %% of a core, conntrackd %.2f %%%n", hCpu, cCpu);
        out.printf(Locale.ROOT, "target RSS <= 96 MB: %s (max %s); threads <= 16: %s (max %d)%n",
                maxRss <= 96 * 1024 ? "met" : "NOT met", mb(maxRss), maxThreads <= 16 ? "met" : "NOT met", maxThreads);
    }

    private static String mb(long kib) {
        return String.format(Locale.ROOT, "%.1f MB", kib / 1024.0);
    }

    private static String text(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean done() throws Exception;
    }

    private static void awaitUntil(String what, Check check) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < end) {
            try {
                if (check.done()) {
                    return;
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(what + ": " + e.getMessage(), e);
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("timed out: " + what);
    }
}
