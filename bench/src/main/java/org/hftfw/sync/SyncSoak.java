package org.hftfw.sync;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.bench.Figures;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.conntrack.netlink.KernelConntrackTable;
import org.hftfw.models.lab.NfqueueDelayLine;

/**
 * The fault soak ({@code hftfw sync soak}, issue 14 item 6): {@code hftfw sync primary} and {@code hftfw sync backup}
 * (always-committed backup) run as their own processes in two namespaces {@code hsk-a}/{@code hsk-b} joined by a
 * veth {@code sync}, authenticated as the deploy guide sets them up ({@code sync.auth.key-file}, {@code require}); a
 * third namespace {@code hsk-x}, linked to each by a veth {@code forge}, plays a host that is not the peer. The
 * primary's kernel table keeps a bounded churn of ESTABLISHED TCP flows (netlink batches of creates, updates and
 * deletes, as {@code conntrack -R} would send them). Faults come from a seeded RNG — every kind once in a shuffled
 * first round, then at random — each bounded in time:
 * <ul>
 *   <li>{@code kill -9} of the primary or the backup (by PID), then a restart;</li>
 *   <li>a loss burst on the sync link (nftables {@code numgen random} drop of half the datagrams both ways, 3 s);</li>
 *   <li>reordering on the sync link (3 s, a bulk and three churn batches through it): half the datagrams both ways,
 *       picked at random (iptables {@code statistic}), go through an NFQUEUE delay line ({@link NfqueueDelayLine},
 *       this kernel has no netem) that holds them {@value #REORDER_MILLIS} ms, so the others overtake them;</li>
 *   <li>flows deleted and added on the primary while its daemon is down (the generation-marked resync must remove
 *       what the restarted primary no longer has);</li>
 *   <li>a bulk ordered on the primary ({@code bulk}), then the backup killed and restarted during it;</li>
 *   <li>both daemons killed, flows changed, the backup started first (its startup RESYNC reaches no one: the
 *       primary's push on first contact must fill it);</li>
 *   <li>forged datagrams from x to the backup's sync port: each must be counted as a not-peer drop;</li>
 *   <li>forged ACKs (that would empty the resend queue) and RESYNC requests (a whole-table dump each) from x to the
 *       primary's sync port: each counted as a not-peer drop;</li>
 *   <li>ACKs and RESYNCs with the peer's own address, sent by a process on each node to the other (a local user on
 *       the peer host, or a spoofer on the link), half without a MAC and half sealed with another key: each counted
 *       as an authentication drop ({@code AUTH_MISSING}, {@code AUTH_BAD_MAC}).</li>
 * </ul>
 * After each fault the soak waits (bounded) until the backup's {@code conntrack -L} equals the primary's, normalised
 * to protocol, state and both tuples (timeouts, ids, marks, use counts ignored), and records the flows missing and
 * stale at that moment and the time to converge. Every process is stopped by PID and the namespaces and the temp
 * directory are removed at the end, on failure, and on Ctrl-C (a shutdown hook). The primary's namespace has
 * {@code nf_conntrack_events = 1} (see the constructor). The backup starts first, as after a reboot of both.
 */
public final class SyncSoak {
    // the delay line keys its clients as prefix + (10 + i): a is client 0, b client 1
    private static final String SYNC_PREFIX = "10.234.21.";
    private static final String A_SYNC = SYNC_PREFIX + "10";
    private static final String B_SYNC = SYNC_PREFIX + "11";
    private static final String X_ADDR = "10.234.22.1";
    private static final String B_FORGE = "10.234.22.2";
    private static final String X_ADDR_A = "10.234.23.1";
    private static final String A_FORGE = "10.234.23.2";
    private static final int PORT = 3791;
    private static final long CONVERGE_NANOS = TimeUnit.SECONDS.toNanos(90);
    private static final int FORGED_PER_FAULT = 50;
    private static final int REORDER_MILLIS = 30;
    private static final int REORDER_QUEUE = 7;
    private static final Pattern NOT_PEER = Pattern.compile("NOT_PEER=(\\d+)");
    private static final Pattern AUTH_DROPS = Pattern.compile("AUTH_(?:MISSING|BAD_MAC|REPLAY)=(\\d+)");
    /** The key an attacker without the pair's key seals with. */
    private static final byte[] OTHER_KEY = "not the pair's key, but as long as one".getBytes(StandardCharsets.US_ASCII);

