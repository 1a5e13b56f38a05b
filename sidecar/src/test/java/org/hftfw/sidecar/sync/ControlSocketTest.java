package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.hftfw.sidecar.Hftfw;
import org.hftfw.sync.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ControlSocketTest {

    private static Reply echo(String request) {
        return request.equals("fail") ? Reply.error("it failed") : Reply.ok("did " + request);
    }

    @Test
    void requestAndReplyOverARealUnixSocket(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("run/sync.ctl");
        try (ControlServer s = ControlServer.start(sock, ControlSocketTest::echo)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            assertEquals(Reply.ok("did stats\n"), ControlClient.send(sock, "stats"));
            assertEquals(Reply.error("it failed\n"), ControlClient.send(sock, "fail"));
            assertEquals(1, s.served());
            assertEquals(1, s.rejected(), "a command answered with an error is a refused request");
            org.hftfw.sync.MetricsRegistry m = new org.hftfw.sync.MetricsRegistry();
            s.registerMetrics(m);
            String scrape = m.scrape();
            assertTrue(scrape.contains("hftfw_control_requests_total 1"), scrape);
            assertTrue(scrape.contains("hftfw_control_requests_refused_total 1"), scrape);
        }
        assertFalse(Files.exists(sock), "the socket file is removed on close");
    }

    @Test
    void malformedRequestsGetAnErrorAndAreCounted(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("sync.ctl");
        try (ControlServer s = ControlServer.start(sock, ControlSocketTest::echo);
             SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(sock));
            c.write(ByteBuffer.wrap("x".repeat(ControlProtocol.MAX_REQUEST + 1).getBytes(StandardCharsets.UTF_8)));
            c.shutdownOutput();
            Reply r = ControlProtocol.decode(ControlProtocol.readAll(c));
            assertFalse(r.ok());
            assertTrue(r.text().contains("malformed request"), r.text());
            assertEquals(1, s.rejected());
        }
    }

    /**
     * One thread serves every client: one that never finishes its request does not hold up the next, whose request
     * arrives in pieces, and is cut off at its deadline.
     */
    @Test
    void aSilentClientHoldsNoOneUpAndIsCutOff(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("sync.ctl");
        try (ControlServer s = ControlServer.start(sock, ControlSocketTest::echo);
             SocketChannel silent = SocketChannel.open(StandardProtocolFamily.UNIX);
             SocketChannel slow = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.connect(UnixDomainSocketAddress.of(sock));
            silent.write(ByteBuffer.wrap("sta".getBytes(StandardCharsets.UTF_8)));
            slow.connect(UnixDomainSocketAddress.of(sock));
            slow.write(ByteBuffer.wrap("sta".getBytes(StandardCharsets.UTF_8)));
            assertEquals(Reply.ok("did other\n"), ControlClient.send(sock, "other"), "answered while two wait");
            slow.write(ByteBuffer.wrap("ts\n".getBytes(StandardCharsets.UTF_8)));
            assertEquals(Reply.ok("did stats\n"), ControlProtocol.decode(ControlProtocol.readAll(slow)));
            // bounded: the server closes it after its 5 s deadline, the test gives up long after
            java.util.concurrent.ExecutorService reader = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                java.util.concurrent.Future<Integer> end = reader.submit(() -> silent.read(ByteBuffer.allocate(16)));
                assertEquals(-1, end.get(60, java.util.concurrent.TimeUnit.SECONDS), "cut off without an answer");
            } finally {
                reader.shutdownNow();                           // an interrupted read closes the channel
            }
            assertEquals(2, s.served());
        }
    }

    /** A conntrackd client's 4-byte request is answered at once (not after the 5 s deadline) on the same socket. */
    @Test
    void conntrackdRequestIsRecognisedAndRefusedWhereNotServed(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("sync.ctl");
        try (ControlServer s = ControlServer.start(sock, ControlSocketTest::echo);
             SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(sock));
            long t0 = System.nanoTime();
            c.write(ByteBuffer.wrap(new byte[] {46, 0, 0, 0}));          // ALL_COMMIT, as 'conntrackd -c' sends it
            assertEquals("hftfw: this control socket does not serve conntrackd requests\n", ControlProtocol.readAll(c));
            assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "answered before the read deadline");
            assertEquals(1, s.rejected());
            assertEquals(Reply.ok("did stats\n"), ControlClient.send(sock, "stats"), "text commands still work");
        }
    }

    /** The hftfw verbs find the socket in a conntrackd.conf's UNIX { Path }. */
    @Test
    void cliFindsTheSocketInAConntrackdConf(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("conntrackd.ctl");
        Path conf = org.hftfw.ftfw.ConntrackdConf.lab(dir, "conntrackd", "10.0.0.1", "10.0.0.2",
                java.util.List.of("127.0.0.1")).write();
        try (ControlServer _ = ControlServer.start(sock, ControlSocketTest::echo)) {
            StringWriter out = new StringWriter();
            CommandLine cl = new CommandLine(new Hftfw()).setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()));
            assertEquals(0, cl.execute("sync", "resync", "--conntrackd-conf", conf.toString()));
            assertEquals("did resync\n", out.toString());
        }
    }

    @Test
    void staleSocketIsReplacedButALiveDaemonIsNot(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("sync.ctl");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(sock));
        dead.close();                                   // leaves the file behind, as a killed daemon does
        assertTrue(Files.exists(sock));
        try (ControlServer _ = ControlServer.start(sock, ControlSocketTest::echo)) {
            assertTrue(ControlClient.send(sock, "ping").ok());
            java.io.IOException e = assertThrows(java.io.IOException.class,
                    () -> ControlServer.start(sock, ControlSocketTest::echo));
            assertTrue(e.getMessage().contains("already running"), e.getMessage());
        }
    }

    @Test
    void aPathThatIsNotASocketIsNeverDeleted(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("precious.conf"), "keep me\n");
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> ControlServer.start(file, ControlSocketTest::echo));
        assertEquals("control.socket " + file + " exists and is a regular file, not a UNIX socket: refusing to "
                + "replace it (remove it or choose another control.socket)", e.getMessage());
        assertEquals("keep me\n", Files.readString(file), "the file is untouched");

        Path link = Files.createSymbolicLink(dir.resolve("link.ctl"), file);
        e = assertThrows(java.io.IOException.class, () -> ControlServer.start(link, ControlSocketTest::echo));
        assertTrue(e.getMessage().contains("is a symbolic link, not a UNIX socket"), e.getMessage());
        assertTrue(Files.isSymbolicLink(link));

        Path sub = Files.createDirectory(dir.resolve("sub.ctl"));
        e = assertThrows(java.io.IOException.class, () -> ControlServer.start(sub, ControlSocketTest::echo));
        assertTrue(e.getMessage().contains("is a directory, not a UNIX socket"), e.getMessage());
        assertTrue(Files.isDirectory(sub));
    }

    /**
     * Stopping removes only the socket this server made: a file, or another daemon's socket, that took the path
     * over while it ran stays (issue 14 review G7: close deleted whatever was at the path).
     */
    @Test
    void stoppingLeavesAFileOrAnotherSocketThatTookThePathOver(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("sync.ctl");
        ControlServer s = ControlServer.start(sock, ControlSocketTest::echo);
        Files.delete(sock);
        Files.writeString(sock, "operator's file\n");
        s.close();
        assertEquals("operator's file\n", Files.readString(sock), "the regular file is untouched");

        Files.delete(sock);
        s = ControlServer.start(sock, ControlSocketTest::echo);
        Files.delete(sock);                             // conntrackd unlinks the path and binds its own socket
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(sock));
            s.close();
            assertTrue(Files.exists(sock, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the other socket stays");
        }

        Files.delete(sock);
        s = ControlServer.start(sock, ControlSocketTest::echo);
        s.close();
        assertFalse(Files.exists(sock, java.nio.file.LinkOption.NOFOLLOW_LINKS), "its own socket is removed");
    }

    @Test
    void cliSaysInOneLineThatTheDaemonIsNotRunning(@TempDir Path dir) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Hftfw()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int rc = cl.execute("commit", "--socket", dir.resolve("none.ctl").toString());
        assertEquals(1, rc);
        String msg = err.toString().strip();
        assertFalse(msg.contains("\n"), "one line: " + msg);
        assertTrue(msg.startsWith("hftfw: the sync daemon is not running"), msg);
        assertEquals("", out.toString());

        err.getBuffer().setLength(0);
        assertEquals(1, cl.execute("sync", "stats", "--config", dir.resolve("missing.conf").toString()));
        assertTrue(err.toString().contains("cannot read the config file"), err.toString());
    }

    /**
     * The stock conntrackd client exits 0 whatever the daemon answers; the hftfw verbs exit 1 when the daemon refuses
     * or fails the request, with its reason on standard error.
     */
    @Test
    void cliExitsNonZeroWhenTheDaemonRefusesOrFails(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("sync.ctl");
        try (ControlServer _ = ControlServer.start(sock, r -> Reply.error(r + " failed: 3 of 12 flows"))) {
            for (String[] verb : List.of(new String[] {"commit"}, new String[] {"sync", "stats"},
                    new String[] {"sync", "flush"}, new String[] {"sync", "resync"}, new String[] {"sync", "bulk"})) {
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                CommandLine cl = new CommandLine(new Hftfw()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
                List<String> args = new java.util.ArrayList<>(List.of(verb));
                args.addAll(List.of("--socket", sock.toString()));
                assertEquals(1, cl.execute(args.toArray(String[]::new)), String.join(" ", verb));
                assertTrue(err.toString().contains("failed: 3 of 12 flows"), String.join(" ", verb) + ": " + err);
            }
        }
    }

    @Test
    void cliPrintsTheDaemonsReply(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("sync.ctl");
        try (ControlServer _ = ControlServer.start(sock, ControlSocketTest::echo)) {
            StringWriter out = new StringWriter();
            CommandLine cl = new CommandLine(new Hftfw()).setOut(new PrintWriter(out)).setErr(new PrintWriter(new StringWriter()));
            assertEquals(0, cl.execute("sync", "resync", "--socket", sock.toString()));
            assertEquals("did resync\n", out.toString());
        }
    }
}
