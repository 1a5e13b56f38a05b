package org.hftfw.migrator;

import static org.hftfw.bench.Figures.check;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.hftfw.bench.DaemonLauncher;
import org.hftfw.bench.Figures;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.conntrack.netlink.KernelConntrackTable;
import org.hftfw.predictor.FakeSysfs;

/**
 * A migration through the running daemons, as an operator runs it, timed from the order on the control socket to
 * the backup's kernel table holding every flow — beside the stock conntrackd pair ({@code -B}, then {@code -c}) on
 * the same table in the same run (issue 10 item 2).
 *
 * <p>Two namespaces joined by a veth {@code sync}; the primary's kernel table is loaded with N ESTABLISHED flows.
 * {@code hftfw sync backup} runs for b and {@code hftfw sync primary} (proactive path on, over an empty fake sysfs
 * tree, commit through the backup's control socket: {@code migration.commit-socket}) for a, each as its own JVM,
 * started with the classpath of this one. The bench sends {@code migrate now} to the primary's control socket and
 * polls b's {@code nf_conntrack_count} until it holds N (the sync link is not tracked, so the count is the migrated
 * flows alone); the primary's own report of the migration (snapshot, send, ACKs, commit) is printed beside it. The
 * first round runs in a daemon that has not migrated before (its start-up warm-up is what it has; the order comes 5 s
 * after the daemons are up, time for the warm-up's compilations to finish); between rounds the policy is returned to
 * HEALTHY ({@code policy manual recover}). The daemons run with the JVM options they are deployed with
 * (conf/daemon.jvm: C1 only, serial GC, small heap) unless told otherwise. Beside the wall time each round prints
 * what load-independent figures there are: each daemon's CPU time from the order until the backup held every flow,
 * the FT-FW messages missed and resent, and the sampled states of the backup's kernel writer and both event loops
 * ({@link ThreadStates}). Optional random loss on the sync link (nftables numgen) applies to both implementations.
 * Namespaces {@code hmd-*}; every process started is stopped by PID.
 */
public final class DaemonMigrationBench {
    private static final String A_SYNC = "10.234.11.1";
    private static final String B_SYNC = "10.234.11.2";
    private static final int HFTFW_PORT = 3790;
    private static final Path COUNT = Path.of("/proc/sys/net/netfilter/nf_conntrack_count");
    private static final long SETTLE_MILLIS = 5_000;
    private static final long WAIT_POLL_MILLIS = 20;
    /** The name (comm, 15 characters) of the daemon's FT-FW channel thread, a Netty event loop. */
    private static final String EVENT_LOOP = "multiThreadIoEv";

    /** One measured migration: who, which round, order → backup kernel holding all (-1: never), what it printed. */
    public record Round(String who, int round, long nanos, long inBackup, String line) {}

    private final NetnsLab.Netns a;
    private final NetnsLab.Netns b;
    private final Path dir;
    private final List<Process> daemons = new ArrayList<>();
    private final Path jvmOptions;
    /** {@code backup}, as issue 10 measured, or {@code both}, as docs/deploy.md deploys a node (it also publishes). */
    private final String backupRole;
    private Path aLog;
    private Path aCtl;
    private Path bCtl;

    private DaemonMigrationBench(NetnsLab lab, Path dir, Path jvmOptions, String backupRole) {
        this.dir = dir;
        this.jvmOptions = jvmOptions;
        this.backupRole = backupRole;
        a = lab.netns("a");
        b = lab.netns("b");
        lab.veth(a, "sync", b, "sync");
        a.addr("sync", A_SYNC + "/24");
        b.addr("sync", B_SYNC + "/24");
    }

    /**
     * Prints the rounds of both implementations at N flows; the daemons run with the JVM options file
     * {@code jvmOptions} (the deployed conf/daemon.jvm; null: the JVM's defaults).
     */
    public static void run(int n, int rounds, int loss, boolean raiseMax, Path jvmOptions, String backupRole)
            throws Exception {
        run(n, rounds, loss, raiseMax, jvmOptions, backupRole, false);
    }