    /** What the soak injects. */
    public enum Fault {
        KILL_PRIMARY("kill -9 primary"),
        KILL_BACKUP("kill -9 backup"),
        LOSS_BURST("sync link loss burst"),
        REORDER("sync link reordering"),
        CHURN_WHILE_PRIMARY_DOWN("churn while primary down"),
        BACKUP_RESTART_DURING_BULK("backup restart during a bulk"),
        BOTH_RESTART_BACKUP_FIRST("both killed, backup started first"),
        FORGED("forged datagrams from a non-peer"),
        FORGED_TO_PRIMARY("forged ACK/RESYNC to the primary"),
        SPOOFED_PEER("ACK/RESYNC with the peer's address");

        final String label;

        Fault(String label) {
            this.label = label;
        }
    }

    /**
     * One fault (null: the initial replication of the loaded table), the difference between the two tables when the
     * wait began and when it ended, and the time to converge (-1: not within the bound).
     */
    public record Scenario(int n, Fault fault, long injectNanos, Diff atStart, long convergeNanos, Diff atEnd) {
        public String line() {
            return String.format(Locale.ROOT, "%3d %-34s injected in %5.2f s; then %4d missing, %4d stale of %d; %s",
                    n, fault == null ? "initial replication" : fault.label, injectNanos / 1e9, atStart.missing(),
                    atStart.stale(), atStart.flows(), convergeNanos < 0
                            ? String.format(Locale.ROOT, "did NOT converge within 90 s: %d missing, %d stale left",
                                    atEnd.missing(), atEnd.stale())
                            : String.format(Locale.ROOT, "converged in %.2f s", convergeNanos / 1e9));
        }
    }

    /** The run's figures. */
    public record Result(List<Scenario> scenarios, Map<Fault, Integer> injected, int lost, int stale,
                         long worstConvergeNanos, int notConverged, long forgedSent, long forgedCounted, int flows,
                         long heldBack) {
        /**
         * Every scenario converged, nothing lost, nothing stale at the end, every forged datagram counted (as a
         * not-peer drop, or with the peer's address as an authentication drop).
         */
        public boolean clean() {
            return notConverged == 0 && lost == 0 && stale == 0 && forgedSent == forgedCounted;
        }

        public List<String> lines() {
            List<String> out = new ArrayList<>();
            StringBuilder kinds = new StringBuilder();
            injected.forEach((k, v) -> kinds.append(kinds.isEmpty() ? "" : ", ").append(k.label).append(' ').append(v));
            out.add(String.format(Locale.ROOT, "scenarios run: %d (%d did not converge within the bound)",
                    scenarios.size(), notConverged));
            out.add("faults injected: " + kinds);
            out.add(String.format(Locale.ROOT, "flows lost (missing on the backup at the end): %d of %d  (goal 0)",
                    lost, flows));
            out.add(String.format(Locale.ROOT, "stale flows (on the backup, gone from the primary) at the end: %d  "
                    + "(goal 0)", stale));
            out.add(String.format(Locale.ROOT, "worst convergence after a fault: %.2f s%s",
                    Math.max(0, worstConvergeNanos) / 1e9, notConverged > 0 ? " (of those that converged)" : ""));
            out.add(String.format(Locale.ROOT, "forged datagrams sent %d, counted as not-peer or authentication drops "
                    + "%d", forgedSent, forgedCounted));
            out.add(String.format(Locale.ROOT, "sync datagrams held back %d ms by the reordering (overtaken by the "
                    + "others): %d", REORDER_MILLIS, heldBack));
            return out;
        }
    }

