package org.hftfw.failover;

import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.hftfw.bench.Figures;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * The failover lab (issue 10, items 4 and 5): client / fw1 / fw2 / server namespaces ({@link Topology}), a firewall
 * pair whose replication daemons are real processes, keepalived VRRP configured from the repository's
 * conf/keepalived, long-lived TCP flows that must each echo after the takeover, and new short connections at a steady
 * rate. Each trial is one pair and one fault case on a fresh lab ({@link Trial}); it prints the share of established
 * flows that survived, the INVALID drops on the new master (its nft counter), the longest stall of a surviving flow,
 * the takeover time and Tprop. The stock conntrackd pair runs in the same invocation as the baseline.
 *
 * <p>Run by {@code hftfw bench failover} and by the sidecar's FailoverLabTest. Every process a trial starts is stopped
 * by PID and every namespace deleted when the trial ends, also when it fails.
 */
public final class FailoverLab {
    private FailoverLab() {}

    /** Which replication daemon runs on each firewall. */
    public enum Pair {
        HFTFW("hftfw", "hFT-FW primary on fw1, hFT-FW backup on fw2"),
        MIXED("mixed", "hFT-FW primary on fw1, stock conntrackd on fw2"),
        STOCK_SCRIPT("stock-script", "hFT-FW on both, fw2's keepalived notify running conntrack-tools' stock "
                + "primary-backup.sh unchanged (the stock conntrackd client against hFT-FW's control socket)"),
        CONNTRACKD("conntrackd", "stock conntrackd on both");

        private final String cliName;
        private final String description;

        Pair(String cliName, String description) {
            this.cliName = cliName;
            this.description = description;
        }

        public String cliName() {
            return cliName;
        }

        public String description() {
            return description;
        }

