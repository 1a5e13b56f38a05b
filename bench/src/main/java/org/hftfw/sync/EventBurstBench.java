package org.hftfw.sync;

import static org.hftfw.bench.Figures.check;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.hftfw.bench.DaemonLauncher;
import org.hftfw.bench.Figures;
import org.hftfw.common.Clock;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.conntrack.netlink.Ctnetlink;
import org.hftfw.conntrack.netlink.EventDrainBench;
import org.hftfw.conntrack.netlink.KernelConntrackTable;
import org.hftfw.ftfw.ConntrackdConf;
import org.hftfw.ftfw.ExternalCache;
import org.hftfw.ftfw.FtfwChannel;
import org.hftfw.ftfw.FtfwConfig;
import org.hftfw.migrator.ThreadCpu;

/**
 * Whether the primary's event path keeps up with the kernel (issue 14, item 4): {@code flows} new flows are loaded
 * into the primary's namespace by a {@link Loader}, while the primary replicates every event over FT-FW (a veth) to a
 * backup. The loader is either {@link NetlinkLoader} (batched ctnetlink creates from several threads, paced to a
 * target event rate or unpaced: the rates the issue names, which {@code conntrack -R} cannot produce here) or
 * parallel {@code conntrack -R} processes ({@link ConntrackRestore}, the issue's own loader). Reported per
 * configuration: the loader's achieved event rate, the event socket overruns (ENOBUFS) and resyncs, the CPU time
 * per event of the pair from the load's start until the backup held all (hFT-FW's primary and backup share the
 * bench's JVM; conntrackd's are two processes), how long until the backup held every flow, the state messages the
 * backup applied (created + updated + destroyed in its external cache: what the repairs cost) and the datagrams the
 * primary put on the veth (its tx_packets, ACKs and resends included).
 * Run for hFT-FW's event path in the bench's JVM with the issue's conntrackd buffer (16 MiB, allowed to grow to 64
 * MiB: {@code events.buffer}, {@code events.buffer-max-growth}) and with 64 MiB from the start (growth cannot help
 * while the pump does not run, e.g. in a garbage-collection pause; the daemon's default since session 9), for the
 * daemons as deployed ({@link #daemons}), and, on the same burst from the same loader in the same run, for a stock
 * conntrackd pair with NetlinkBufferSize 16 MiB and NetlinkBufferSizeMaxGrowth 64 MiB. hFT-FW's primary is the event
 * path itself (table subscription, {@link Publisher} replicating every change, {@link FtfwChannel}); its backup is a
 * channel's external cache.
 *
 * <p>First it prints how fast the pump's read side drains a full queue, with recvmmsg beside recvfrom ({@link
 * EventDrainBench}). Run by {@code hftfw sync event-bench [--flows 200000] [--loaders 4] [--rate 120000,0]
 * [--conntrack-tool] [--reader-nice -10|inherit]}: the event reading thread at the daemon's {@code
 * events.reader-nice}, or at the bench's own priority. Each configuration gets fresh namespaces {@code hpb-*} (a {@link NetnsLab}), removed
 * with every process it started at the end; traffic stays on the veth.
 */
public final class EventBurstBench {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
    private static final int BUFFER = 16 << 20;
    private static final int GROWN = 64 << 20;
    private static final String SELF = "10.238.9.1";
    private static final String PEER = "10.238.9.2";
    private static final int PORT = 3791;
    private static final int HOLD_SECONDS = 120;
    /** Events queued for the drain measurement: about 64 MiB of socket memory, inside the 64 MiB buffer's limit. */
    private static final int DRAIN_EVENTS = 40_000;
    /** The daemon's {@code events.reader-nice} default (conf/hftfw.conf). */
    public static final OptionalInt DEFAULT_READER_NICE = OptionalInt.of(-10);