    private final NetnsLab lab;
    private final NetnsLab.Netns a;
    private final NetnsLab.Netns b;
    private final NetnsLab.Netns x;
    private final Path dir;
    /** The pair's shared key (mode 0600), random per run. */
    private final Path key;
    private final Random rng;
    private final Churn churn;
    private Process primary;
    private Process backup;
    private final List<Process> delayLines = new ArrayList<>();
    private long heldBack;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SyncSoak(Path dir, long seed, int flows) {
        this.dir = dir;
        this.rng = new Random(seed);
        byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        try {
            this.key = Files.write(dir.resolve("sync.key"), secret);
            Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        this.lab = new NetnsLab("hsk", Duration.ofSeconds(60));
        a = lab.netns("a");
        b = lab.netns("b");
        x = lab.netns("x");
        lab.veth(a, "sync", b, "sync");
        a.addr("sync", A_SYNC + "/24");
        b.addr("sync", B_SYNC + "/24");
        lab.veth(x, "forge", b, "forge");
        x.addr("forge", X_ADDR + "/24");
        b.addr("forge", B_FORGE + "/24");
        x.ip("route", "add", B_SYNC + "/32", "via", B_FORGE).check();
        lab.veth(x, "forgea", a, "forge");
        x.addr("forgea", X_ADDR_A + "/24");
        a.addr("forge", A_FORGE + "/24");
        x.ip("route", "add", A_SYNC + "/32", "via", A_FORGE).check();
        // the kernel's default (2) gives an entry its event extension only if a listener exists when it is created:
        // the flows loaded, or created while the primary's daemon is down, would never report their updates and
        // deletes, and the backup would keep them. 1 (every entry reports) is what a firewall running a sync daemon
        // needs; the soak measured the default too (docs/sync.md, "The fault soak")
        a.sysctl("net.netfilter.nf_conntrack_events", "1");
        churn = new Churn(a.openConntrack(), flows, rng);
    }

    /**
     * Runs the soak and prints its figures; exit status 1 when a scenario did not converge within the bound, a flow
     * is lost or stale at the end, or a forged datagram was not counted.
     */
    public static int run(Duration duration, int flows, long seed) throws Exception {
        Figures.header("sync soak", String.format(Locale.ROOT, "%s, %d flows in churn, seed %d; primary and backup "
                + "daemons as processes in namespaces, random faults", duration, flows, seed));
        Result r = soak(duration, flows, seed, s -> System.out.println(s.line()));
        r.lines().forEach(System.out::println);
        return r.clean() ? 0 : 1;
    }

    /** Runs the soak; {@code progress} sees each scenario as it ends. */
    public static Result soak(Duration duration, int flows, long seed,
                              java.util.function.Consumer<Scenario> progress) throws Exception {
        if (flows < 10) {
            throw new IllegalArgumentException("--flows must be at least 10: " + flows);
        }
        Path dir = Files.createTempDirectory("hsk-soak");
        SyncSoak soak;
        try {
            soak = new SyncSoak(dir, seed, flows);
        } catch (RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
        Thread hook = new Thread(soak::close, "hsk-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return soak.run(duration, progress);
        } finally {
            soak.close();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    private Result run(Duration duration, java.util.function.Consumer<Scenario> progress) throws Exception {
        rules(0);
        startDelayLines();
        churn.load();
        // the backup first: its startup RESYNC reaches no one, and the primary's push on first contact fills it
        startBackup();
        startPrimary();
        List<Scenario> done = new ArrayList<>();
        Map<Fault, Integer> injected = new EnumMap<>(Fault.class);
        long[] forged = {0, 0};
        // the first scenario is the initial replication of the loaded table
        done.add(converge(0, null, 0));
        progress.accept(done.getLast());
        List<Fault> order = new ArrayList<>(List.of(Fault.values()));
        Collections.shuffle(order, rng);
        long end = System.nanoTime() + duration.toNanos();
        // the first round runs whole even past the duration: every kind is injected at least once
        for (int n = 1; n <= order.size() || System.nanoTime() < end; n++) {
            Fault f = n <= order.size() ? order.get(n - 1) : Fault.values()[rng.nextInt(Fault.values().length)];
            churn.batch();
            long t0 = System.nanoTime();
            inject(f, forged);
            injected.merge(f, 1, Integer::sum);
            done.add(converge(n, f, System.nanoTime() - t0));
            progress.accept(done.getLast());
        }
        Diff last = diff();
        long worst = done.stream().mapToLong(Scenario::convergeNanos).max().orElse(-1);
        int notConverged = (int) done.stream().filter(s -> s.convergeNanos() < 0).count();
        return new Result(done, injected, last.missing(), last.stale(), worst, notConverged, forged[0], forged[1],
                last.flows(), heldBack);
    }

    private void inject(Fault f, long[] forged) throws Exception {
        switch (f) {
            case KILL_PRIMARY -> {
                kill(primary);
                startPrimary();
            }
            case KILL_BACKUP -> {
                kill(backup);
                startBackup();
            }
            case LOSS_BURST -> {
                rules(50);
                churn.batch();
                Thread.sleep(3_000);
                rules(0);
            }
            case REORDER -> {
                // a bulk and three churn batches through the reordering link: enough datagrams to overtake each other
                reorder(true);
                String reply = control(dir.resolve("a.ctl"), "bulk");
                check(reply.startsWith("OK"), "bulk refused: " + reply);
                for (int i = 0; i < 3; i++) {
                    churn.batch();
                    Thread.sleep(1_000);
                }
                heldBack += queued();
                reorder(false);
            }
            case BOTH_RESTART_BACKUP_FIRST -> {
                kill(primary);
                kill(backup);
                churn.batch();
                startBackup();
                startPrimary();
            }
            case CHURN_WHILE_PRIMARY_DOWN -> {
                kill(primary);
                churn.batch();
                churn.batch();
                startPrimary();
            }
            case BACKUP_RESTART_DURING_BULK -> {
                String reply = control(dir.resolve("a.ctl"), "bulk");
                check(reply.startsWith("OK"), "bulk refused: " + reply);
                kill(backup);
                startBackup();
            }
            case FORGED -> counted(forged, dir.resolve("b.ctl"), NOT_PEER,
                    () -> send(x, X_ADDR, B_SYNC, i -> noise()));
            case FORGED_TO_PRIMARY -> counted(forged, dir.resolve("a.ctl"), NOT_PEER,
                    () -> send(x, X_ADDR_A, A_SYNC, this::ackOrResync));
            case SPOOFED_PEER -> {
                // a process on each node, with its node's sync address, to the other: the peer's address, no key
                counted(forged, dir.resolve("b.ctl"), AUTH_DROPS, () -> send(a, A_SYNC, B_SYNC, this::unauthentic));
                counted(forged, dir.resolve("a.ctl"), AUTH_DROPS, () -> send(b, B_SYNC, A_SYNC, this::unauthentic));
            }
        }
    }

    /**
     * Runs {@code sending} ({@link #FORGED_PER_FAULT} datagrams), then waits (bounded) until the daemon behind
     * {@code ctl} counted as many more drops of the kinds {@code drops} matches; adds both to {@code forged}.
     */
    private static void counted(long[] forged, Path ctl, Pattern drops, Runnable sending) throws InterruptedException {
        long before = drops(ctl, drops);
        sending.run();
        long[] counted = {0};
        reached(() -> {
            counted[0] = drops(ctl, drops) - before;
            return counted[0] >= FORGED_PER_FAULT;
        }, TimeUnit.SECONDS.toNanos(10));
        forged[0] += FORGED_PER_FAULT;
        forged[1] += counted[0];
    }

    /** Datagrams shaped like FT-FW (version 0, then noise). */
    private byte[] noise() {
        byte[] payload = new byte[64];
        rng.nextBytes(payload);
        payload[0] = 0;
        return payload;
    }

    /**
     * An ACK of a wide range around now's sequence numbers (the resend queue's whole content, were it taken) or a
     * RESYNC request, alternately.
     */
    private byte[] ackOrResync(int i) {
        int seq = rng.nextInt();
        return i % 2 == 0 ? org.hftfw.ftfw.ForgedDatagrams.ack(seq, seq - 1_000_000, seq + 1_000_000)
                : org.hftfw.ftfw.ForgedDatagrams.resync(seq);
    }

    /** {@link #ackOrResync}, plain (no MAC) for the first half, sealed with another key for the second. */
    private byte[] unauthentic(int i) {
        byte[] d = ackOrResync(i);
        return i < FORGED_PER_FAULT / 2 ? d : org.hftfw.ftfw.ForgedDatagrams.sealed(d, OTHER_KEY, i + 1L);
    }

    /** {@link #FORGED_PER_FAULT} datagrams ({@code datagram} of their index) from {@code from} in {@code ns}. */
    private static void send(NetnsLab.Netns ns, String from, String to,
                             java.util.function.IntFunction<byte[]> datagram) {
        ns.call(() -> {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(from), 0))) {
                InetSocketAddress dst = new InetSocketAddress(InetAddress.getByName(to), PORT);
                for (int i = 0; i < FORGED_PER_FAULT; i++) {
                    byte[] d = datagram.apply(i);
                    s.send(new DatagramPacket(d, d.length, dst));
                    Thread.sleep(1);
                }
            }
            return null;
        });
    }

    /** The sum of the drop counts {@code drops} matches in the daemon's {@code stats}. */
    private static long drops(Path ctl, Pattern drops) {
        Matcher m = drops.matcher(control(ctl, "stats"));
        long n = 0;
        while (m.find()) {
            n += Long.parseLong(m.group(1));
        }
        return n;
    }

    /**
     * Waits (bounded) until the backup's table equals the primary's, timed from the end of the injection (a restarted
     * daemon answering on its control socket); a churn batch is part of every scenario.
     */
    private Scenario converge(int n, Fault f, long injectNanos) throws InterruptedException {
        long t0 = System.nanoTime();
        Diff first = diff();
        Diff[] d = {first};
        boolean ok = reached(() -> {
            d[0] = diff();
            return d[0].equal();
        }, CONVERGE_NANOS);
        return new Scenario(n, f, injectNanos, first, ok ? System.nanoTime() - t0 : -1, d[0]);
    }

    /** Flows on the primary missing on the backup, flows on the backup the primary does not have, the primary's. */
    public record Diff(int missing, int stale, int flows) {
        boolean equal() {
            return missing == 0 && stale == 0;
        }
    }

    private Diff diff() {
        Set<String> pa = listed(a);
        Set<String> pb = listed(b);
        Set<String> missing = new HashSet<>(pa);
        missing.removeAll(pb);
        Set<String> stale = new HashSet<>(pb);
        stale.removeAll(pa);
        return new Diff(missing.size(), stale.size(), pa.size());
    }

    /** {@code conntrack -L} in {@code ns}, each entry cut to protocol, state and tuples. */
    private static Set<String> listed(NetnsLab.Netns ns) {
        NetnsLab.Result r = ns.exec("conntrack", "-L").check();
        Set<String> out = new HashSet<>();
        for (String line : r.stdout().split("\n", -1)) {
            if (!line.isBlank()) {
                out.add(normalised(line));
            }
        }
        return out;
    }

    /** Keeps the protocol name, the state word and the src/dst/sport/dport fields of a {@code conntrack -L} line. */
    static String normalised(String line) {
        String[] t = line.strip().split("\\s+", -1);
        StringBuilder sb = new StringBuilder(t[0]);
        for (int i = 1; i < t.length; i++) {
            if (t[i].matches("[A-Z_]+") || t[i].startsWith("src=") || t[i].startsWith("dst=")
                    || t[i].startsWith("sport=") || t[i].startsWith("dport=")) {
                sb.append(' ').append(t[i]);
            }
        }
        return sb.toString();
    }

    /** The sync link is not tracked in either namespace, nor x's link; {@code loss} % of the sync port is dropped. */
    private void rules(int loss) {
        for (NetnsLab.Netns ns : List.of(a, b)) {
            ns.exec("nft", "delete", "table", "inet", "hsk");
            ns.nft("""
                    table inet hsk {
                      chain raw_in {
                        type filter hook prerouting priority raw;
                        iifname { "sync", "forge" } notrack
                      }
                      chain raw_out {
                        type filter hook output priority raw;
                        oifname { "sync", "forge" } notrack
                      }
                      chain in {
                        type filter hook input priority 0;
                        iifname "sync" udp dport %d numgen random mod 100 < %d drop
                      }
                    }
                    """.formatted(PORT, loss));
        }
    }

    /**
     * One NFQUEUE delay line per namespace for the whole run (a JVM start per fault would dominate it); the
     * {@code REORDER} fault only adds and removes the rule that sends half the sync datagrams there. The queue is
     * fail-open and the rule bypasses a queue with no listener, so nothing is dropped if a delay line dies.
     */
    private void startDelayLines() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        for (NetnsLab.Netns ns : List.of(a, b)) {
            Path out = dir.resolve(ns.name() + "-delay.out");
            Process p = ns.spawn(out, java, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp",
                    System.getProperty("java.class.path"), NfqueueDelayLine.class.getName(),
                    Integer.toString(REORDER_QUEUE), SYNC_PREFIX, Integer.toString(REORDER_MILLIS),
                    Integer.toString(REORDER_MILLIS));
            delayLines.add(p);
            check(reached(() -> !p.isAlive() || readyLine(out), TimeUnit.SECONDS.toNanos(60)) && p.isAlive(),
                    "the delay line in " + ns.name() + " did not start: " + tail(out));
        }
    }

