package org.hftfw.sidecar.sync;

import org.hftfw.conntrack.ConntrackEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.hftfw.conntrack.lab.FirewallTopology;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.sync.SyncNode;

/**
 * The sync lab: the conntrack test-jar's client -- fw -- server {@link FirewallTopology} plus a backup firewall
 * namespace {@code bk} joined to {@code fw} by a veth named {@code sync} (10.236.0.1 in fw, 10.236.0.2 in bk), with
 * helpers to run a stock conntrackd or an in-process hFT-FW sync daemon on either side. Namespaces are named
 * {@code hsy-<role>-<random>}; {@link #close()} stops every daemon and process and deletes the namespaces.
 */
final class SyncLab implements AutoCloseable {
    static final String FW_SYNC = "10.236.0.1";
    static final String BK_SYNC = "10.236.0.2";

    final NetnsLab lab = new NetnsLab("hsy");
    final FirewallTopology topo;
    final NetnsLab.Netns bk;
    final Path dir;
    private final List<AutoCloseable> daemons = new ArrayList<>();

    /** Skips unless the lab can run (root, iproute2, conntrack in the kernel, the tools). */
    static void assumeCapable() {
        LabAssumptions.assumeAvailable();
        for (String bin : new String[] {"conntrack", "conntrackd", "nft"}) {
            LabAssumptions.assumeBinary(bin);
        }
    }

