package org.hftfw.sidecar.sync;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The training run of the fast client's AOT cache (JEP 483/514): {@code bin/hftfw} runs it once with
 * {@code -XX:AOTCacheOutput} and the client's JVM options (with C1: the JVM makes no cache in -Xint mode), and every
 * later {@link FastClient} start maps the classes and linked call sites it recorded instead of loading them. It goes through each fast command's path —
 * arguments, the config file lookup, a request and a reply on a real UNIX socket — against a minimal in-process
 * server rather than {@link ControlServer}, whose logging classes would be cached and loaded at every client start.
 */
final class ClientTraining {
    private ClientTraining() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("hftfw-aot-training");
        Path socket = dir.resolve("sync.ctl");
        Path config = Files.writeString(dir.resolve("hftfw.conf"), "# training\nsync { local-address = \"10.0.0.1\", "
                + "peer-address = \"10.0.0.2\" }\ncontrol.socket = \"sync.ctl\"\nmetrics { enabled = false }\n");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            String[][] commands = {
                {"commit"}, {"sync", "stats"}, {"migrate", "now", "--why", "training"}, {"policy", "status"},
                {"policy", "manual", "recover"}, {"sync", "resync"},
            };
            Thread answer = Thread.ofPlatform().start(() -> answer(server, commands.length * 2 + 1));
            PrintWriter sink = new PrintWriter(Writer.nullWriter());
            for (String[] c : commands) {
                for (String[] args2 : new String[][] {append(c, "-C", config.toString()), append(c, "--socket",
                        socket.toString())}) {
                    FastClient.Request r = FastClient.parse(args2);
                    if (r == null || FastClient.socket(r) == null) {
                        throw new IllegalStateException("the fast client does not take " + String.join(" ", args2));
                    }
                    if (ControlClient.call(FastClient.socket(r), r.line(), sink, sink) != 0) {
                        throw new IllegalStateException("training request failed: " + r.line());
                    }
                }
            }
            // --conntrackd-conf: the socket from a daemon's record, as FastClient.socket follows it
            Path records = Files.createDirectories(dir.resolve("by-config"));
            Path link = Files.createSymbolicLink(records.resolve(ControlSocketRecords.name(config.toRealPath())),
                    socket);
            FastClient.Request r = FastClient.parse("commit", "--conntrackd-conf", config.toString());
            Path recorded = ControlSocketRecords.recorded(records, config);
            if (r == null || recorded == null
                    || ControlClient.call(recorded, r.line(), sink, sink, r.fromRecord()) != 0) {
                throw new IllegalStateException("training request through a record failed");
            }
            Files.delete(link);
            Files.delete(records);
            answer.join();
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(config);
            Files.deleteIfExists(dir);
        }
        // the client ends through System.exit, whose exit logging loads classes of its own: record them too
        System.exit(0);
    }

    private static String[] append(String[] c, String... more) {
        String[] a = java.util.Arrays.copyOf(c, c.length + more.length);
        System.arraycopy(more, 0, a, c.length, more.length);
        return a;
    }

    /** Answers {@code n} requests with {@code OK} and a line of text. */
    private static void answer(ServerSocketChannel server, int n) {
        try {
            for (int k = 0; k < n; k++) {
                try (SocketChannel c = server.accept()) {
                    String request = ControlProtocol.read(c) instanceof ControlProtocol.Request.Line(String text) ? text
                            : "a malformed request";
                    ByteBuffer b = ByteBuffer.wrap(ControlProtocol.encode(org.hftfw.sync.Reply.ok("did " + request))
                            .getBytes(StandardCharsets.UTF_8));
                    while (b.hasRemaining()) {
                        c.write(b);
                    }
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