    private static boolean readyLine(Path out) {
        try {
            return Files.exists(out) && Files.readString(out).contains("ready");
        } catch (IOException e) {
            return false;
        }
    }

    /** Datagrams the reordering rules of both namespaces sent to the delay line (their packet counters). */
    private long queued() {
        long n = 0;
        for (NetnsLab.Netns ns : List.of(a, b)) {
            for (String line : ns.exec("iptables", "-t", "raw", "-L", "PREROUTING", "-v", "-x", "-n").check().stdout()
                    .split("\n", -1)) {
                String[] f = line.strip().split("\\s+", -1);
                if (line.contains("NFQUEUE") && f.length > 0 && f[0].matches("\\d+")) {
                    n += Long.parseLong(f[0]);
                }
            }
        }
        return n;
    }

    /** Sends half the incoming sync datagrams of both namespaces through the delay line, or stops doing so. */
    private void reorder(boolean on) {
        for (NetnsLab.Netns ns : List.of(a, b)) {
            ns.exec("iptables", "-t", "raw", on ? "-A" : "-D", "PREROUTING", "-i", "sync", "-p", "udp", "--dport",
                    Integer.toString(PORT), "-m", "statistic", "--mode", "random", "--probability", "0.5", "-j",
                    "NFQUEUE", "--queue-num", Integer.toString(REORDER_QUEUE), "--queue-bypass").check();
        }
    }

