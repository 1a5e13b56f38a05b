package org.hftfw.failover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * An hFT-FW sync daemon as docs/daemon.md sets it up, as its own JVM inside the node's namespace: {@code hftfw sync
 * primary} on fw1 with the proactive path (its predictor reads the lab's fake sysfs tree; the migration's commit hook
 * commits on the peer, its demote hook writes keepalived's drain file), {@code hftfw sync backup} on fw2; in the
 * rolling-upgrade and failback cases {@code hftfw sync both} on each. Each writes keepalived's resync track file
 * ({@code control.resync-file}) in its node's keepalived folder.
 */
final class HftfwNode implements Replicator {
    private static final Pattern EXTERNAL = Pattern.compile("external cache:\\s+(\\d+) flows");
    private static final Pattern TPROP = Pattern.compile("migration handed over: (\\d+) entries, Tprop ([0-9.]+) ms");

    private final NetnsLab.Netns ns;
    private final int node;
    private final String role;
    /** The build it runs: changed by {@link #upgradeTo} while stopped (the rolling upgrade). */
    private List<String> hftfw;
    private final List<String> client;
    /** A conntrackd.conf for the stock client (UNIX Path: this daemon's socket), when primary-backup.sh drives it. */
    private Path stockScriptConf;
    private final Path dir;
    private final String extraConf;
    private final Path log;
    private Process process;

    /**
     * @param role      primary, backup, or both (each node in the rolling upgrade, as docs/deploy.md runs them)
     * @param hftfw     the command that runs the hftfw CLI (e.g. java -cp ... org.hftfw.sidecar.Hftfw)
     * @param client    the command keepalived's notify script runs for the control commands
     * @param extraConf HOCON appended to the generated config (e.g. the primary's predictor and migration sections,
     *                  or a backup mode)
     */
    HftfwNode(NetnsLab.Netns ns, int node, String role, List<String> hftfw, List<String> client, Path dir,
              String extraConf) {
        this.ns = ns;
        this.node = node;
        this.role = role;
        this.hftfw = List.copyOf(hftfw);
        this.client = List.copyOf(client);
        this.dir = dir;
        this.extraConf = extraConf;
        this.log = dir.resolve("fw" + node + "-hftfw.out");
    }

    @Override
    public String label() {
        return "hFT-FW";
    }

    Path socket() {
        return dir.resolve("fw" + node + "-hftfw.ctl");
    }

    /** keepalived's hftfw_resync track file ({@code control.resync-file}), in the node's keepalived folder. */
    Path resyncFile() {
        return dir.resolve("fw" + node).resolve("resync");
    }

    /** When the resync file was last written (epoch seconds), or -1 if it cannot be read. */
    double resyncFileWritten() {
        try {
            java.time.Instant t = Files.getLastModifiedTime(resyncFile()).toInstant();
            return t.getEpochSecond() + t.getNano() / 1e9;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Whether the daemon has written 0 into its resync file: it holds its peer's table. */
    boolean holdsPeerTable() {
        try {
            return Files.readString(resyncFile()).strip().equals("0");
        } catch (IOException e) {
            return false;
        }
    }


    @Override
    public void start() throws IOException, InterruptedException {
        Path conf = dir.resolve("fw" + node + "-hftfw.conf");
        List<String> ignore = new ArrayList<>(List.of("127.0.0.0/8", "::1/128"));
        ignore.addAll(Topology.firewallAddresses());
        Files.writeString(conf, """
                sync { local-address = "%s", peer-address = "%s", interface = "sync", alive-interval = 200ms }
                control { socket = "%s", resync-file = "%s" }
                metrics.address = "127.0.0.1:0"
                filter.ignore-addresses = %s
                %s
                """.formatted(Topology.syncAddress(node), Topology.syncAddress(3 - node), socket(), resyncFile(),
                hocon(ignore), extraConf));
        List<String> cmd = new ArrayList<>(hftfw);
        cmd.addAll(List.of("sync", role, "--config", conf.toString()));
        process = ns.spawn(log, cmd.toArray(String[]::new));
        Await.until("the hFT-FW daemon in " + ns + " answers", 90_000, () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("the hFT-FW daemon in " + ns + " exited with " + process.exitValue()
                        + ": " + logText());
            }
            try {
                Control.send(socket(), "stats");
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** The next {@link #start} runs {@code build} (another build's CLI command), as a package upgrade does. */
    void upgradeTo(List<String> build) {
        hftfw = List.copyOf(build);
    }

    /**
     * Stops the daemon as systemd stops it (SIGTERM to the main process) and returns its exit status: 0 after a clean
     * shutdown, -1 if it was still running after 30 s (then killed).
     */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        return process.exitValue();
    }

    /** Whether the capability handshake with an hFT-FW peer is done (its extensions negotiated). */
    boolean negotiated() {
        try {
            return Control.send(socket(), "stats").contains("peer: hftfw [");
        } catch (IOException e) {
            return false;
        }
    }

    /** The {@code peer:} line of the daemon's stats (which peer, the agreed extensions), or why there is none. */
    String peerLine() {
        try {
            return Control.send(socket(), "stats").lines().filter(l -> l.startsWith("peer:")).findFirst()
                    .orElse("no peer line");
        } catch (IOException e) {
            return "no stats: " + e.getMessage();
        }
    }

    @Override
    public ProcessHandle process() {
        return process.toHandle();
    }

    /**
     * Has keepalived's notify run conntrack-tools' stock primary-backup.sh for this node instead of hftfw-notify.sh:
     * the script's {@code conntrackd -C /etc/conntrackd/conntrackd.conf} client calls then reach this daemon through
     * a conntrackd.conf whose {@code UNIX { Path }} is its control socket.
     */
    HftfwNode drivenByStockScript() throws IOException {
        stockScriptConf = Files.writeString(dir.resolve("fw" + node + "-client-conntrackd.conf"), """
                Sync {
                	Mode FTFW { }
                	UDP { IPv4_address %s
                	      IPv4_Destination_Address %s
                	      Port 3780
                	      Interface sync }
                }
                General {
                	UNIX { Path %s }
                	LockFile %s
                	Syslog off
                }
                """.formatted(Topology.syncAddress(node), Topology.syncAddress(3 - node), socket(),
                dir.resolve("fw" + node + "-client-conntrackd.lock")));
        return this;
    }

    @Override
    public String notifyScript() {
        return stockScriptConf == null ? Replicator.super.notifyScript() : Keepalived.STOCK_SCRIPT_NOTIFY;
    }

    @Override
    public String keepalivedEnv(Path notifyLog) {
        if (stockScriptConf != null) {
            // DAEMON and HFTFW_SOCKET for hftfw-check.sh (keepalived's vrrp_script), which still tracks this daemon
            return """
                    DAEMON=hftfw
                    HFTFW_SOCKET=%s
                    CONNTRACKD_CONF=%s
                    PRIMARY_BACKUP_SH=%s
                    NOTIFY_LOG=%s
                    """.formatted(socket(), stockScriptConf, Keepalived.PRIMARY_BACKUP_SH, notifyLog);
        }
        return """
                DAEMON=hftfw
                HFTFW="%s"
                HFTFW_SOCKET=%s
                NOTIFY_LOG=%s
                """.formatted(String.join(" ", client), socket(), notifyLog);
    }

    @Override
    public long externalFlows() {
        try {
            Matcher m = EXTERNAL.matcher(Control.send(socket(), "stats"));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * The always-committed backup writer's counters from the daemon's {@code stats} (states received, writes, absent,
     * failed, lag, not held, not applied as master), on one line; empty when it has none or does not answer.
     */
    String backupWriterStats() {
        try {
            List<String> lines = Control.send(socket(), "stats").lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("kernel table (always committed")) {
                    // the header and its two lines of counters
                    return String.join(" ", lines.subList(i, Math.min(lines.size(), i + 3)))
                            .replaceAll("\\s+", " ").strip();
                }
            }
            return "";
        } catch (IOException e) {
            return "";
        }
    }

    /** The Tprop of the migration this daemon handed over, as its log says (entries, milliseconds). */
    Optional<String> tprop() {
        Matcher m = TPROP.matcher(logText());
        return m.find() ? Optional.of(m.group(2) + " ms (" + m.group(1) + " entries)") : Optional.empty();
    }

    /** The daemon's log so far (it logs to stderr: the spawned process's .err file beside {@link #log}). */
    String logText() {
        try {
            Path err = log.resolveSibling(log.getFileName() + ".err");
            return (Files.exists(log) ? Files.readString(log) : "") + (Files.exists(err) ? Files.readString(err) : "");
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** A HOCON list of strings. */
    static String hocon(List<String> items) {
        return items.stream().map(s -> '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"')
                .collect(Collectors.joining(", ", "[", "]"));
    }
}
