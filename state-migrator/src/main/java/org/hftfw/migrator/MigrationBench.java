package org.hftfw.migrator;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.netlink.Ctnetlink;
import org.hftfw.conntrack.netlink.KernelConntrackTable;
import org.hftfw.ftfw.FtfwChannel;
import org.hftfw.ftfw.FtfwConfig;

/**
 * Benchmark of the proactive path's Tprop: migrate a kernel conntrack table of N entries from one firewall
 * namespace to another over an FT-FW sync link and commit it into the second namespace's kernel table — with
 * hFT-FW (ctnetlink dump, FT-FW bulk, ACK wait, batched ctnetlink commit) and, in the same run, with the stock
 * conntrackd pair doing the same work ({@code conntrackd -B} on the primary, {@code conntrackd -c} on the
 * backup), as in the shared testbed's measurement. Optional random loss on the sync link (nftables numgen), for
 * both implementations' ports. Rounds are preceded by one unmeasured warm-up migration (JIT).
 *
 * <p>Usage: {@code MigrationBench [entries=25000] [rounds=3] [loss-percent=0]}. Creates namespaces {@code hmb*},
 * removes them and every process it started at the end. Traffic stays on the veth between them.
 */
public final class MigrationBench {
    private final String tag = "hmb" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    private final String a = tag + "a";
    private final String b = tag + "b";
    private final Path dir;
    private final List<Process> procs = new ArrayList<>();

    private MigrationBench() throws IOException {
        dir = Files.createTempDirectory("hftfw-migration-bench");
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 25_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int loss = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        System.out.printf(Locale.ROOT, "migration bench: %d entries, sync link loss %d%%, %d rounds%n", n, loss, rounds);
        List<Round> result = measure(n, rounds, loss, true);
        result.forEach(r -> System.out.println(r.line()));
        System.out.printf(Locale.ROOT, "(seed: 25 000 flows migrated in about 4 s; shared testbed: conntrackd -B + -c, "
                + "25 000 entries, 443 ms)%n");
    }

    /** One measured migration: who did it, how long it took, and how many entries the backup's kernel table had. */
    public record Round(String who, long totalNanos, long inBackup, String line) {}

    /** Runs the benchmark; with {@code conntrackd} also the stock daemons' rounds. */
    public static List<Round> measure(int n, int rounds, int loss, boolean conntrackd) throws Exception {
        MigrationBench bench = new MigrationBench();
        try {
            return bench.run(n, rounds, loss, conntrackd);
        } finally {
            bench.cleanup();
        }
    }

    private List<Round> run(int n, int rounds, int loss, boolean withConntrackd) throws Exception {
        setUp(loss);
        List<ConntrackEntry> table = entries(n);
        List<Round> rows = new ArrayList<>();
        try (KernelConntrackTable ka = Ctnetlink.open(Ctnetlink.Options.defaults().withNetns(netns(a)));
             KernelConntrackTable kb = Ctnetlink.open(Ctnetlink.Options.defaults().withNetns(netns(b)))) {
            ka.flush();
            check(ka.createAll(table).created() == n, "could not load " + n + " entries into " + a);
    
            InetSocketAddress addrA = new InetSocketAddress(InetAddress.getByName("10.234.9.1"), 3790);
            InetSocketAddress addrB = new InetSocketAddress(InetAddress.getByName("10.234.9.2"), 3790);
            FtfwChannel chA = Ctnetlink.callInNetns(netns(a), () -> FtfwChannel.builder(FtfwConfig.of(addrA, addrB)).start());
            FtfwChannel chB;
            try {
                chB = Ctnetlink.callInNetns(netns(b), () -> FtfwChannel.builder(FtfwConfig.of(addrB, addrA)).start());
            } catch (RuntimeException e) {
                chA.close();
                throw e;
            }
            try {
                for (int r = 0; r <= rounds; r++) {
                    kb.flush();
                    chB.externalCache().flush();
                    StateMigrator.Handover commit = new StateMigrator.Handover() {
                        @Override
                        public void commitOnBackup() {
                            check(chB.externalCache().commit(kb).failed() == 0, "commit failures");
                        }

                        @Override
                        public void demoteSelf() {
                        }
                    };
                    StateMigrator m = new StateMigrator(ka, new FtfwBulkLink(chA), commit,
                            new StateMigrator.Config(Duration.ofSeconds(60), Duration.ofMillis(1), 5_000),
                            System::nanoTime, StateMigrator.Pause.sleeping());
                    StateMigrator.Report rep = m.migrate("bench", StateMigrator.Urgency.PLANNED, (s, d, t) -> { });
                    long inB = kb.dump(e -> { });
                    check(rep.handedOver() && inB == n, "round " + r + ": backup kernel table has " + inB + " of " + n);
                    if (r == 0) {
                        continue;                                   // warm-up
                    }
                    rows.add(new Round("hFT-FW", rep.totalNanos(), inB, String.format(Locale.ROOT,
                            "hFT-FW     round %d: dump %6.0f ms  send %6.0f ms  acked %6.0f ms  commit %6.0f ms  "
                                    + "total %6.0f ms  (%d in the backup kernel table)", r, rep.dumpNanos() / 1e6,
                            rep.sendNanos() / 1e6, rep.ackNanos() / 1e6, rep.handoverNanos() / 1e6,
                            rep.totalNanos() / 1e6, inB)));
                }
            } finally {
                chA.close();
                chB.close();
            }
            kb.flush();
            if (withConntrackd) {
                conntrackdBaseline(n, rounds, kb, rows);
            }
        }
        return rows;
    }