    private void startPrimary() throws Exception {
        primary = spawn("primary", a, A_SYNC, B_SYNC, "a");
    }

    private void startBackup() throws Exception {
        backup = spawn("backup", b, B_SYNC, A_SYNC, "b");
    }

    private Process spawn(String role, NetnsLab.Netns ns, String local, String peer, String id) throws Exception {
        Path ctl = dir.resolve(id + ".ctl");
        Path conf = Files.writeString(dir.resolve(id + ".conf"), """
                sync {
                  local-address = "%s", peer-address = "%s", port = %d, alive-interval = 200ms
                  auth { key-file = "%s", require = true }
                }
                control.socket = "%s"
                metrics.enabled = false
                """.formatted(local, peer, PORT, key, ctl));
        Path log = dir.resolve(id + ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseCompactObjectHeaders",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "org.hftfw.sidecar.Hftfw",
                "sync", role, "--config", conf.toString(), "--netns", ns.name());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!reached(() -> !p.isAlive() || control(ctl, "stats").startsWith("OK"), TimeUnit.SECONDS.toNanos(120))
                || !p.isAlive()) {
            NetnsLab.stop(p);
            throw new IllegalStateException("the " + role + " daemon did not answer on " + ctl + "; its log:\n"
                    + tail(log));
        }
        return p;
    }

    /** {@code kill -9} by PID, and the wait for the process to be gone. */
    private static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        check(p.waitFor(30, TimeUnit.SECONDS), "process " + p.pid() + " survived SIGKILL for 30 s");
    }

    private void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Process p : new Process[] {primary, backup}) {
            if (p != null) {
                NetnsLab.stop(p);
            }
        }
        delayLines.forEach(NetnsLab::stop);
        churn.close();
        lab.close();
        try {
            deleteTree(dir);
        } catch (IOException e) {
            System.err.println("hsk: could not remove " + dir + ": " + e.getMessage());
        }
    }

    /** The primary's flows: created, updated and deleted in netlink batches, the count kept near its bound. */
    private static final class Churn implements AutoCloseable {
        private final KernelConntrackTable table;
        private final int bound;
        private final Random rng;
        private final Map<Integer, ConntrackEntry> live = new LinkedHashMap<>();
        private int next;

        Churn(KernelConntrackTable table, int bound, Random rng) {
            this.table = table;
            this.bound = bound;
            this.rng = rng;
        }

        void load() {
            table.flush();
            List<ConntrackTable.Write> w = new ArrayList<>();
            while (live.size() < bound) {
                w.add(add());
            }
            write(w);
        }

        /** About a tenth of the flows deleted, as many added, as many updated (their mark). */
        void batch() {
            int k = Math.max(1, bound / 10);
            List<ConntrackTable.Write> w = new ArrayList<>();
            List<Integer> keys = new ArrayList<>(live.keySet());
            Collections.shuffle(keys, rng);
            for (int i = 0; i < k && i < keys.size(); i++) {
                ConntrackEntry gone = live.remove(keys.get(i));
                w.add(new ConntrackTable.Write.Delete(gone.original(), 0));
            }
            for (int i = k; i < 2 * k && i < keys.size(); i++) {
                ConntrackEntry e = live.get(keys.get(i)).toBuilder().mark(rng.nextInt(1, 1 << 16)).build();
                live.put(keys.get(i), e);
                w.add(new ConntrackTable.Write.Upsert(e, false));
            }
            while (live.size() < bound) {
                w.add(add());
            }
            write(w);
        }

        private ConntrackTable.Write add() {
            int i = next++;
            Tuple t = Tuple.ports(ip(10, 246, i >> 8, i), ip(10, 247, 0, 1), IpProto.TCP, 1024 + ((i >> 16) & 0x3fff),
                    443);
            ConntrackEntry e = ConntrackEntry.builder(t).protoState(3).status(Status.SEEN_REPLY | Status.ASSURED)
                    .timeout(432_000).build();
            live.put(i, e);
            return new ConntrackTable.Write.Upsert(e, true);
        }

        private void write(List<ConntrackTable.Write> w) {
            ConntrackTable.WriteResult r = table.writeAll(w);
            check(r.failed() == 0, r.failed() + " of " + w.size() + " churn writes failed: " + r.firstErrors());
        }

        private static InetAddress ip(int a, int b, int c, int d) {
            try {
                return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            table.close();
        }
    }

    /** One control-socket request and its whole reply; "" when the daemon does not answer. */
    private static String control(Path ctl, String request) {
        try {
            return org.hftfw.failover.Control.exchange(ctl, request);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static boolean reached(BooleanSupplier done, long nanos) throws InterruptedException {
        long end = System.nanoTime() + nanos;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    private static void check(boolean ok, String what) {
        Figures.check(ok, what);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