    /**
     * One configuration's burst: the loaders' rate, the overruns and resyncs, and when the backup held all (for the
     * decode-only baseline: the events delivered, and when the last one was).
     */
    public record Row(String who, long flows, long loadNanos, long overruns, long resyncs, long heldNanos,
                      long inBackup, long messages, long datagrams, long linkDrops, long cpuNanos) {
        public String line() {
            return String.format(Locale.ROOT, "%-34s %,9.0f events/s  %3d overruns  %3d resyncs  %5.1f µs CPU per "
                            + "event  backup holds %,d of %,d %s  %,d messages applied  %,d datagrams%s", who,
                    Figures.rate(flows, loadNanos), overruns, resyncs, cpuNanos / 1e3 / flows, inBackup, flows,
                    heldNanos < 0 ? "(not within " + HOLD_SECONDS + " s)"
                            : String.format(Locale.ROOT, "after %.2f s", heldNanos / 1e9), messages, datagrams,
                    linkDrops > 0 ? String.format(Locale.ROOT, "  %,d states dropped by full FT-FW queues", linkDrops)
                            : "");
        }
    }

    private EventBurstBench() {}

    /** Loads the burst's flows into a namespace; returns the time until the last was created. */
    interface Loader {
        long load(NetnsLab.Netns ns) throws Exception;

        String describe();
    }

    /** {@code loaders} parallel {@code conntrack -R} processes, each restoring its share of the flows from a file. */
    record ConntrackRestore(List<Path> files) implements Loader {
        @Override
        public long load(NetnsLab.Netns ns) throws InterruptedException {
            long t0 = System.nanoTime();
            List<Process> ps = new ArrayList<>();
            for (Path f : files) {
                ps.add(ns.spawn(null, "conntrack", "-R", f.toString()));
            }
            for (Process p : ps) {
                check(p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "a conntrack -R loader did not finish");
                check(p.exitValue() == 0, "a conntrack -R loader failed: exit " + p.exitValue());
            }
            return System.nanoTime() - t0;
        }

        @Override
        public String describe() {
            return files.size() + " parallel conntrack -R";
        }
    }

    /**
     * Measures and prints the configurations once per rate in {@code rates} (events/s, 0: as fast as the loader
     * goes) with the netlink loader, or once with {@code conntrack -R} processes when {@code conntrackTool}.
     */
    public static void run(int flows, int loaders, List<Long> rates, boolean conntrackTool, OptionalInt readerNice,
                           Path daemonJvmOptions, boolean daemonsOnly) throws Exception {
        Figures.header("event burst bench", String.format(Locale.ROOT, "%,d new flows, GC %s, event reader nice %s",
                flows, ManagementFactory.getGarbageCollectorMXBeans().getFirst().getName(),
                readerNice.isPresent() ? Integer.toString(readerNice.getAsInt()) : "inherited"));
        System.out.println(EventDrainBench.measure(DRAIN_EVENTS).line());
        Path dir = Files.createTempDirectory("hftfw-event-burst");
        try {
            List<Loader> runs = new ArrayList<>();
            if (conntrackTool) {
                runs.add(new ConntrackRestore(loadFiles(dir, flows, loaders)));
            } else {
                for (long rate : rates) {
                    runs.add(new NetlinkLoader(flows, loaders, rate));
                }
            }
            for (Loader loader : runs) {
                System.out.println("loader: " + loader.describe());
                if (daemonsOnly) {
                    System.out.println(conntrackdRow(dir, flows, loader).line());
                } else {
                    for (Row r : measure(dir, flows, loader, true, readerNice)) {
                        System.out.println(r.line());
                    }
                }
                System.out.println(daemons(dir, flows, loader, daemonJvmOptions).line());
            }
        } finally {
            deleteAll(dir);
        }
        System.out.println("(issue 14: 200 000 flows, four loaders, about 120 000 events/s: hFT-FW with 16 MiB overran "
                + "twice; conntrackd 16 MiB growing to 64 MiB held everything at 4.4 s with no resync)");
    }

    /** Runs hFT-FW without and with buffer growth on the loader's burst; with {@code conntrackd} also the stock pair. */
    public static List<Row> measure(int flows, int loaders, long rate, boolean conntrackd) throws Exception {
        Path dir = Files.createTempDirectory("hftfw-event-burst");
        try {
            return measure(dir, flows, new NetlinkLoader(flows, loaders, rate), conntrackd, DEFAULT_READER_NICE);
        } finally {
            deleteAll(dir);
        }
    }