    /** The stock daemons doing the same migration: bulk send from a's internal cache, commit on b. */
    private void conntrackdBaseline(int n, int rounds, KernelConntrackTable kb, List<Round> rows) throws Exception {
        if (!onPath("conntrackd")) {
            rows.add(new Round("conntrackd", -1, -1, "conntrackd baseline skipped: conntrackd is not installed"));
            return;
        }
        Path confA = conntrackdConf(a, "10.234.9.1", "10.234.9.2");
        Path confB = conntrackdConf(b, "10.234.9.2", "10.234.9.1");
        startConntrackd(a, confA);
        startConntrackd(b, confB);
        // conntrackd fills its internal cache from the kernel table at start-up; wait until it holds all of it
        waitFor(() -> cacheSize(a, confA, "-i") >= n, 60, "conntrackd internal cache in " + a);
        for (int r = 1; r <= rounds; r++) {
            kb.flush();
            sh("ip", "netns", "exec", b, "conntrackd", "-C", confB.toString(), "-f", "external");
            long t0 = System.nanoTime();
            sh("ip", "netns", "exec", a, "conntrackd", "-C", confA.toString(), "-B");
            if (!reached(() -> cacheSize(b, confB, "-e") >= n, 30)) {
                rows.add(new Round("conntrackd", -1, cacheSize(b, confB, "-e"), String.format(Locale.ROOT,
                        "conntrackd round %d: the backup's external cache holds %d of %d entries 30 s after -B: "
                                + "not converged", r, cacheSize(b, confB, "-e"), n)));
                continue;
            }
            long t1 = System.nanoTime();
            sh("ip", "netns", "exec", b, "conntrackd", "-C", confB.toString(), "-c");
            long t2 = System.nanoTime();
            long inB = kb.dump(e -> { });
            rows.add(new Round("conntrackd", t2 - t0, inB, String.format(Locale.ROOT,
                    "conntrackd round %d: -B until the backup's cache holds all %6.0f ms  -c %6.0f ms  total %6.0f ms  "
                            + "(%d in the backup kernel table)", r, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t2 - t0) / 1e6, inB)));
        }
    }

    private long cacheSize(String ns, Path conf, String which) {
        try {
            Path out = dir.resolve(ns + which + ".cache");
            Process p = new ProcessBuilder("ip", "netns", "exec", ns, "conntrackd", "-C", conf.toString(), which)
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;                                  // a hung conntrackd counts as "not there yet"
            }
            try (var lines = Files.lines(out, StandardCharsets.UTF_8)) {
                return lines.filter(l -> l.contains("src=")).count();
            }
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void setUp(int loss) throws IOException, InterruptedException {
        sh("ip", "netns", "add", a);
        sh("ip", "netns", "add", b);
        sh("ip", "link", "add", "sync", "netns", a, "type", "veth", "peer", "name", "sync", "netns", b);
        sh("ip", "-n", a, "addr", "add", "10.234.9.1/24", "dev", "sync");
        sh("ip", "-n", b, "addr", "add", "10.234.9.2/24", "dev", "sync");
        for (String ns : List.of(a, b)) {
            sh("ip", "-n", ns, "link", "set", "sync", "up");
            sh("ip", "-n", ns, "link", "set", "lo", "up");
        }
        if (loss > 0) {
            for (String ns : List.of(a, b)) {
                Path rules = dir.resolve(ns + ".nft");
                Files.writeString(rules, """
                        table inet loss {
                          chain in {
                            type filter hook input priority 0;
                            iifname "sync" udp dport { 3780, 3790 } numgen random mod 100 < %d drop
                          }
                        }
                        """.formatted(loss));
                sh("ip", "netns", "exec", ns, "nft", "-f", rules.toString());
            }
        }
    }

    private Path conntrackdConf(String ns, String self, String peer) throws IOException {
        return org.hftfw.ftfw.ConntrackdConf.lab(dir, ns, self, peer, List.of("127.0.0.1", "10.234.9.0/24"))
                .withNetlinkBuffer(8 << 20).write();
    }

    private void startConntrackd(String ns, Path conf) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, "conntrackd", "-C", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(ns + ".out").toFile()).start();
        procs.add(p);
        waitFor(() -> {
            try {
                sh("ip", "netns", "exec", ns, "conntrackd", "-C", conf.toString(), "-s");
                return true;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, 15, "conntrackd start in " + ns);
    }

    private static boolean reached(java.util.function.BooleanSupplier done, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    private static void waitFor(java.util.function.BooleanSupplier done, int seconds, String what)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException(what + ": not done within " + seconds + " s");
            }
            Thread.sleep(2);
        }
    }

    static List<ConntrackEntry> entries(int n) throws IOException {
        List<ConntrackEntry> list = new ArrayList<>(n);
        InetAddress dst = InetAddress.getByName("10.234.2.10");
        for (int i = 0; i < n; i++) {
            InetAddress src = InetAddress.getByAddress(new byte[] {10, (byte) 235, (byte) (i / 50_000), 10});
            list.add(ConntrackEntry.builder(Tuple.ports(src, dst, IpProto.TCP, 10_000 + i % 50_000, 80))
                    .tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED).timeout(600).build());
        }
        return list;
    }

    private Path netns(String ns) {
        return Path.of("/var/run/netns", ns);
    }

    private static boolean onPath(String bin) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, bin))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", bin));
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }

    private static void sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
        }
    }

    private void cleanup() {
        for (Process p : procs) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (String ns : List.of(a, b)) {
            try {
                new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(10, TimeUnit.SECONDS);
            } catch (IOException e) {
                // it may not exist
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