    SyncLab() throws IOException {
        dir = Files.createTempDirectory("hsy-lab");
        FirewallTopology t;
        NetnsLab.Netns b;
        try {
            t = new FirewallTopology(lab);
            b = lab.netns("bk");
            lab.veth(t.fw, "sync", b, "sync");
            t.fw.addr("sync", FW_SYNC + "/24");
            b.addr("sync", BK_SYNC + "/24");
            // a mid-stream packet without state is INVALID, not a new flow: a takeover needs the replicated state
            b.sysctl("net.netfilter.nf_conntrack_tcp_loose", "0");
            t.startEchoServers();
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        topo = t;
        bk = b;
    }

    /** Writes an hFT-FW config for a daemon whose sync address is {@code self}; {@code extra} is appended. */
    Path hftfwConf(String name, String self, String peer, String extra) throws IOException {
        return writeHftfwConf(dir, name, self, peer, extra);
    }

    static Path writeHftfwConf(Path dir, String name, String self, String peer, String extra) throws IOException {
        Path f = dir.resolve(name + ".conf");
        Files.writeString(f, """
                sync { local-address = "%s", peer-address = "%s", alive-interval = 200ms }
                control.socket = "%s"
                metrics.address = "127.0.0.1:0"
                %s
                """.formatted(self, peer, dir.resolve(name + ".ctl"), extra));
        return f;
    }

    /** Starts an in-process hFT-FW sync daemon in {@code ns}; closed with the lab. */
    SyncDaemon startHftfw(NetnsLab.Netns ns, SyncNode.Role role, Path conf) throws Exception {
        return startDaemon(ns, role, conf, daemons);
    }

    /** Starts an in-process hFT-FW sync daemon in {@code ns} and registers its closing in {@code closers}. */
    static SyncDaemon startDaemon(NetnsLab.Netns ns, SyncNode.Role role, Path conf, List<AutoCloseable> closers)
            throws Exception {
        return startDaemon(ns, role, SyncCommand.load(conf), closers);
    }

    /** Starts an in-process hFT-FW sync daemon in {@code ns} on loaded settings; closed with the lab. */
    SyncDaemon startHftfw(NetnsLab.Netns ns, SyncNode.Role role,
                          org.hftfw.sidecar.config.ReloadableConfig<SyncSettings> rc) throws Exception {
        return startDaemon(ns, role, rc, daemons);
    }

    /** Starts a daemon in {@code ns} on {@code rc}; both are closed by {@code closers} (rc at once if it fails). */
    static SyncDaemon startDaemon(NetnsLab.Netns ns, SyncNode.Role role,
                                          org.hftfw.sidecar.config.ReloadableConfig<SyncSettings> rc,
                                          List<AutoCloseable> closers) throws Exception {
        SyncDaemon d;
        try {
            d = SyncDaemon.start(role, rc, ns.path(), System::nanoTime);
        } catch (Exception e) {
            rc.close();
            throw e;
        }
        closers.add(() -> {
            d.close();
            rc.close();
        });
        return d;
    }

    /** A stock conntrackd FTFW config in {@code dir}, filtering the sync link and the firewall's own addresses. */
    Path conntrackdConf(String name, String self, String peer) throws IOException {
        return org.hftfw.ftfw.ConntrackdConf.lab(dir, name + "-conntrackd", self, peer,
                        List.of("127.0.0.1", "10.236.0.0/24", "10.230.1.1", "10.230.2.1", "::1"))
                .withProtocols(List.of("TCP", "UDP")).write();
    }

    /** Starts conntrackd in {@code ns} (console mode, killed by PID with the lab) and waits until it answers. */
    void startConntrackd(NetnsLab.Netns ns, Path conf) throws Exception {
        ns.spawn(dir.resolve(conf.getFileName() + ".out"), "conntrackd", "-C", conf.toString());
        await("conntrackd answers in " + ns, 10_000, () -> ns.exec("conntrackd", "-C", conf.toString(), "-s").exitCode() == 0);
    }

    /** {@code perServer} TCP connections from the client to each server (IPv4 and IPv6), left open. */
    static List<java.net.Socket> tcpToBothServers(FirewallTopology t, int perServer) {
        List<java.net.Socket> open = new ArrayList<>();
        for (String server : new String[] {FirewallTopology.SERVER4, FirewallTopology.SERVER6}) {
            for (int i = 0; i < perServer; i++) {
                open.add(t.openTcp(server, 8080));
            }
        }
        return open;
    }

    /** Runs {@code conntrackd -C conf ARGS} in {@code ns}, checked; returns stdout. */
    static String conntrackd(NetnsLab.Netns ns, Path conf, String... args) {
        List<String> cmd = new ArrayList<>(List.of("conntrackd", "-C", conf.toString()));
        cmd.addAll(List.of(args));
        return ns.exec(cmd.toArray(String[]::new)).check().stdout();
    }

    /**
     * The flows between the client and the server in {@code ns}'s kernel table, one normalised line each
     * ({@code conntrack -L} without timeout, id and use count): what a takeover needs to be identical.
     */
    static Set<String> clientFlows(NetnsLab.Netns ns) {
        Set<String> out = new TreeSet<>();
        String text = ns.exec("conntrack", "-L").check().stdout() + ns.exec("conntrack", "-L", "-f", "ipv6").check().stdout();
        for (String line : text.split("\n", -1)) {
            if (line.contains("src=" + FirewallTopology.CLIENT4 + " ") || line.contains("src=" + FirewallTopology.CLIENT6 + " ")) {
                out.add(normalise(line));
            }
        }
        return out;
    }

    static String normalise(String line) {
        String[] f = line.trim().split("\\s+", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < f.length; i++) {
            if (i == 2 && f[i].chars().allMatch(Character::isDigit)) {
                continue;
            }
            if (f[i].startsWith("use=") || f[i].startsWith("id=")) {
                continue;
            }
            sb.append(sb.isEmpty() ? "" : " ").append(f[i]);
        }
        return sb.toString();
    }

    /** The {@code src=… dst=… sport=… dport=…} part of a normalised line: the original tuple. */
    static String originalTuple(String normalised) {
        int s = normalised.indexOf("src=");
        int second = normalised.indexOf("src=", s + 1);
        return normalised.substring(s, second < 0 ? normalised.length() : second).trim();
    }

    /**
     * A {@code conntrack -R} file of {@code count} ESTABLISHED flows 10.234.x.y:10000+i → 10.235.0.1:{@code dport},
     * i from {@code from}; the load for the sync tests that need many flows at once.
     */
    Path loadFile(int from, int count, int dport) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            sb.append("-A -t 600 -u SEEN_REPLY,ASSURED -s 10.234.").append(i >> 8 & 0xff).append('.').append(i & 0xff)
                    .append(" -d 10.235.0.1 -p tcp --sport ").append(10000 + i).append(" --dport ").append(dport)
                    .append(" --state ESTABLISHED\n");
        }
        Path p = dir.resolve("load-" + dport + "-" + from + ".save");
        Files.writeString(p, sb);
        return p;
    }

    /** The original tuples of the {@link #loadFile} flows in {@code entries}, comparable across tables and caches. */
    static Set<String> loadedTuples(Iterable<ConntrackEntry> entries) {
        Set<String> out = new TreeSet<>();
        for (ConntrackEntry e : entries) {
            if (e.original().src().getHostAddress().startsWith("10.234.")) {
                out.add(e.original().toString());
            }
        }
        return out;
    }

    static void await(String what, long millis, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < end) {
            if (done.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        if (!done.getAsBoolean()) {
            throw new AssertionError("timed out after " + millis + " ms waiting until " + what);
        }
    }

    @Override
    public void close() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            try {
                daemons.get(i).close();
            } catch (Exception e) {
                // closing the rest anyway
            }
        }
        topo.close();
        lab.close();
        try (var files = Files.list(dir)) {
            files.forEach(f -> f.toFile().delete());
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temp directory: best effort
        }
    }
}
