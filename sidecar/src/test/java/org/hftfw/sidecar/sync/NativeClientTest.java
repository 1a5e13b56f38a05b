package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.hftfw.sync.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The no-JVM control client (src/main/c/hftfw-client.c), compiled here with the machine's C compiler and run as the
 * launchers run it, against a real {@link ControlServer}: it takes exactly the commands {@link FastClient} takes and
 * sends the same request lines ({@link FastClientTest}'s cases), hands everything else back with exit status 99 and
 * no output, prints replies and exits as the Java client does, and finds the socket through the daemon's
 * {@link ControlSocketRegistry} record.
 */
class NativeClientTest {
    @TempDir
    static Path dir;
    private static Path client;
    private static Path socket;
    private static Path config;
    private static final List<String> requests = new CopyOnWriteArrayList<>();
    private static ControlServer server;
    private static final Path NO_RECORDS = Path.of("/nonexistent-hftfw-runtime/by-config");

    @BeforeAll
    static void compile() throws Exception {
        Path cc = Path.of("/usr/bin/cc");
        assumeTrue(Files.isExecutable(cc), "no C compiler at /usr/bin/cc (Debian: gcc); the launchers then use the "
                + "Java client, which FastClientTest covers");
        client = dir.resolve("hftfw-client");
        Process p = new ProcessBuilder(cc.toString(), "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o",
                client.toString(), Path.of("src/main/c/hftfw-client.c").toAbsolutePath().toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "cc did not finish");
        assertEquals(0, p.exitValue(), log);
        socket = dir.resolve("sync.ctl");
        // a config whose path needs escaping: a space and a percent sign
        Path confDir = Files.createDirectories(dir.resolve("my conf%dir"));
        config = Files.writeString(confDir.resolve("hftfw.conf"), "control.socket = \"elsewhere.ctl\"\n");
        server = ControlServer.start(socket, line -> {
            requests.add(line);
            return line.startsWith("policy manual refuse") ? Reply.error("refused " + line + "\n")
                    : Reply.ok("got " + line + "\n");
        });
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @MethodSource("org.hftfw.sidecar.sync.FastClientTest#fastCommands")
    void sendsTheRequestLineTheJavaClientSends(String args, String line) throws Exception {
        // the same words, pointed at this test's daemon
        List<String> a = new ArrayList<>();
        boolean pointed = false;
        for (String w : args.split(" +", -1)) {
            String s = w.replace("/run/x.ctl", socket.toString()).replace("/etc/a.conf", config.toString());
            if (w.equals("/s")) {
                s = socket.toString();
            }
            pointed |= !s.equals(w);
            a.add(s);
        }
        if (!pointed) {
            a.addAll(List.of("--socket", socket.toString()));
        }
        Result r = run(registryFor(config), a);
        assertEquals(0, r.exit(), r.err());
        assertEquals("got " + line + "\n", r.out());
        assertEquals(line, FastClient.parse(a.toArray(String[]::new)).line(), "the Java client agrees");
    }

    @ParameterizedTest
    @MethodSource("org.hftfw.sidecar.sync.FastClientTest#notFast")
    void handsEverythingElseBackWithNoOutput(String args) throws Exception {
        int before = requests.size();
        Result r = run(NO_RECORDS, args.isEmpty() ? List.of() : List.of(args.split(" ", -1)));
        assertEquals(FastClient.HAND_OVER, r.exit(), args);
        assertEquals("", r.out() + r.err());
        assertEquals(before, requests.size(), "nothing sent");
    }

    @Test
    void repliesAndExitCodesAreTheJavaClients() throws Exception {
        Result refused = run(NO_RECORDS,
                List.of("policy", "manual", "refuse", "--socket", socket.toString()));
        assertEquals(1, refused.exit());
        assertEquals("hftfw: refused policy manual refuse\n", refused.err());
        assertEquals("", refused.out());

        Result why = run(NO_RECORDS,
                List.of("migrate", "now", "--why", "  fan 3 failing ", "--socket", socket.toString()));
        assertEquals("got migrate now fan 3 failing\n", why.out());
        assertEquals(FastClient.parse("migrate", "now", "--why", "  fan 3 failing ").line(), "migrate now fan 3 failing");

        Result gone = run(NO_RECORDS, List.of("commit", "--socket", dir.resolve("none.ctl").toString()));
        assertEquals(1, gone.exit());
        assertTrue(gone.err().startsWith("hftfw: the sync daemon is not running (no control socket at "), gone.err());

        // a reply that cannot be printed (stdout full or closed) does not turn the daemon's OK into a failure: the
        // exit status is its verdict, as with the Java client, whose PrintStream swallows the error
        Result full = run(NO_RECORDS, List.of("commit", "--socket", socket.toString()), Path.of("/dev/full"));
        assertEquals(0, full.exit(), full.err());

        // a socket whose server answers nothing (a stock conntrackd reads "comm" as an unknown request number) or
        // not our protocol: the same words and exit status as the Java client
        for (String answer : new String[] {"", "garbage\nmore\n"}) {
            Path other = dir.resolve("other.ctl");
            try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                s.bind(UnixDomainSocketAddress.of(other));
                Thread server = Thread.ofPlatform().start(() -> answerOnce(s, answer, 2));
                Result fast = run(NO_RECORDS, List.of("commit", "--socket", other.toString()));
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                int exit = ControlClient.call(other, "commit", new PrintWriter(out), new PrintWriter(err));
                server.join(30_000);
                assertEquals(new Result(exit, out.toString(), err.toString()), fast);
                assertEquals(1, fast.exit());
                assertTrue(fast.err().startsWith("hftfw: the daemon sent a malformed reply: ")
                        && fast.err().endsWith("\n"), fast.err());
            } finally {
                Files.deleteIfExists(other);
            }
        }

        // text the C client cannot strip exactly as Java's strip() does goes to the Java client
        Result unicode = run(NO_RECORDS,
                List.of("migrate", "now", "--why", "\u2003ventilateur", "--socket", socket.toString()));
        assertEquals(FastClient.HAND_OVER, unicode.exit());
    }

    @Test
    void findsTheSocketThroughTheDaemonsRecordAndHandsOverWithout() throws Exception {
        Path registry = registryFor(config);
        Result r = run(registry, List.of("sync", "stats", "-C", config.toString()));
        assertEquals(0, r.exit(), r.err());
        assertEquals("got stats\n", r.out());

        // no record for this config (a daemon that never started, or stopped): the Java client reads the file
        Path other = Files.writeString(dir.resolve("other.conf"), "");
        assertEquals(FastClient.HAND_OVER, run(registry, List.of("commit", "-C", other.toString())).exit());
        // a daemon started with --conntrackd-conf FILE records that file; -C with it is the Java client's to combine
        Path conntrackdConf = Files.writeString(dir.resolve("conntrackd.conf"), "General { UNIX { Path /x.ctl } }\n");
        try (ControlSocketRegistry _ = ControlSocketRegistry.register(registry, socket, conntrackdConf)) {
            for (List<String> args : List.of(List.of("commit", "--conntrackd-conf", conntrackdConf.toString()),
                    List.of("commit", "--conntrackd-conf=" + conntrackdConf))) {
                Result c = run(registry, args);
                assertEquals(0, c.exit(), c.err());
                assertEquals("got commit\n", c.out());
            }
            assertEquals(FastClient.HAND_OVER, run(registry, List.of("commit", "--conntrackd-conf",
                    conntrackdConf.toString(), "-C", config.toString())).exit());
        }
        // a record left behind by a daemon that is gone: nobody answers, hand over
        Path stale = Files.writeString(dir.resolve("stale.conf"), "");
        try (ControlSocketRegistry _ = ControlSocketRegistry.register(registry, dir.resolve("dead.ctl"), stale)) {
            assertEquals(FastClient.HAND_OVER, run(registry, List.of("commit", "-C", stale.toString())).exit());
        }
    }

    @Test
    void theRecordIsRemovedAtStopOnlyWhileItIsThisDaemons() throws Exception {
        Path registry = dir.resolve("runtime-stop/by-config");
        Path conf = Files.writeString(dir.resolve("stop.conf"), "");
        ControlSocketRegistry first = ControlSocketRegistry.register(registry, dir.resolve("first.ctl"), conf, null);
        assertEquals(dir.resolve("first.ctl"), ControlSocketRecords.recorded(registry, conf));
        // a second daemon on the same config took the record over: the first one's stop leaves it
        try (ControlSocketRegistry _ = ControlSocketRegistry.register(registry, dir.resolve("second.ctl"), conf)) {
            first.close();
            assertEquals(dir.resolve("second.ctl"), ControlSocketRecords.recorded(registry, conf));
        }
        assertNull(ControlSocketRecords.recorded(registry, conf));

        // a daemon killed with -9 leaves its record; the next one to register removes it once its socket is gone
        Path killed = Files.writeString(dir.resolve("killed.conf"), "");
        Path killedSocket = Files.writeString(dir.resolve("killed.ctl"), "");
        ControlSocketRegistry.register(registry, killedSocket, killed);
        Files.delete(killedSocket);
        try (ControlSocketRegistry _ = ControlSocketRegistry.register(registry, dir.resolve("next.ctl"), conf)) {
            assertNull(ControlSocketRecords.recorded(registry, killed));
        }
        assertNull(ControlSocketRecords.name(Path.of("/" + "x".repeat(300))), "longer than one file name");
    }

    /** Answers {@code n} connections with {@code answer} once their request has arrived, then closes them. */
    private static void answerOnce(ServerSocketChannel server, String answer, int n) {
        for (int k = 0; k < n; k++) {
            try (SocketChannel c = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(ControlProtocol.MAX_REQUEST + 1);
                while (c.read(in) >= 0 && in.hasRemaining()) {
                    // up to the client's shut write side
                }
                c.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Path registryFor(Path conf) {
        Path registry = dir.resolve("runtime/by-config");
        ControlSocketRegistry.register(registry, socket, conf);
        return registry;
    }

    record Result(int exit, String out, String err) {}

    /** Runs the client with HFTFW_RUNTIME_DIR set so that {@code registry} (a by-config directory) is its record. */
    private static Result run(Path registry, List<String> args) throws IOException, InterruptedException {
        return run(registry, args, null);
    }

    /** ... with its stdout to {@code stdout} (null: a file read back as {@link Result#out}). */
    private static Result run(Path registry, List<String> args, Path stdout) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(client.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        assertEquals("by-config", registry.getFileName().toString());
        pb.environment().put("HFTFW_RUNTIME_DIR", registry.getParent().toString());
        Path out = Files.createTempFile(dir, "out", "");
        Path err = Files.createTempFile(dir, "err", "");
        Process p = pb.redirectOutput((stdout == null ? out : stdout).toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the client did not exit within 30 s");
        }
        return new Result(p.exitValue(), stdout == null ? Files.readString(out) : "", Files.readString(err));
    }
}
