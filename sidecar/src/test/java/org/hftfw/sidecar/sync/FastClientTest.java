package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.hftfw.sync.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FastClientTest {

    /** The fast commands and the request line each sends (shared with NativeClientTest: the two take the same). */
    static Stream<Arguments> fastCommands() {
        return Stream.of(
                arguments("commit", "commit"),
                arguments("commit --socket /run/x.ctl", "commit"),
                arguments("commit --socket=/run/x.ctl", "commit"),
                arguments("sync stats -C /etc/a.conf", "stats"),
                arguments("sync flush -C/etc/a.conf", "flush"),
                arguments("sync resync -C=/etc/a.conf", "resync"),
                arguments("sync bulk --config=/etc/a.conf", "bulk"),
                arguments("migrate now", "migrate now"),
                arguments("migrate now --why drill", "migrate now drill"),
                arguments("migrate now --why=drill", "migrate now drill"),
                arguments("policy status --config /etc/a.conf", "policy status"),
                arguments("policy manual recover", "policy manual recover"),
                arguments("policy manual --why repaired recover", "policy manual recover repaired"),
                arguments("policy manual recover --socket /s", "policy manual recover"),
                arguments("commit --conntrackd-conf /etc/c.conf", "commit"),
                arguments("sync stats --conntrackd-conf=/etc/c.conf", "stats"));
    }

    /**
     * Argument lists that are not exactly a fast command (shared with NativeClientTest). {@code --conntrackd-conf}
     * with {@code -C} is the full command line's to combine.
     */
    static Stream<String> notFast() {
        return Stream.of("", "sync", "sync primary", "sync stats --help", "commit -h", "commit -V", "commit --version",
                "commit --why x", "commit extra", "commit --socket", "commit --socket a --socket b",
                "commit -C a --config b", "commit --bogus", "commit @args.txt", "commit --socket -x", "migrate bench",
                "migrate now --why", "policy manual", "policy manual a b", "policy replay x.csv", "commit --socket=",
                "demo", "commit --conntrackd-conf", "commit --conntrackd-conf=", "commit --conntrackd-conf a -C b",
                "sync stats --config=b --conntrackd-conf=a", "commit --conntrackd-conf a --conntrackd-conf b");
    }

    @ParameterizedTest
    @MethodSource("fastCommands")
    void takesExactlyTheControlCommands(String args, String line) {
        FastClient.Request r = FastClient.parse(args.split(" +", -1));
        assertEquals(line, r.line());
    }

    @ParameterizedTest
    @MethodSource("notFast")
    void anythingElseGoesToTheFullCommandLine(String args) {
        assertNull(FastClient.parse(args.isEmpty() ? new String[0] : args.split(" ", -1)), args);
    }

    @Test
    void optionsAndDefaults() {
        FastClient.Request r = FastClient.parse("commit");
        assertNull(r.socket());
        assertEquals(Path.of(SyncCommand.DEFAULT_CONFIG), r.config());
        assertEquals(Path.of("/s.ctl"), FastClient.parse("sync", "stats", "--socket", "/s.ctl").socket());
        assertEquals(Path.of("/a.conf"), FastClient.parse("sync", "stats", "-C", "/a.conf").config());
        assertNull(FastClient.parse("migrate", "now", "--why", "two\nlines"), "one line, as the full command line asks");
        assertEquals("migrate now spaced out", FastClient.parse("migrate", "now", "--why", "  spaced out ").line());
        FastClient.Request c = FastClient.parse("commit", "--conntrackd-conf", "/c.conf");
        assertEquals(Path.of("/c.conf"), c.conntrackdConf());
        assertTrue(c.fromRecord());
        assertFalse(FastClient.parse("commit", "--conntrackd-conf", "/c.conf", "--socket", "/s.ctl").fromRecord());
    }

    /**
     * {@code --conntrackd-conf FILE}: the socket is the one the daemon started with that file recorded; a record
     * nobody answers behind (a daemon killed with -9) or none hands over, with no output, to the full command line,
     * which reads conntrackd's syntax.
     */
    @Test
    void conntrackdConfIsFoundThroughTheDaemonsRecord(@TempDir Path dir) throws Exception {
        String twoJars = location(FastClient.class) + java.io.File.pathSeparator + location(Reply.class);
        Path sock = dir.resolve("sync.ctl");
        Path conf = Files.writeString(dir.resolve("conntrackd.conf"), "General {\n\tUNIX { Path /elsewhere.ctl }\n}\n");
        Path records = dir.resolve("run/by-config");
        Map<String, String> env = Map.of("HFTFW_RUNTIME_DIR", records.getParent().toString());
        try (ControlServer _ = ControlServer.start(sock, r -> Reply.ok("did " + r + "\n"));
             ControlSocketRegistry _ = ControlSocketRegistry.register(records, sock, conf)) {
            Result ok = runOn(twoJars, dir, env, "commit", "--conntrackd-conf", conf.toString());
            assertEquals(0, ok.exit(), ok.err());
            assertEquals("did commit\n", ok.out());
        }
        try (ControlSocketRegistry _ = ControlSocketRegistry.register(records, dir.resolve("dead.ctl"), conf)) {
            Result gone = runOn(twoJars, dir, env, "commit", "--conntrackd-conf", conf.toString());
            assertEquals(FastClient.HAND_OVER, gone.exit());
            assertEquals("", gone.out() + gone.err());
        }
        Result none = runOn(twoJars, dir, env, "sync", "stats", "--conntrackd-conf", conf.toString());
        assertEquals(FastClient.HAND_OVER, none.exit());
        assertEquals("", none.out() + none.err());
    }

    /**
     * The client as bin/hftfw starts it, in a JVM of its own against a real control socket: it replies, exits with
     * the daemon's verdict, and loads no class of picocli, logging or Typesafe Config (the point of the fast path).
     */
    @Test
    void aRealProcessRepliesAndLoadsNoLibrary(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("sync.ctl");
        Path conf = Files.writeString(dir.resolve("hftfw.conf"), "control.socket = \"sync.ctl\"\n");
        try (ControlServer _ = ControlServer.start(sock,
                r -> r.equals("commit") ? Reply.ok("committed 3 flows\n") : Reply.error("refused " + r + "\n"))) {
            Result ok = run(dir, "commit", "-C", conf.toString());
            assertEquals(0, ok.exit(), ok.err());
            assertEquals("committed 3 flows\n", ok.out());
            List<String> loaded = ok.classes().stream().filter(c -> c.startsWith("picocli.")
                    || c.startsWith("ch.qos.") || c.startsWith("org.slf4j.") || c.startsWith("com.typesafe.")).toList();
            assertEquals(List.of(), loaded);

            Result refused = run(dir, "sync", "flush", "--socket", sock.toString());
            assertEquals(1, refused.exit());
            assertEquals("hftfw: refused flush\n", refused.err());
        }
        Result gone = run(dir, "commit", "--socket", sock.toString());
        assertEquals(1, gone.exit());
        assertTrue(gone.err().startsWith("hftfw: the sync daemon is not running"), gone.err());
    }

    /** On bin/hftfw's two-jar class path, what the client does not take comes back as exit 99, with no output. */
    @Test
    void withoutTheFullCommandLineOnItsClassPathItHandsOver(@TempDir Path dir) throws Exception {
        String twoJars = location(FastClient.class) + java.io.File.pathSeparator + location(Reply.class);
        for (String[] args : List.of(new String[] {"commit", "--help"}, new String[] {"policy", "manual"},
                new String[] {"commit", "-C", dir.resolve("missing.conf").toString()})) {
            Result r = runOn(twoJars, dir, args);
            assertEquals(FastClient.HAND_OVER, r.exit(), String.join(" ", args));
            assertEquals("", r.out() + r.err());
        }
    }

    private static String location(Class<?> c) throws java.net.URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    record Result(int exit, String out, String err, List<String> classes) {}

    private static Result run(Path dir, String... args) throws IOException, InterruptedException {
        return runOn(System.getProperty("java.class.path"), dir, args);
    }

    private static Result runOn(String classPath, Path dir, String... args) throws IOException, InterruptedException {
        return runOn(classPath, dir, Map.of(), args);
    }

    private static Result runOn(String classPath, Path dir, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info:file=" + dir.resolve("classes.log"), "-cp", classPath,
                FastClient.class.getName()));
        cmd.addAll(List.of(args));
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the client did not exit within 60 s");
        }
        List<String> classes = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("classes.log"), StandardCharsets.UTF_8)) {
            String[] f = l.split(" ", -1);
            if (f.length > 1) {
                classes.add(f[1]);
            }
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err), classes);
    }
}