    /**
     * The same; {@code hftfwOnly}: hFT-FW's rounds alone, without conntrackd's and without the round at the original
     * {@code nf_conntrack_max} (a profiling run: a million-flow run spends minutes on those, and its figures need the
     * baseline beside them).
     */
    public static void run(int n, int rounds, int loss, boolean raiseMax, Path jvmOptions, String backupRole,
                           boolean hftfwOnly) throws Exception {
        Figures.header("migration bench through the daemons", String.format(Locale.ROOT,
                "%d flows, sync link loss %d%%, %d rounds; the backup runs as 'hftfw sync %s'; daemon JVM options %s; "
                        + "load average before: %s", n, loss, rounds, backupRole,
                jvmOptions == null ? "the JVM's defaults" : "@" + jvmOptions + heapFor(n).map(" "::concat)
                        .orElse(""), loadAverage()));
        List<Round> rows = measure(n, rounds, loss, raiseMax, !hftfwOnly, jvmOptions, backupRole, !hftfwOnly);
        rows.forEach(r -> System.out.println(r.line()));
        System.out.printf(Locale.ROOT, "load average after: %s%n", loadAverage());
    }

    /**
     * Runs the bench; with {@code conntrackd} also the stock pair's rounds. Refuses (IllegalArgumentException, with
     * the reason) a table larger than {@code nf_conntrack_max} unless {@code raiseMax}; then the limit is raised for
     * the run, and after the measured rounds one more hFT-FW migration runs at the original limit, which the backup's
     * table cannot hold: the primary must report the failure with its counts.
     */
    public static List<Round> measure(int n, int rounds, int loss, boolean raiseMax, boolean conntrackd)
            throws Exception {
        return measure(n, rounds, loss, raiseMax, conntrackd, null, "backup");
    }

    /**
     * {@link #measure(int, int, int, boolean, boolean)} with the daemons' JVM options file (null: defaults) and the
     * backup's role ({@code backup} or {@code both}).
     */
    public static List<Round> measure(int n, int rounds, int loss, boolean raiseMax, boolean conntrackd,
                                      Path jvmOptions, String backupRole) throws Exception {
        return measure(n, rounds, loss, raiseMax, conntrackd, jvmOptions, backupRole, true);
    }

    /** The same; {@code atOriginalMax}: the round at the original {@code nf_conntrack_max} after a raised one. */
    private static List<Round> measure(int n, int rounds, int loss, boolean raiseMax, boolean conntrackd,
                                       Path jvmOptions, String backupRole, boolean atOriginalMax) throws Exception {
        if (!List.of("backup", "both").contains(backupRole)) {
            throw new IllegalArgumentException("the backup's role is backup or both, not " + backupRole);
        }
        Optional<String> tooSmall = ConntrackMax.tooSmallFor(n);
        if (tooSmall.isPresent() && !raiseMax) {
            throw new IllegalArgumentException(tooSmall.get());
        }
        Path dir = Files.createTempDirectory("hftfw-daemon-migration");
        try (ConntrackMax max = tooSmall.isPresent() ? ConntrackMax.raisedFor(n) : null;
             NetnsLab lab = new NetnsLab("hmd", java.time.Duration.ofMinutes(2))) {
            DaemonMigrationBench bench = new DaemonMigrationBench(lab, dir, jvmOptions, backupRole);
            try {
                return bench.run(n, rounds, loss, conntrackd, atOriginalMax ? max : null);
            } finally {
                bench.stopDaemons();
            }
        } finally {
            deleteTree(dir);
        }
    }

    private List<Round> run(int n, int rounds, int loss, boolean withConntrackd, ConntrackMax max) throws Exception {
        syncLinkRules(loss);
        List<Round> rows = new ArrayList<>();
        List<ConntrackEntry> table = MigrationBench.entries(n);
        try (KernelConntrackTable ka = a.openConntrack(); KernelConntrackTable kb = b.openConntrack()) {
            ka.flush();
            kb.flush();
            check(ka.createAll(table).created() == n, "could not load " + n + " flows into " + a);
            startHftfw(n);
            for (int r = 1; r <= rounds; r++) {
                rows.add(hftfwRound(r, n, kb));
            }
            stopDaemons();
            if (withConntrackd) {
                conntrackdRounds(n, rounds, kb, rows);
            }
            if (max != null) {
                kb.flush();
                max.restore();
                startHftfw(n);
                Round r = hftfwRound(rounds + 1, n, kb);
                rows.add(new Round(r.who(), r.round(), r.nanos(), r.inBackup(), "at the original nf_conntrack_max "
                        + max.original() + " (the backup's table cannot hold " + n + " flows): " + r.line()));
                stopDaemons();
            }
        }
        return rows;
    }

