package org.hftfw.failover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * keepalived on one firewall node, configured from the repository's conf/keepalived: keepalived.conf.in rendered
 * for the lab's namespaces, and the shipped hftfw-notify.sh / hftfw-check.sh, copied unchanged into the lab's folder
 * (keepalived's script security refuses scripts in folders others may write to). VRRP only, in the foreground,
 * logging to a file; the lab stops it by PID.
 */
final class Keepalived {
    static final List<String> SCRIPTS = List.of("hftfw-notify.sh", "hftfw-check.sh");
    /** conntrack-tools' own notify script, as the Debian conntrackd package installs it. */
    static final Path PRIMARY_BACKUP_SH = Path.of("/usr/share/doc/conntrackd/examples/sync/primary-backup.sh");
    /** The file primary-backup.sh reads (hard-coded in it). */
    static final Path STOCK_CONF = Path.of("/etc/conntrackd/conntrackd.conf");
    /** The lab's notify for a node driven by primary-backup.sh (written into the lab's script folder). */
    static final String STOCK_SCRIPT_NOTIFY = "primary-backup-notify.sh";
    /**
     * keepalived's notify for a node driven by the stock primary-backup.sh, unchanged: the script reads
     * /etc/conntrackd/conntrackd.conf, and the lab runs both nodes on one host, so the node's own file is bind-mounted
     * there in a private mount namespace for the script's run only. It logs as hftfw-notify.sh does (start, the step
     * with its exit code, done), and maps keepalived's master to the script's primary.
     */
    private static final String STOCK_SCRIPT_NOTIFY_TEXT = """
            #!/bin/sh
            ROLE=$1
            . "$2"
            log() {
                [ -n "$NOTIFY_LOG" ] && echo "$(date +%s.%N) $ROLE $*" >> "$NOTIFY_LOG"
                return 0
            }
            case "$ROLE" in master) arg=primary ;; *) arg=$ROLE ;; esac
            log start
            unshare -m sh -c 'mount --bind "$1" /etc/conntrackd/conntrackd.conf && exec sh "$2" "$3"' notify \
                "$CONNTRACKD_CONF" "$PRIMARY_BACKUP_SH" "$arg" >/dev/null 2>&1
            log "primary-backup.sh $arg rc=$?"
            log done
            """;

    private final NetnsLab.Netns ns;
    private final int node;
    private final Path run;
    private final Path notifyLog;

    /**
     * @param confDir  the repository's conf/keepalived
     * @param advert   VRRP advert interval in seconds (under 1 s needs VRRPv3)
     * @param nopreempt add {@code nopreempt} to both VRRP instances: a node that comes back does not take the VIPs
     *                  back from its peer (docs/deploy.md, "Upgrade")
     */
    Keepalived(NetnsLab.Netns ns, int node, Path confDir, Path dir, double advert, Replicator replicator,
               boolean nopreempt) throws IOException {
        this.ns = ns;
        this.node = node;
        this.run = dir.resolve("fw" + node);
        this.notifyLog = run.resolve("notify.log");
        Files.createDirectories(run);
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path scripts = dir.resolve("keepalived");
        Files.createDirectories(scripts);
        Files.setPosixFilePermissions(scripts, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (String s : SCRIPTS) {
            Path to = scripts.resolve(s);
            Files.copy(confDir.resolve(s), to, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        if (replicator.notifyScript().equals(STOCK_SCRIPT_NOTIFY)) {
            Path to = scripts.resolve(STOCK_SCRIPT_NOTIFY);
            Files.writeString(to, STOCK_SCRIPT_NOTIFY_TEXT);
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path env = run.resolve("hftfw-keepalived.env");
        // both lab nodes share the host's /run: each gets its own notify lock, as each machine has
        Files.writeString(env, replicator.keepalivedEnv(notifyLog) + "NOTIFY_LOCK=" + run.resolve("notify.lock") + "\n");
        int peer = 3 - node;
        Map<String, String> values = new LinkedHashMap<>();
        values.put("ME", "fw" + node);
        values.put("PRIORITY", node == 1 ? "150" : "100");
        values.put("VRRP_VERSION", advert == Math.rint(advert) ? "2" : "3");
        values.put("ADVERT", advert == Math.rint(advert) ? String.valueOf((long) advert)
                : String.format(Locale.ROOT, "%.2f", advert));
        values.put("LAN_IF", "lan");
        values.put("LAN_SELF", Topology.LAN_NET + (node + 1));
        values.put("LAN_PEER", Topology.LAN_NET + (peer + 1));
        values.put("LAN_VIP", Topology.LAN_VIP + "/24");
        values.put("WAN_IF", "wan");
        values.put("WAN_SELF", Topology.WAN_NET + (node + 1));
        values.put("WAN_PEER", Topology.WAN_NET + (peer + 1));
        values.put("WAN_VIP", Topology.WAN_VIP + "/24");
        values.put("VRID_LAN", "71");
        values.put("VRID_WAN", "72");
        values.put("RUN", run.toString());
        values.put("SCRIPTS", scripts.toString());
        values.put("ENV", env.toString());
        String text = Files.readString(confDir.resolve("keepalived.conf.in"))
                .replace("@SCRIPTS@/hftfw-notify.sh", "@SCRIPTS@/" + replicator.notifyScript());
        for (Map.Entry<String, String> e : values.entrySet()) {
            text = text.replace("@" + e.getKey() + "@", e.getValue());
        }
        if (nopreempt) {
            text = text.replace("    state BACKUP", "    nopreempt\n    state BACKUP");
        }
        int left = text.indexOf('@', text.indexOf("global_defs"));
        if (left >= 0) {
            throw new IllegalStateException("keepalived.conf.in has a field the lab does not fill: "
                    + text.substring(left, Math.min(text.length(), left + 30)));
        }
        Files.writeString(conf(), text);
        NetnsLab.Result t = ns.exec("keepalived", "-t", "-f", conf().toString());
        if (t.exitCode() != 0) {
            throw new IllegalStateException("keepalived -t refused " + conf() + ": " + t.stdout() + t.stderr());
        }
    }

    private Path conf() {
        return run.resolve("keepalived.conf");
    }

    /** The file whose 1 lowers this node's VRRP priority by 100 (the track file). */
    Path drainFile() {
        return run.resolve("drain");
    }

    Path notifyLog() {
        return notifyLog;
    }

    void start() {
        ns.spawn(run.resolve("keepalived.log"), "keepalived", "-n", "-l", "-G", "-D", "-P", "-f", conf().toString(),
                "-p", run.resolve("keepalived.pid").toString(), "-r", run.resolve("vrrp.pid").toString());
    }

    /** How many {@code role} transitions (master, backup, fault) the notify script has started so far. */
    long transitions(String role) {
        return notifyLines().stream().filter(l -> l.endsWith(" " + role + " start")).count();
    }

    /**
     * Whether every notify script started has finished: with {@code done}, or with {@code skipped: ...} (a step that
     * found the VIP where a later transition will act ends there, without {@code done}).
     */
    boolean idle() {
        return idle(notifyLines());
    }

    /** {@link #idle()} over these notify log lines ({@code EPOCH ROLE start|STEP rc=N|skipped: ...|done}). */
    static boolean idle(List<String> lines) {
        return lines.stream().filter(l -> l.endsWith(" start")).count()
                == lines.stream().filter(l -> l.endsWith(" done") || l.contains(" skipped: ")).count();
    }

    /** The notify script's log lines so far. */
    List<String> notifyLines() {
        try {
            return Files.exists(notifyLog) ? Files.readAllLines(notifyLog) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Whether the notify script has finished a {@code role} transition (master, backup, fault). */
    boolean notified(String role) {
        return notifyLines().stream().anyMatch(l -> l.endsWith(" " + role + " done"));
    }

    /**
     * The epoch time (seconds) at which the first notify step {@code step} of a {@code role} transition after
     * {@code afterEpoch} returned, e.g. ("master", "hftfw commit"); -1 if it has not.
     */
    double stepDone(String role, String step, double afterEpoch) {
        for (String l : notifyLines()) {
            String[] f = l.split(" ", 3);
            if (f.length == 3 && f[1].equals(role) && f[2].startsWith(step + " rc=")
                    && Double.parseDouble(f[0]) > afterEpoch) {
                return Double.parseDouble(f[0]);
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "keepalived on fw" + node;
    }
}