    private static List<Row> measure(Path dir, int flows, Loader loader, boolean conntrackd, OptionalInt readerNice)
            throws Exception {
        List<Row> rows = new ArrayList<>();
        Ctnetlink.Options o = readerNice.isPresent()
                ? Ctnetlink.Options.defaults().withEventThreadNice(readerNice.getAsInt()) : Ctnetlink.Options.defaults();
        rows.add(pumpOnly(flows, loader, o));
        rows.add(hftfw("hFT-FW, 16 MiB growing to 64 MiB", o.withEventBufferBytes(BUFFER).withEventBufferMaxBytes(GROWN),
                flows, loader));
        rows.add(hftfw("hFT-FW, 64 MiB from the start", o.withEventBufferBytes(GROWN), flows, loader));
        if (conntrackd) {
            rows.add(conntrackdRow(dir, flows, loader));
        }
        return rows;
    }

    /** The daemons' row alone on a burst of the netlink loader (see {@link #daemons}). */
    public static Row measureDaemons(int flows, int loaders, long rate, Path jvmOptions) throws Exception {
        Path dir = Files.createTempDirectory("hftfw-event-burst");
        try {
            return daemons(dir, flows, new NetlinkLoader(flows, loaders, rate), jvmOptions);
        } finally {
            deleteAll(dir);
        }
    }

    private static Row conntrackdRow(Path dir, int flows, Loader loader) throws Exception {
        return NetnsLab.onPath("conntrackd") ? conntrackd(dir, flows, loader)
                : new Row("conntrackd (not installed)", flows, -1, -1, -1, -1, -1, -1, -1, 0, -1);
    }