    /** The sync link is not tracked (b's count is the migrated flows alone); {@code loss} % of it is dropped. */
    private void syncLinkRules(int loss) {
        for (NetnsLab.Netns ns : List.of(a, b)) {
            ns.nft("""
                    table inet hmd {
                      chain raw_in {
                        type filter hook prerouting priority raw;
                        iifname "sync" notrack
                      }
                      chain raw_out {
                        type filter hook output priority raw;
                        oifname "sync" notrack
                      }
                      chain in {
                        type filter hook input priority 0;
                        iifname "sync" udp dport { 3780, %d } numgen random mod 100 < %d drop
                      }
                    }
                    """.formatted(HFTFW_PORT, loss));
        }
    }

    private void startHftfw(int n) throws Exception {
        Path tree = dir.resolve("tree");
        if (!Files.exists(tree)) {
            FakeSysfs.create(tree);
        }
        aCtl = dir.resolve("a.ctl");
        bCtl = dir.resolve("b.ctl");
        Path bConf = Files.writeString(dir.resolve("b.conf"), """
                sync { local-address = "%s", peer-address = "%s", port = %d, alive-interval = 200ms,
                       startup-resync = false, external-cache-limit = %d }
                control.socket = "%s"
                metrics.enabled = false
                """.formatted(B_SYNC, A_SYNC, HFTFW_PORT, Math.max(262_144, 2 * n), bCtl));
        Path aConf = Files.writeString(dir.resolve("a.conf"), """
                sync { local-address = "%s", peer-address = "%s", port = %d, alive-interval = 200ms }
                control.socket = "%s"
                metrics.enabled = false
                predictor { enabled = true, fake-tree = "%s" }
                migration { commit-socket = "%s", ack-timeout = %ds, command-timeout = 120s }
                """.formatted(A_SYNC, B_SYNC, HFTFW_PORT, aCtl, tree, bCtl, ackTimeoutSeconds(n)));
        Path bLog = dir.resolve("b.log");
        aLog = dir.resolve("a-" + System.nanoTime() + ".log");
        spawn(backupRole, bConf, b, bLog, n);
        await(() -> answers(bCtl), 60, "the backup daemon's control socket");
        spawn("primary", aConf, a, aLog, n);
        await(() -> log(aLog).contains("internal cache: "), 300, "the primary's internal cache (" + aLog + ")");
        String line = log(aLog).lines().filter(l -> l.contains("internal cache: ")).findFirst().orElse("");
        check(line.contains("internal cache: " + n + " flows"), "the primary's internal cache: " + line);
        await(() -> answers(aCtl), 60, "the primary daemon's control socket");
        // the primary has heard the backup (its HELLO_BACK or ALIVE): the pair is in contact before the first order
        await(() -> peerHeard(aCtl), 30, "the primary to hear the backup");
        // a daemon migrates long after it started: let the compilations its start-up warm-up queued finish (on this
        // shared 2-CPU machine the JIT's threads lag), as they would have in any real deployment
        Thread.sleep(SETTLE_MILLIS);
    }

    /**
     * The primary's {@code migration.ack-timeout}: it also bounds the wait for the backup's in-band answer, which an
     * always-committed backup gives once its kernel writer has written the migrated flows (a million flows take
     * tens of seconds on a loaded machine).
     */
    private static int ackTimeoutSeconds(int n) {
        return Math.max(30, n / 10_000);
    }

    private static boolean peerHeard(Path ctl) {
        String s = control(ctl, "stats");
        return s.contains("last datagram from the peer:") && !s.contains("last datagram from the peer: never");
    }

    /**
     * The heap a daemon needs beyond the options file's -Xmx (384m, sized for the kernel's default table of 262 144
     * flows): about 1 KB per flow, as conf/daemon.jvm advises (-Xmx1g at 1 000 000); empty when the file's is enough.
     */
    static Optional<String> heapFor(int flows) {
        long mb = flows / 1_000L;
        return mb > 384 ? Optional.of("-Xmx" + mb + "m") : Optional.empty();
    }