        public static Pair parse(String s) {
            for (Pair p : values()) {
                if (p.cliName.equalsIgnoreCase(s)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("unknown pair '" + s + "' (hftfw, mixed, stock-script, conntrackd)");
        }
    }

    /** The fault injected into fw1, the master. */
    public enum Case {
        A("a", "predicted fault: EDAC UE -> migrate -> commit -> demote (drain track file)"),
        B_LINKS("b-links", "unplanned: fw1's links go down"),
        B_KILL("b-kill", "unplanned: kill -9 of fw1's daemon; keepalived tracks it (vrrp_script)"),
        C("c", "sync link loses packets during traffic, then fw1's links go down"),
        UPGRADE("upgrade", "rolling upgrade (hFT-FW pair): fw2's daemon stopped (SIGTERM) and started again, then "
                + "fw1's: keepalived's daemon check moves the VIPs to fw2; fw1's started again (nopreempt: fw2 stays "
                + "master); both nodes run 'sync both'"),
        FAILBACK("failback", "preempt failback (hFT-FW pair, 'sync both' on each, keepalived preempts): fw1's daemon "
                + "stopped (SIGTERM): the VIPs move to fw2; fw1's started again: it stays VRRP backup until it holds "
                + "fw2's table (control.resync-file), then takes the VIPs back");

        private final String cliName;
        private final String description;

        Case(String cliName, String description) {
            this.cliName = cliName;
            this.description = description;
        }

        public String cliName() {
            return cliName;
        }

        public String description() {
            return description;
        }

        /** a, b (both unplanned cases), b-links, b-kill, c, upgrade, failback. */
        public static List<Case> parse(String s) {
            if (s.equalsIgnoreCase("b")) {
                return List.of(B_LINKS, B_KILL);
            }
            for (Case c : values()) {
                if (c.cliName.equalsIgnoreCase(s)) {
                    return List.of(c);
                }
            }
            throw new IllegalArgumentException("unknown case '" + s + "' (a, b, b-links, b-kill, c, upgrade, failback)");
        }
    }

    /**
     * What to run.
     *
     * @param flows          long-lived TCP flows (each must echo after the takeover)
     * @param rate           new short connections per second during the trial (0: none)
     * @param intervalMillis a long-lived flow sends one line per interval (ping-pong), so a gap of one interval
     *                       between echoes is no stall
     * @param advert         VRRP advert interval in seconds (under 1 s: VRRPv3)
     * @param lossPercent    loss on the sync link in case c
     * @param observeSeconds after the takeover, how long every flow gets to echo again
     * @param hftfw          the command that runs the hftfw CLI (the daemons)
     * @param client         the command the notify script runs for {@code hftfw commit|sync resync}: the no-JVM
     *                       client where one was built, else {@code hftfw}
     * @param confDir        the repository's conf/keepalived
     * @param backupConf     HOCON appended to the hFT-FW backup's config (e.g. a backup mode), may be empty
     * @param upgradeFrom    case upgrade: the command that runs an earlier build's CLI ({@link OldBuild}), which
     *                       both daemons run until each is upgraded to {@code hftfw}; empty: the same build throughout
     * @param upgradeLabel   what {@code upgradeFrom} is (its commit), for the output
     */
    public record Spec(int flows, int rate, long intervalMillis, double advert, int lossPercent, int observeSeconds,
                       List<Case> cases, List<Pair> pairs, List<String> hftfw, List<String> client, Path confDir,
                       String backupConf, List<String> upgradeFrom, String upgradeLabel) {
        /** A spec whose upgrade case restarts the same build. */
        public Spec(int flows, int rate, long intervalMillis, double advert, int lossPercent, int observeSeconds,
                    List<Case> cases, List<Pair> pairs, List<String> hftfw, List<String> client, Path confDir,
                    String backupConf) {
            this(flows, rate, intervalMillis, advert, lossPercent, observeSeconds, cases, pairs, hftfw, client, confDir,
                    backupConf, List.of(), "");
        }

        public Spec {
            if (flows < 1) {
                throw new IllegalArgumentException("--flows must be at least 1");
            }
            if (rate < 0 || rate > 5000) {
                throw new IllegalArgumentException("--rate must be in [0, 5000] connections per second");
            }
            if (intervalMillis < 10) {
                throw new IllegalArgumentException("--interval must be at least 10 ms");
            }
            if (!(advert >= 0.05 && advert <= 5)) {
                throw new IllegalArgumentException("--advert must be in [0.05, 5] s");
            }
            if (lossPercent < 0 || lossPercent > 100) {
                throw new IllegalArgumentException("--loss must be a percentage");
            }
            if (observeSeconds < 1) {
                throw new IllegalArgumentException("--observe must be at least 1 s");
            }
            cases = List.copyOf(cases);
            pairs = List.copyOf(pairs);
            hftfw = List.copyOf(hftfw);
            client = List.copyOf(client);
            Objects.requireNonNull(confDir, "confDir");
            Objects.requireNonNull(backupConf, "backupConf");
            upgradeFrom = List.copyOf(upgradeFrom);
            Objects.requireNonNull(upgradeLabel, "upgradeLabel");
        }

        /** Defaults of the command: ping-pong every max(50 ms, flows / 4 ms), 0.1 s adverts, 30 % loss, 15 s. */
        public static Spec of(int flows, int rate, List<Case> cases, List<Pair> pairs, List<String> hftfw,
                              List<String> client, Path confDir) {
            return new Spec(flows, rate, Math.max(50, flows / 4), 0.1, 30, 15, cases, pairs, hftfw, client, confDir,
                    "");
        }

        public Spec withBackupConf(String hocon) {
            return new Spec(flows, rate, intervalMillis, advert, lossPercent, observeSeconds, cases, pairs, hftfw,
                    client, confDir, hocon, upgradeFrom, upgradeLabel);
        }

        /** Case upgrade from {@code build} (run with this spec's JVM) to this spec's build. */
        public Spec upgradingFrom(OldBuild build) {
            return new Spec(flows, rate, intervalMillis, advert, lossPercent, observeSeconds, cases, pairs, hftfw,
                    client, confDir, backupConf, build.command(hftfw.getFirst()), build.label());
        }
    }

    /**
     * One trial's figures. Times are in nanoseconds; -1 where a figure does not apply or was not seen.
     *
     * @param established     long-lived flows open and echoing when the fault was injected
     * @param survived        of those, flows that echoed a line sent after the VIPs reached fw2
     * @param invalidDrops    packets fw2 (the new master) dropped as INVALID after the fault
     * @param invalidLongLived of those, packets of the long-lived flows (the rest: short connections)
     * @param longestStall    the longest gap between two echoes of a surviving flow, from the fault on
     * @param takeover        fault -> both VIPs on fw2
     * @param tprop           the migration's Tprop (case a): hFT-FW's own log line, or the lab's conntrackd -B .. -c
     * @param commitAfterVips VIPs on fw2 -> the commit in fw2's notify_master returned (the keepalived race window)
     * @param heldAtFault     flows in fw2's external cache when the fault was injected
     * @param shorts          the short connections of the whole trial
     */
    public record Outcome(Pair pair, Case kase, int established, int survived, long invalidDrops,
                          long invalidLongLived, long longestStall,
                          long takeover, String tprop, long commitAfterVips, long heldAtFault,
                          ShortCounts shorts, String note) {

        public double survivedShare() {
            return established == 0 ? 0 : (double) survived / established;
        }

        static final String HEADER = """
                | pair | case | flows survived | INVALID on new master (long-lived flows) | longest stall | takeover | Tprop | VIPs -> commit returned | backup held at fault | short conns ok / failed (rate) |
                |---|---|---|---|---|---|---|---|---|---|""";

        String row() {
            return String.format(Locale.ROOT, "| %s | %s | %d/%d (%.1f %%) | %d (%d) | %s | %s | %s | %s | %d | %d / %d (%.0f/s) |%s",
                    pair.cliName(), kase.cliName(), survived, established, 100 * survivedShare(), invalidDrops,
                    invalidLongLived,
                    ms(longestStall), ms(takeover), tprop, ms(commitAfterVips), heldAtFault, shorts.ok(),
                    shorts.failed() + shorts.skipped(), shorts.perSecond(), note.isEmpty() ? "" : " " + note);
        }

        private static String ms(long nanos) {
            return nanos < 0 ? "-" : String.format(Locale.ROOT, "%.0f ms", nanos / 1e6);
        }
    }

    /** What the short-connection generator did in a trial: started, echoed, failed, skipped (too many open). */
    public record ShortCounts(long started, long ok, long failed, long skipped, double perSecond) {}

    /** Why the lab cannot run here (root, iproute2, conntrack, the tools), or empty if it can. */
    public static Optional<String> unavailable() {
        Optional<String> why = NetnsLab.unavailable();
        for (String bin : List.of("nft", "keepalived", "conntrackd", "conntrack", "sysctl", "chrt")) {
            why = why.or(() -> NetnsLab.missing(bin));
        }
        return why;
    }

    /**
     * The repository's conf/keepalived: from the working directory or the folder this code was loaded from, up to
     * the file system's root (a checkout's target/classes, or sidecar/target/lib/*.jar).
     */
    public static Optional<Path> findConfDir() {
        List<Path> starts = new ArrayList<>(List.of(Path.of("").toAbsolutePath()));
        CodeSource code = FailoverLab.class.getProtectionDomain().getCodeSource();
        if (code != null && code.getLocation() != null) {
            try {
                starts.add(Path.of(code.getLocation().toURI()));
            } catch (URISyntaxException | IllegalArgumentException e) {
                // not a file: the working directory is the only start
            }
        }
        for (Path start : starts) {
            for (Path p = start; p != null; p = p.getParent()) {
                Path c = p.resolve("conf").resolve("keepalived");
                if (Files.isReadable(c.resolve("keepalived.conf.in"))) {
                    return Optional.of(c);
                }
            }
        }
        return Optional.empty();
    }

    /** The machine's 1-minute load average (/proc/loadavg): these figures mean little on a saturated machine. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ", 2)[0];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** Runs every pair x case of {@code spec}, each on a fresh lab, and prints the table. */
    public static List<Outcome> run(Spec spec, PrintStream out) throws Exception {
        Figures.header("failover lab", String.format(Locale.ROOT, "%d long-lived flows (one echo per %d ms each), "
                + "%d new connections/s, VRRP adverts %.2f s, sync loss in case c %d %%; load average %s",
                spec.flows(), spec.intervalMillis(), spec.rate(), spec.advert(), spec.lossPercent(), loadAverage()));
        if (!spec.upgradeFrom().isEmpty()) {
            out.println("case upgrade from the earlier build " + spec.upgradeLabel() + " to this one");
        }
        out.println("hFT-FW notify script's client: " + (spec.client().equals(spec.hftfw()) ? "the hftfw CLI (a JVM)"
                : String.join(" ", spec.client())));
        List<Outcome> all = new ArrayList<>();
        for (Case c : spec.cases()) {
            out.println("case " + c.cliName() + ": " + c.description());
            for (Pair p : spec.pairs()) {
                out.println("  pair " + p.cliName() + ": " + p.description());
                if ((c == Case.UPGRADE || c == Case.FAILBACK) && p != Pair.HFTFW) {
                    out.println("  (a case of an hFT-FW pair running 'sync both': skipped for this pair)");
                    continue;
                }
                Outcome o = new Trial(spec, p, c, out).run();
                out.println("  " + o.row() + " (load average " + loadAverage() + ")");
                all.add(o);
            }
        }
        out.println();
        out.println(Outcome.HEADER);
        all.forEach(o -> out.println(o.row()));
        out.println("""
                survived: echoed a line sent after both VIPs were on fw2; stall: longest gap between two echoes of a \
                surviving flow after the fault (one ping-pong interval is no stall); takeover: fault -> both VIPs on \
                fw2; Tprop: case a only (hFT-FW: its log's decision + dump + send + ACKs + commit hook; conntrackd: the \
                lab's -B, wait until fw2 holds every long flow, -c); VIPs -> commit returned: keepalived's race window \
                (notify_master runs after the VIPs moved).""");
        return all;
    }
}