    private static void deleteAll(Path dir) throws IOException {
        try (var list = Files.list(dir)) {
            for (Path f : list.toList()) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    /** The loaders' input: {@code flows} established TCP flows, split evenly, distinct original tuples. */
    private static List<Path> loadFiles(Path dir, int flows, int loaders) throws IOException {
        List<Path> files = new ArrayList<>();
        for (int l = 0; l < loaders; l++) {
            StringBuilder sb = new StringBuilder();
            for (int i = l; i < flows; i += loaders) {
                sb.append("-A -t 600 -u SEEN_REPLY,ASSURED -s 10.240.").append(i >> 8 & 0xff).append('.')
                        .append(i & 0xff).append(" -d 10.241.0.1 -p tcp --sport ").append(10_000 + (i >> 16))
                        .append(" --dport 80 --state ESTABLISHED\n");
            }
            files.add(Files.writeString(dir.resolve("load-" + l + ".save"), sb));
        }
        return files;
    }

    private static NetnsLab.Netns[] pair(NetnsLab lab) {
        NetnsLab.Netns a = lab.netns("a");
        NetnsLab.Netns b = lab.netns("b");
        lab.veth(a, "sync", b, "sync");
        a.addr("sync", SELF + "/24");
        b.addr("sync", PEER + "/24");
        return new NetnsLab.Netns[] {a, b};
    }

    private static Row hftfw(String who, Ctnetlink.Options o, int flows, Loader loader) throws Exception {
        try (NetnsLab lab = new NetnsLab("hpb", COMMAND_TIMEOUT)) {
            NetnsLab.Netns[] ab = pair(lab);
            NetnsLab.Netns a = ab[0];
            NetnsLab.Netns b = ab[1];
            InetSocketAddress self = new InetSocketAddress(InetAddress.getByName(SELF), PORT);
            InetSocketAddress peer = new InetSocketAddress(InetAddress.getByName(PEER), PORT);
            try (KernelConntrackTable table = a.openConntrack(o);
                 FtfwChannel primary = a.call(() -> FtfwChannel.builder(FtfwConfig.of(self, peer)).start());
                 FtfwChannel backup = b.call(() -> FtfwChannel.builder(FtfwConfig.of(peer, self)).start())) {
                ChannelOutbound out = new ChannelOutbound();
                out.attach(primary);
                Publisher publisher = new Publisher(new FlowFilter(List.of(), Set.of()), out, Clock.system());
                try (ConntrackTable.EventSubscription _ = table.subscribe(publisher)) {
                    long cpu = jvmCpuNanos();
                    long loadNanos = loader.load(a);
                    long held = until(() -> backup.externalCache().size() >= flows, loadNanos);
                    cpu = jvmCpuNanos() - cpu;
                    ExternalCache.Stats applied = backup.externalCache().stats();
                    String grown = table.eventBufferEarlyGrowths() > 0
                            ? " (grown early " + table.eventBufferEarlyGrowths() + "x)" : "";
                    return new Row(who + grown, flows, loadNanos, table.stats().overruns(),
                            publisher.stats().resyncs(), held, backup.externalCache().size(),
                            applied.news() + applied.updates() + applied.deletes(), txPackets(a),
                            primary.stats().rsQueueOverflow() + primary.stats().txQueueOverflow(), cpu);
                }
            }
        }
    }

    /**
     * The same burst through the daemons an operator runs: {@code hftfw sync primary} in the loaded namespace and
     * {@code hftfw sync backup} beside it, each its own JVM started with the daemon's JVM options file and the
     * configuration's defaults (event buffer, reader nice, an always-committed backup), read through their control
     * sockets. Its CPU per event is both daemons' (utime + stime), as for conntrackd.
     */
    private static Row daemons(Path dir, int flows, Loader loader, Path jvmOptions) throws Exception {
        try (NetnsLab lab = new NetnsLab("hpb", COMMAND_TIMEOUT)) {
            NetnsLab.Netns[] ab = pair(lab);
            List<Process> daemons = new ArrayList<>();
            try {
                Path[] ctl = new Path[2];
                String[] role = {"primary", "backup"};
                for (int i = 0; i < 2; i++) {
                    ctl[i] = dir.resolve("daemon-" + role[i] + ".ctl");
                    Path conf = Files.writeString(dir.resolve("daemon-" + role[i] + ".conf"), """
                            sync { local-address = "%s", peer-address = "%s", port = %d }
                            control.socket = "%s"
                            metrics.enabled = false
                            """.formatted(i == 0 ? SELF : PEER, i == 0 ? PEER : SELF, PORT, ctl[i]));
                    daemons.add(DaemonLauncher.start(jvmOptions, Optional.empty(),
                            dir.resolve("daemon-" + role[i] + ".out"),
                            List.of("sync", role[i], "--config", conf.toString(), "--netns", ab[i].name())));
                }
                for (int i = 0; i < 2; i++) {
                    Path socket = ctl[i];
                    Process p = daemons.get(i);
                    check(until(() -> !p.isAlive() || peerHeard(daemonStats(socket)), 0) >= 0 && p.isAlive(),
                            "the " + role[i] + " daemon did not start and hear its peer: "
                                    + Files.readString(dir.resolve("daemon-" + role[i] + ".out")));
                }
                // the pair's start-up bulk (the answer to the backup's startup RESYNC, or the primary's push on first
                // contact two alive intervals after it when that RESYNC went out before the primary listened) is
                // done before the burst, as it is long before any burst on a running pair
                // (the FT-FW line "sequence resets N  bulk sends N": the replication line has a "bulk sends" too)
                check(until(() -> numbersAfter(daemonStats(ctl[0]), "sequence resets", 2)[1] >= 1, 0) >= 0,
                        "the primary made no start-up bulk: " + daemonStats(ctl[0]));
                long cpu = cpuNanos(daemons);
                ThreadCpu[] threads = {ThreadCpu.start(daemons.get(0).pid()), ThreadCpu.start(daemons.get(1).pid())};
                long loadNanos = loader.load(ab[0]);
                long held = until(() -> daemonCount(ctl[1], EXTERNAL_FLOWS) >= flows, loadNanos);
                cpu = cpuNanos(daemons) - cpu;
                for (int i = 0; i < 2; i++) {   // where each daemon's CPU went: what to cut next
                    System.out.println("  " + role[i] + " threads (CPU ms): " + threads[i].describe(6));
                }
                String primary = daemonStats(ctl[0]);
                String backup = daemonStats(ctl[1]);
                long[] applied = numbersAfter(backup, EXTERNAL_FLOWS, 4);
                long[] events = numbersAfter(primary, "event source:", 3);
                if (events[1] != 0) {   // what the primary logged about its event socket, to tell a stall from growth
                    Files.readString(dir.resolve("daemon-primary.out")).lines()
                            .filter(l -> l.contains("event socket") || l.contains("overrun"))
                            .forEach(l -> System.out.println("  primary: " + l));
                }
                return new Row("hFT-FW daemons (defaults, " + (jvmOptions == null ? "JVM defaults"
                        : "@" + jvmOptions.getFileName()) + ")", flows, loadNanos,
                        events[1], events[2], held, applied[0], applied[1] + applied[2] + applied[3], txPackets(ab[0]),
                        0, cpu);
            } finally {
                for (int i = daemons.size() - 1; i >= 0; i--) {
                    NetnsLab.stop(daemons.get(i));
                }
            }
        }
    }

    private static final String EXTERNAL_FLOWS = "external cache:";

    /** The daemon's {@code stats} text, empty while it does not answer. */
    private static String daemonStats(Path socket) {
        try {
            return org.hftfw.failover.Control.exchange(socket, "stats");
        } catch (IOException e) {
            return "";
        }
    }

    /** Whether a daemon's stats say it has heard its peer (the pair is in contact before the burst). */
    private static boolean peerHeard(String stats) {
        return stats.contains("last datagram from the peer: ") && !stats.contains("last datagram from the peer: never");
    }

    /** The first number after {@code label} in the daemon's stats, -1 while it does not answer. */
    private static long daemonCount(Path socket, String label) {
        return numbersAfter(daemonStats(socket), label, 1)[0];
    }

    /** The first {@code n} numbers after {@code label} in {@code text} (-1 each when absent). */
    static long[] numbersAfter(String text, String label, int n) {
        long[] out = new long[n];
        java.util.Arrays.fill(out, -1);
        int at = text.indexOf(label);
        if (at < 0) {
            return out;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\d+").matcher(text);
        m.region(at + label.length(), text.length());
        for (int i = 0; i < n && m.find(); i++) {
            out[i] = Long.parseLong(m.group());
        }
        return out;
    }

    /** Baseline: the event socket read and decoded, nothing replicated (the pump's own ceiling). */
    private static Row pumpOnly(int flows, Loader loader, Ctnetlink.Options o) throws Exception {
        try (NetnsLab lab = new NetnsLab("hpb", COMMAND_TIMEOUT)) {
            NetnsLab.Netns a = lab.netns("a");
            try (KernelConntrackTable table = a.openConntrack(o.withEventBufferBytes(BUFFER));
                 ConntrackTable.EventSubscription _ = table.subscribe(e -> { })) {
                long cpu = jvmCpuNanos();
                long loadNanos = loader.load(a);
                // done when every event was delivered, or when the last overrun was followed by its resync
                long held = until(() -> table.stats().events() >= flows
                        || (table.stats().overruns() > 0 && table.stats().resyncs() == table.stats().overruns()),
                        loadNanos);
                cpu = jvmCpuNanos() - cpu;
                return new Row("baseline: decode only, 16 MiB fixed", flows, loadNanos, table.stats().overruns(),
                        table.stats().resyncs(), held, table.stats().events(), 0, 0, 0, cpu);
            }
        }
    }

    private static Row conntrackd(Path dir, int flows, Loader loader) throws Exception {
        try (NetnsLab lab = new NetnsLab("hpb", COMMAND_TIMEOUT)) {
            NetnsLab.Netns[] ab = pair(lab);
            Path confA = ConntrackdConf.lab(dir, "burst-a", SELF, PEER, List.of("127.0.0.1", "10.238.9.0/24"))
                    .withNetlinkBuffer(BUFFER).write();
            Path confB = ConntrackdConf.lab(dir, "burst-b", PEER, SELF, List.of("127.0.0.1", "10.238.9.0/24"))
                    .withNetlinkBuffer(BUFFER).write();
            List<Process> daemons = List.of(start(dir, ab[0], confA), start(dir, ab[1], confB));
            long cpu = cpuNanos(daemons);
            long loadNanos = loader.load(ab[0]);
            long held = until(() -> externalCacheCount(ab[1], confB) >= flows, loadNanos);
            cpu = cpuNanos(daemons) - cpu;
            String stats = ab[0].exec("conntrackd", "-C", confA.toString(), "-s", "runtime").check().stdout();
            String external = ab[1].exec("conntrackd", "-C", confB.toString(), "-s").check().stdout();
            return new Row("conntrackd, 16 MiB growing to 64 MiB", flows, loadNanos, statistic(stats, "netlink overrun:"),
                    statistic(stats, "resync with kernel table:"), held, externalCacheSize(ab[1], confB),
                    appliedExternal(external), txPackets(ab[0]), 0, cpu);
        }
    }

    /**
     * Waits until {@code done}, at most {@value #HOLD_SECONDS} s; returns the time since the loaders started, or -1.
     */
    private static long until(BooleanSupplier done, long loadNanos) throws InterruptedException {
        long start = System.nanoTime() - loadNanos;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(HOLD_SECONDS);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return -1;
            }
            Thread.sleep(20);
        }
        return System.nanoTime() - start;
    }

    private static Process start(Path dir, NetnsLab.Netns ns, Path conf) throws InterruptedException {
        Process p = ns.spawn(dir.resolve(ns.name() + ".out"), "conntrackd", "-C", conf.toString());
        LongSupplier up = () -> ns.exec("conntrackd", "-C", conf.toString(), "-s").exitCode();
        check(until(() -> up.getAsLong() == 0, 0) >= 0, "conntrackd did not start in " + ns);
        return p;
    }

    /**
     * CPU time (user + system) of this JVM: hFT-FW's primary and backup, the JIT and the garbage collector (the
     * loader runs in a JVM of its own). Read from the load's start until the backup held all: per event it is
     * the pair's cost, which the machine's load changes far less than it changes rates.
     */
    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * CPU time (utime + stime of {@code /proc/PID/stat}, in clock ticks of 10 ms: USER_HZ is 100 on Linux) of the
     * conntrackd daemons ({@code ip netns exec} execs them, so the process started is the daemon).
     */
    private static long cpuNanos(List<Process> daemons) throws IOException {
        long ticks = 0;
        for (Process p : daemons) {
            String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);     // fields 14 and 15: utime, stime
        }
        return ticks * 10_000_000L;
    }

