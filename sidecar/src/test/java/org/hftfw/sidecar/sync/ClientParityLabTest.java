package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hftfw.common.Await;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.predictor.FakeSysfs;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four takeover verbs ({@code commit}, {@code sync stats}, {@code policy status}, {@code migrate now}) through the
 * launchers' two clients against real sync daemons, each in a network namespace of its own: the no-JVM client
 * (src/main/c/hftfw-client.c, which must serve every case here itself) and the Java client the launchers fall back
 * to ({@link FastClient} in a JVM of its own, itself handing what it does not take to the full command
 * line). Both must print the same on stdout and stderr and exit the same, for replies, refusals, a missing socket
 * and a socket nobody answers on, finding the socket by {@code --socket}, {@code -C} and {@code --conntrackd-conf}.
 *
 * <p>A reply carries counters and ages that move between two requests ({@code sync stats}' event counts,
 * {@code policy status}' "NORMAL for 2.5 s"), so numbers are compared as numbers-there and spaces as
 * spaces-there; every word is compared. {@code migrate now} changes the policy's state, so its two clients go to
 * twin daemons of one configuration.
 */
@Tag("lab")
class ClientParityLabTest {
    private static final String SELF = "10.241.0.1";
    private static final String PEER = "10.241.0.2";   // no one's: the FT-FW messages go nowhere

    @TempDir
    Path dir;
    private Path client;
    private Path registry;
    private NetnsLab lab;
    private final List<AutoCloseable> daemons = new ArrayList<>();

    // assumptions per test, not in @BeforeAll: surefire drops a class aborted there from the counts (SUREFIRE-2300)
    @BeforeEach
    void capable() throws Exception {
        LabAssumptions.assumeAvailable();
        Path cc = Path.of("/usr/bin/cc");
        assumeTrue(Files.isExecutable(cc), "no C compiler at /usr/bin/cc (Debian: gcc): the launchers use the Java "
                + "client alone");
        client = dir.resolve("hftfw-client");
        Process p = new ProcessBuilder(cc.toString(), "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o",
                client.toString(), Path.of("src/main/c/hftfw-client.c").toAbsolutePath().toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "cc did not finish");
        assertEquals(0, p.exitValue(), log);
        registry = dir.resolve("run/by-config");
        lab = new NetnsLab("hcp");
    }

    @AfterEach
    void close() {
        for (int i = daemons.size() - 1; i >= 0; i--) {
            try {
                daemons.get(i).close();
            } catch (Exception e) {
                // closing the rest anyway
            }
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void theTakeoverVerbsReplyAndFailAlikeThroughBothClients() throws Exception {
        Path tree = dir.resolve("tree");
        FakeSysfs.create(tree).edacController(0, 2).hwmonChip(0, "coretemp")
                .hwmonTemp(0, 1, 45, 85, 100, "Package id 0").thermalZone(0, "x86_pkg_temp", 45, 85, 100).nic("eth0")
                .procInterrupts(0, 0, 0);
        String proactive = """
                lazy.enabled = false
                predictor { enabled = true, fake-tree = "%s", interval = 200ms }
                policy.dry-run = true
                """.formatted(tree);
        Path x = hftfwDaemon("x", SyncNode.Role.PRIMARY, proactive);
        Path y = hftfwDaemon("y", SyncNode.Role.PRIMARY, proactive);
        Path z = conntrackdConfDaemon("z");
        // the sources sampled and settled (the same lines for five sampling intervals), so that policy status does
        // not change its lines between the two clients
        Settled settled = new Settled(dir.resolve("x.ctl"));
        assertTrue(Await.await(settled, 60_000), "x's policy status settled: " + settled.shape);

        // a primary with the proactive path, found through its config (-C): the daemon's record for the C client,
        // the config file for the Java one
        for (String[] verb : List.of(new String[] {"commit"}, new String[] {"sync", "stats"},
                new String[] {"policy", "status"})) {
            List<String> args = withArgs(verb, "-C", x.toString());
            Result fast = fastClient(args);
            Result jvm = javaClient(args);
            assertEquals(0, fast.exit(), fast.toString());
            assertAlike(jvm, fast, args);
        }
        // migrate now moves the policy on: the C client orders it from x, the Java client from x's twin y
        Result fast = fastClient(List.of("migrate", "now", "--why", "parity", "-C", x.toString()));
        Result jvm = javaClient(List.of("migrate", "now", "--why", "parity", "-C", y.toString()));
        assertEquals(0, fast.exit(), fast.toString());
        assertTrue(fast.out().contains("operator: migrate-now (parity)"), fast.out());
        assertAlike(jvm, fast, List.of("migrate", "now"));
        // and once more from each: the state no longer allows it, the daemon refuses, both exit 1
        fast = fastClient(List.of("migrate", "now", "--socket", dir.resolve("x.ctl").toString()));
        jvm = javaClient(List.of("migrate", "now", "--socket", dir.resolve("y.ctl").toString()));
        assertEquals(1, fast.exit(), fast.toString());
        assertTrue(fast.err().startsWith("hftfw: command 'migrate-now' is not allowed in state"), fast.err());
        assertAlike(jvm, fast, List.of("migrate", "now", "(refused)"));

        // a backup started from a conntrackd.conf, found through it (--conntrackd-conf): commit and stats are
        // served, the proactive verbs refused (no proactive path on a backup)
        for (String[] verb : List.of(new String[] {"commit"}, new String[] {"sync", "stats"},
                new String[] {"policy", "status"}, new String[] {"migrate", "now"})) {
            List<String> args = withArgs(verb, "--conntrackd-conf", z.toString());
            Result f = fastClient(args);
            Result j = javaClient(args);
            assertEquals(verb[0].equals("commit") || verb[0].equals("sync") ? 0 : 1, f.exit(), f.toString());
            assertAlike(j, f, args);
        }

        // no daemon: no socket file, and a socket file nobody answers on (a daemon killed with -9)
        Path dead = dir.resolve("dead.ctl");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(dead));
        }
        for (Path socket : List.of(dir.resolve("none.ctl"), dead)) {
            for (String[] verb : List.of(new String[] {"commit"}, new String[] {"sync", "stats"},
                    new String[] {"policy", "status"}, new String[] {"migrate", "now"})) {
                List<String> args = withArgs(verb, "--socket", socket.toString());
                Result f = fastClient(args);
                Result j = javaClient(args);
                assertEquals(1, f.exit(), f.toString());
                assertTrue(f.err().startsWith("hftfw: the sync daemon is not running"), f.err());
                assertEquals(j, f, String.join(" ", args));
            }
        }
    }

    /** True once the daemon's policy status lists its sources as sampled and has kept its shape for 1 s. */
    private static final class Settled implements java.util.function.BooleanSupplier {
        private final Path socket;
        String shape = "";
        private long sinceNanos;

        Settled(Path socket) {
            this.socket = socket;
        }

        @Override
        public boolean getAsBoolean() {
            String now;
            try {
                var r = ControlClient.send(socket, "policy status");
                now = r.ok() ? shape(r.text()) : "";
            } catch (IOException e) {
                now = "";
            }
            if (!now.equals(shape)) {
                shape = now;
                sinceNanos = System.nanoTime();
                return false;
            }
            return !now.isEmpty() && !now.contains("not sampled yet")
                    && System.nanoTime() - sinceNanos >= 1_000_000_000L;
        }
    }

    /** Starts a daemon from an hFT-FW config; its socket recorded as SyncCommand records it. */
    private Path hftfwDaemon(String name, SyncNode.Role role, String extra) throws Exception {
        NetnsLab.Netns ns = namespace(name);
        Path conf = SyncLab.writeHftfwConf(dir, name, SELF, PEER, extra);
        SyncDaemon d = SyncLab.startDaemon(ns, role, conf, daemons);
        daemons.add(ControlSocketRegistry.register(registry, d.control().path(), conf));
        return conf;
    }

    /** Starts a backup from a conntrackd.conf (its UNIX Path in this test's directory), recorded under that file. */
    private Path conntrackdConfDaemon(String name) throws Exception {
        NetnsLab.Netns ns = namespace(name);
        Path conf = org.hftfw.ftfw.ConntrackdConf.lab(dir, name, SELF, PEER, List.of("127.0.0.1")).write();
        var rc = ConntrackdSettings.load(conf, null);
        SyncDaemon d = SyncLab.startDaemon(ns, SyncNode.Role.BACKUP, rc, daemons);
        daemons.add(ControlSocketRegistry.register(registry, d.control().path(), conf));
        return conf;
    }

    /** A namespace with the sync address on one end of a veth pair whose other end is in it too, unaddressed. */
    private NetnsLab.Netns namespace(String name) {
        NetnsLab.Netns ns = lab.netns(name);
        lab.veth(ns, "sync", ns, "sync-end");
        ns.addr("sync", SELF + "/24");
        return ns;
    }

    private static List<String> withArgs(String[] verb, String... options) {
        List<String> a = new ArrayList<>(List.of(verb));
        a.addAll(List.of(options));
        return a;
    }

    /**
     * Equal exit codes, and stdout and stderr equal but for the numbers in them and the width of the spaces that
     * pad them.
     */
    private static void assertAlike(Result jvm, Result fast, List<String> args) {
        String what = String.join(" ", args);
        assertEquals(jvm.exit(), fast.exit(), what + "\njava: " + jvm + "\nfast: " + fast);
        assertEquals(shape(jvm.out()), shape(fast.out()), what + " (stdout)");
        assertEquals(shape(jvm.err()), shape(fast.err()), what + " (stderr)");
        assertNotEquals("", fast.out() + fast.err(), what + ": the daemon's reply is printed");
    }

    private static String shape(String text) {
        return text.replaceAll("[0-9]+(\\.[0-9]+)?", "#").replaceAll(" +", " ");
    }

    record Result(int exit, String out, String err) {}

    /** The no-JVM client, which must serve {@code args} itself (a hand-over would compare Java with Java). */
    private Result fastClient(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(client.toString());
        cmd.addAll(args);
        Result r = run(cmd, 30);
        assertNotEquals(FastClient.HAND_OVER, r.exit(), "the no-JVM client serves " + args);
        return r;
    }

    /** The Java client in a JVM of its own, on the test's class path (the full command line beside it). */
    private Result javaClient(List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FastClient.class.getName()));
        cmd.addAll(args);
        return run(cmd, 120);
    }

    private Result run(List<String> cmd, int seconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("HFTFW_RUNTIME_DIR", registry.getParent().toString());
        Path out = Files.createTempFile(dir, "out", "");
        Path err = Files.createTempFile(dir, "err", "");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not exit within " + seconds + " s");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