    private void spawn(String role, Path conf, NetnsLab.Netns ns, Path log, int flows) throws IOException {
        // as bin/hftfw and the package's launcher start the daemon, with the heap raised for a large table
        daemons.add(DaemonLauncher.start(jvmOptions, heapFor(flows), log,
                List.of("sync", role, "--config", conf.toString(), "--netns", ns.name())));
    }

    private void stopDaemons() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            NetnsLab.stop(daemons.get(i));
        }
        daemons.clear();
    }

    private Round hftfwRound(int round, int n, KernelConntrackTable kb) throws Exception {
        // the backup's writer deletes the flushed flows from its kernel table on its own thread: the round starts once
        // it has (else the next migration's writes queue behind a whole table of deletes)
        long goneBefore = backupWriterGone();
        // the previous round's commit was a takeover, after which the backup's kernel no longer follows its peer:
        // it stands by again as keepalived's notify_backup has it do (resync), and holds the table before the flush
        String resyncNote = "";
        if (control(bCtl, "stats").contains("(always committed, took over)")) {
            long confirmedBefore = confirmedBulks();
            check(control(bCtl, "resync").startsWith("OK"), "resync on the backup");
            // the primary answers the resync with a marked bulk, which the backup confirms once its writer has
            // written it; a migration ordered while it is open goes unconfirmed (one marked bulk at a time) and
            // competes with it for the queue and the writer: a real migration comes long after a failback's resync
            if (!reached(() -> confirmedBulks() > confirmedBefore, Math.max(60, n / 5_000), WAIT_POLL_MILLIS)) {
                resyncNote = " (the resync's bulk was still unconfirmed at the order)";
            }
        }
        // the table the backup got at start (or from that resync) is in before the flush: a bulk still on its way
        // would refill what the round must start without
        await(() -> externalFlows() >= n, Math.max(120, n / 2_000), "the backup to hold the primary's table");
        String flushed = control(bCtl, "flush");
        check(flushed.startsWith("OK"), "flush on the backup: " + flushed);
        java.util.regex.Matcher held = java.util.regex.Pattern.compile("external cache \\((\\d+) flows")
                .matcher(flushed);
        long flushedFlows = held.find() ? Long.parseLong(held.group(1)) : 0;
        await(() -> backupWriterGone() >= goneBefore + flushedFlows, Math.max(120, n / 2_000),
                "the backup's writer to delete the flows");
        kb.flush();
        await(() -> count(b) == 0, 60, "the backup's table to empty");
        long reportsBefore = reports();
        long backupPid = daemons.get(0).pid();
        long primaryPid = daemons.get(1).pid();
        long rcvbuf0 = b.call(DaemonMigrationBench::udpRcvbufErrorsHere);
        long lost0 = tracking(bCtl, 1);
        long resent0 = tracking(aCtl, 3);
        long primary0 = ProcessCpu.millis(primaryPid);
        long backup0 = ProcessCpu.millis(backupPid);
        ThreadCpu primaryThreads = ThreadCpu.start(primaryPid);
        ThreadCpu backupThreads = ThreadCpu.start(backupPid);
        long t0 = System.nanoTime();
        String order = control(aCtl, "migrate now bench round " + round);
        check(order.startsWith("OK"), "the order was refused: " + order);
        int seconds = Math.max(60, n / 5_000);
        // until the backup holds all, or the primary has reported (a failed migration ends there); polled from one
        // thread inside b (count(b) starts a thread per read to enter the namespace, a cost the daemons paid for)
        // and what the backup's kernel writer and both FT-FW event loops do meanwhile, sampled on every other poll
        int[] polls = {0};
        Optional<ThreadStates> writer = ThreadStates.of(backupPid, "hftfw-backup-w");
        Optional<ThreadStates> sender = ThreadStates.of(primaryPid, EVENT_LOOP);
        Optional<ThreadStates> receiver = ThreadStates.of(backupPid, EVENT_LOOP);
        boolean all = b.call(() -> reached(() -> {
            if (++polls[0] % 2 == 0) {
                writer.ifPresent(ThreadStates::sample);
                sender.ifPresent(ThreadStates::sample);
                receiver.ifPresent(ThreadStates::sample);
            }
            return countHere() >= n || (polls[0] % 100 == 0 && reports() > reportsBefore);
        }, seconds) && countHere() >= n);
        long t1 = System.nanoTime();
        writer.ifPresent(ThreadStates::stop);
        sender.ifPresent(ThreadStates::stop);
        receiver.ifPresent(ThreadStates::stop);
        long primaryCpu = ProcessCpu.millis(primaryPid) - primary0;
        long backupCpu = ProcessCpu.millis(backupPid) - backup0;
        String threads = "threads of the primary: " + primaryThreads.describe(4) + "; of the backup: "
                + backupThreads.describe(4);
        await(() -> reports() > reportsBefore, seconds, "the primary's report of the migration");
        String report = String.format(Locale.ROOT, "CPU until then: primary %d ms + backup %d ms; FT-FW messages "
                + "the backup missed (sequence gaps) %d, the primary resent %d, datagrams the backup's full socket "
                + "buffer dropped %d; meanwhile the primary's event loop: %s; the backup's event loop: %s; its kernel "
                + "writer: %s; %s; ", primaryCpu, backupCpu, tracking(bCtl, 1) - lost0, tracking(aCtl, 3) - resent0,
                b.call(DaemonMigrationBench::udpRcvbufErrorsHere) - rcvbuf0,
                sender.map(t -> t.describe(n)).orElse("not found"),
                receiver.map(t -> t.describe(n)).orElse("not found"),
                writer.map(t -> t.describe(n)).orElse("not found"), threads)
                + lastReport() + "; backup: " + backupWriter();
        long inB = count(b);
        String who = (round == 1 ? "hFT-FW     round 1 (first migration of the daemon)" : "hFT-FW     round " + round)
                + resyncNote;
        String line = all
                ? String.format(Locale.ROOT, "%s: order -> backup kernel holds all %7.1f ms; %s", who, (t1 - t0) / 1e6,
                        report)
                : String.format(Locale.ROOT, "%s: the backup kernel holds %d of %d flows; %s", who, inB, n, report);
        // HANDED_OVER -> HEALTHY for the next round (the demotion runs right after the migration)
        await(() -> control(aCtl, "policy manual recover bench").startsWith("OK"), 90, "the policy back to HEALTHY");
        return new Round("hFT-FW", round, all ? t1 - t0 : -1, inB, line);
    }

    /**
     * A counter of the FT-FW message tracking line "N lost  N before  N resent" of a daemon's {@code stats} reply
     * (group 1: lost, 2: before, 3: resent); -1 when absent.
     */
    private static long tracking(Path ctl, int group) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) lost\\s+(\\d+) before\\s+(\\d+) resent")
                .matcher(control(ctl, "stats"));
        return m.find() ? Long.parseLong(m.group(group)) : -1;
    }

    /** The flows in the backup's external cache, from its {@code stats} reply. */
    private long externalFlows() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("external cache:\\s+(\\d+) flows")
                .matcher(control(bCtl, "stats"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Deletes the backup's writer has done (deleted + absent, cumulative); 0 without a kernel writer. */
    private long backupWriterGone() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) deleted, (\\d+) absent")
                .matcher(backupWriter());
        return m.find() ? Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)) : 0;
    }

    /** The backup's kernel-writer counters (cumulative since it started), from its {@code stats} reply. */
    private String backupWriter() {
        List<String> lines = control(bCtl, "stats").lines().map(String::strip).toList();
        for (int i = 0; i + 2 < lines.size(); i++) {
            if (lines.get(i).startsWith("kernel table (always committed")) {
                return lines.get(i + 1).replaceAll("\\s+", " ") + "; " + lines.get(i + 2).replaceAll("\\s+", " ");
            }
        }
        return "no kernel writer (external cache)";
    }

    /** The primary's marked bulks the backup has confirmed (its log's "bulk N confirmed by the peer" lines). */
    private long confirmedBulks() {
        return log(aLog).lines().filter(l -> l.contains("FtfwEngine - bulk ") && l.contains(" confirmed by the peer"))
                .count();
    }

    private long reports() {
        return log(aLog).lines().filter(DaemonMigrationBench::isReport).count();
    }

    private String lastReport() {
        List<String> r = log(aLog).lines().filter(DaemonMigrationBench::isReport).toList();
        String l = r.isEmpty() ? "" : r.getLast();
        int at = l.indexOf("migration ");
        return "daemon: " + (at < 0 ? l : l.substring(at));
    }

    private static boolean isReport(String line) {
        return line.contains("ProactivePath - migration handed over") || line.contains("ProactivePath - migration FAILED");
    }

    private void conntrackdRounds(int n, int rounds, KernelConntrackTable kb, List<Round> rows) throws Exception {
        if (!NetnsLab.onPath("conntrackd")) {
            rows.add(new Round("conntrackd", 0, -1, -1, "conntrackd baseline skipped: conntrackd is not installed"));
            return;
        }
        ConntrackdPair pair = new ConntrackdPair(a, b, dir);
        pair.start(A_SYNC, B_SYNC, "10.234.11.0/24", n);
        for (int r = 1; r <= rounds; r++) {
            kb.flush();
            await(() -> count(b) == 0, 60, "the backup's table to empty");
            ConntrackdPair.Round c = pair.migrate(r, n, Math.max(30, n / 5_000), () -> count(b));
            rows.add(new Round("conntrackd", r, c.nanos(), c.inBackup(), c.line()));
        }
    }

    /** Entries in {@code ns}'s conntrack table ({@code nf_conntrack_count}, read inside the namespace). */
    private static long count(NetnsLab.Netns ns) {
        return ns.call(DaemonMigrationBench::countHere);
    }

    /** Entries in the conntrack table of the calling thread's network namespace. */
    private static long countHere() {
        try {
            return Long.parseLong(Files.readAllLines(COUNT, StandardCharsets.US_ASCII).getFirst().strip());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + COUNT, e);
        }
    }

    /**
     * UDP datagrams dropped because a receive buffer was full (RcvbufErrors of {@code /proc/thread-self/net/snmp}) in
     * the calling thread's network namespace: at the backup, the sync link's losses that are not the link's.
     */
    private static long udpRcvbufErrorsHere() {
        try {
            List<String> udp = Files.readAllLines(Path.of("/proc/thread-self/net/snmp"), StandardCharsets.US_ASCII)
                    .stream().filter(l -> l.startsWith("Udp: ")).toList();
            List<String> names = List.of(udp.get(0).split(" ", -1));
            return Long.parseLong(udp.get(1).split(" ", -1)[names.indexOf("RcvbufErrors")]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static boolean answers(Path ctl) {
        return Files.exists(ctl) && control(ctl, "stats").startsWith("OK");
    }

    /** One control-socket request and its whole reply; "" when the daemon does not answer. */
    static String control(Path ctl, String request) {
        try {
            return org.hftfw.failover.Control.exchange(ctl, request);
        } catch (IOException e) {
            return "";
        }
    }

    private static String log(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/loadavg")).getFirst().split(" ", -1);
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * Polls {@code done} every {@code pollMillis} for up to {@code seconds}: between rounds, where each poll is a
     * control-socket request or a log read that the daemons pay for.
     */
    private static boolean reached(java.util.function.BooleanSupplier done, int seconds, long pollMillis)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(pollMillis);
        }
        return true;
    }

    /**
     * Polls {@code done} while a migration is timed, every thousandth of the time elapsed and at least every 1 ms:
     * a resolution of 0.1 % at any size. A fixed 1 ms poll (with the thread samples on every other one) cost the bench
     * 2.6 s of CPU during a 21 s million-flow migration, an eighth of a CPU taken from the two daemons on 2 CPUs.
     */
    private static boolean reached(java.util.function.BooleanSupplier done, int seconds)
            throws InterruptedException {
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            long now = System.nanoTime();
            if (now > end) {
                return false;
            }
            Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(now - start) / 1_000));
        }
        return true;
    }

    private static void await(java.util.function.BooleanSupplier done, int seconds, String what)
            throws InterruptedException {
        if (!reached(done, seconds, WAIT_POLL_MILLIS)) {
            throw new IllegalStateException("waited " + seconds + " s for " + what);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