    /**
     * Entries in conntrackd's external cache from its statistics ({@code -s}: "current active connections" under
     * "cache external:"), which costs the daemon little while it is measured, unlike a dump of the cache ({@code
     * -e}); -1 while it does not answer.
     */
    private static long externalCacheCount(NetnsLab.Netns ns, Path conf) {
        try {
            NetnsLab.Result r = ns.exec("conntrackd", "-C", conf.toString(), "-s");
            int at = r.stdout().indexOf("cache external:");
            return r.exitCode() != 0 || at < 0 ? -1 : statistic(r.stdout().substring(at), "current active connections:");
        } catch (IllegalStateException e) {
            return -1;
        }
    }

    /** Entries in conntrackd's external cache; -1 while it does not answer. */
    private static long externalCacheSize(NetnsLab.Netns ns, Path conf) {
        try {
            NetnsLab.Result r = ns.exec("conntrackd", "-C", conf.toString(), "-e");
            return r.exitCode() != 0 ? -1 : r.stdout().lines().filter(l -> l.contains("src=")).count();
        } catch (IllegalStateException e) {
            return -1;
        }
    }

    /** Datagrams the namespace's end of the sync veth sent (its tx_packets). */
    private static long txPackets(NetnsLab.Netns ns) {
        String n = ns.exec("cat", "/sys/class/net/sync/statistics/tx_packets").check().stdout().strip();
        return Long.parseLong(n);
    }

    /**
     * Created + updated + destroyed of the external cache in {@code conntrackd -s} output (the lines "connections
     * created: N", "... updated: N", "... destroyed: N" after "cache external:"), -1 when absent.
     */
    static long appliedExternal(String stats) {
        int at = stats.indexOf("cache external:");
        if (at < 0) {
            return -1;
        }
        String rest = stats.substring(at);
        long sum = 0;
        for (String label : new String[] {"connections created:", "connections updated:", "connections destroyed:"}) {
            long v = statistic(rest, label);
            if (v < 0) {
                return -1;
            }
            sum += v;
        }
        return sum;
    }

    /** The number after {@code label} in {@code conntrackd -s runtime} output (its netlink stats), -1 when absent. */
    static long statistic(String stats, String label) {
        for (String line : stats.split("\n", -1)) {
            int i = line.indexOf(label);
            if (i >= 0) {
                String rest = line.substring(i + label.length()).trim();
                int end = 0;
                while (end < rest.length() && Character.isDigit(rest.charAt(end))) {
                    end++;
                }
                return end == 0 ? -1 : Long.parseLong(rest.substring(0, end));
            }
        }
        return -1;
    }
}
