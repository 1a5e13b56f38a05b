package org.hftfw.migrator;

import static org.hftfw.bench.Figures.check;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.hftfw.bench.Figures;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.NetnsLab;
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
 * <p>Run by {@code hftfw migrate bench [--entries 25000] [--rounds 3] [--loss 0]}. Creates namespaces {@code hmb-*} (a
 * {@link NetnsLab}), removes them and every process it started at the end. Traffic stays on the veth between them.
 */
public final class MigrationBench {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final NetnsLab.Netns a;
    private final NetnsLab.Netns b;
    private final Path dir;

    private MigrationBench(NetnsLab lab, Path dir) {
        this.dir = dir;
        a = lab.netns("a");
        b = lab.netns("b");
        lab.veth(a, "sync", b, "sync");
        a.addr("sync", "10.234.9.1/24");
        b.addr("sync", "10.234.9.2/24");
    }

    /** Measures and prints hFT-FW's rounds and, beside them, the stock conntrackd pair's. */
    public static void run(int n, int rounds, int loss) throws Exception {
        Figures.header("migration bench", String.format(Locale.ROOT, "%d entries, sync link loss %d%%, %d rounds", n,
                loss, rounds));
        List<Round> result = measure(n, rounds, loss, true);
        result.forEach(r -> System.out.println(r.line()));
        System.out.printf(Locale.ROOT, "(seed: 25 000 flows migrated in about 4 s; shared testbed: conntrackd -B + -c, "
                + "25 000 entries, 443 ms)%n");
    }

    /** One measured migration: who did it, how long it took, and how many entries the backup's kernel table had. */
    public record Round(String who, long totalNanos, long inBackup, String line) {}

    /** Runs the benchmark; with {@code conntrackd} also the stock daemons' rounds. */
    public static List<Round> measure(int n, int rounds, int loss, boolean conntrackd) throws Exception {
        Path dir = Files.createTempDirectory("hftfw-migration-bench");
        try (NetnsLab lab = new NetnsLab("hmb", COMMAND_TIMEOUT)) {
            return new MigrationBench(lab, dir).run(n, rounds, loss, conntrackd);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private List<Round> run(int n, int rounds, int loss, boolean withConntrackd) throws Exception {
        if (loss > 0) {
            dropOnSyncLink(loss);
        }
        List<ConntrackEntry> table = entries(n);
        List<Round> rows = new ArrayList<>();
        try (KernelConntrackTable ka = a.openConntrack(); KernelConntrackTable kb = b.openConntrack()) {
            ka.flush();
            check(ka.createAll(table).created() == n, "could not load " + n + " entries into " + a);
    
            InetSocketAddress addrA = new InetSocketAddress(InetAddress.getByName("10.234.9.1"), 3790);
            InetSocketAddress addrB = new InetSocketAddress(InetAddress.getByName("10.234.9.2"), 3790);
            FtfwChannel chA = a.call(() -> FtfwChannel.builder(FtfwConfig.of(addrA, addrB)).start());
            FtfwChannel chB;
            try {
                // the backup's external cache must hold the whole table (its default bound is 262 144 flows)
                FtfwConfig cfgB = FtfwConfig.builder(addrB, addrA).cacheLimit(Math.max(262_144, 2 * n)).build();
                chB = b.call(() -> FtfwChannel.builder(cfgB).start());
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
                            new StateMigrator.Config(Duration.ofSeconds(60), Duration.ofMillis(1)),
                            System::nanoTime, StateMigrator.Pause.sleeping());
                    StateMigrator.Report rep = m.migrate("bench", StateMigrator.Urgency.PLANNED, (s, d, t) -> { });
                    long inB = kb.dump(e -> { });
                    check(rep.handedOver() && inB == n, "round " + r + ": backup kernel table has " + inB + " of " + n
                            + "; " + rep.describe());
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
        if (!NetnsLab.onPath("conntrackd")) {
            rows.add(new Round("conntrackd", -1, -1, "conntrackd baseline skipped: conntrackd is not installed"));
            return;
        }
        ConntrackdPair pair = new ConntrackdPair(a, b, dir);
        pair.start("10.234.9.1", "10.234.9.2", "10.234.9.0/24", n);
        for (int r = 1; r <= rounds; r++) {
            kb.flush();
            ConntrackdPair.Round c = pair.migrate(r, n, 30, () -> kb.dump(e -> { }));
            rows.add(new Round("conntrackd", c.nanos(), c.inBackup(), c.line()));
        }
    }

    /** Random loss on the sync link for both implementations' ports (nftables numgen), in both namespaces. */
    private void dropOnSyncLink(int loss) {
        for (NetnsLab.Netns ns : List.of(a, b)) {
            ns.nft("""
                    table inet loss {
                      chain in {
                        type filter hook input priority 0;
                        iifname "sync" udp dport { 3780, 3790 } numgen random mod 100 < %d drop
                      }
                    }
                    """.formatted(loss));
        }
    }

    static List<ConntrackEntry> entries(int n) throws IOException {
        List<ConntrackEntry> list = new ArrayList<>(n);
        InetAddress dst = InetAddress.getByName("10.234.2.10");
        for (int i = 0; i < n; i++) {
            InetAddress src = InetAddress.getByAddress(new byte[] {10, (byte) 235, (byte) (i / 50_000), 10});
            list.add(ConntrackEntry.builder(Tuple.ports(src, dst, IpProto.TCP, 10_000 + i % 50_000, 80))
                    // an hour: a million-flow run takes longer than 10 minutes, and the flows must not expire in it
                    .tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED).timeout(3600).build());
        }
        return list;
    }
}
