package org.hftfw.failover;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The hFT-FW daemon's control socket as the lab uses it: one command line out, the whole reply back ({@code OK} or
 * {@code ERROR} on the first line; the sidecar's ControlProtocol). A pathname UNIX socket is reachable from any
 * network namespace, so the lab talks to the daemons inside the firewall namespaces from where it runs.
 */
public final class Control {
    private static final int MAX_REPLY = 4 << 20;

    private Control() {}

    /** Sends {@code command}; returns the reply's text, or throws with the daemon's error. */
    static String send(Path socket, String command) throws IOException {
        String reply = exchange(socket, command);
        if (!reply.startsWith("OK\n")) {
            throw new IOException("'" + command + "' on " + socket + ": " + reply.strip());
        }
        return reply.substring(3);
    }

    /**
     * One request line and the whole reply, its {@code OK}/{@code ERROR} line included (the benches' daemons, the
     * soak's); throws when nobody answers or the reply is larger than a control reply can be.
     */
    public static String exchange(Path socket, String command) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            c.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.UTF_8)));
            c.shutdownOutput();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            while (c.read(b) >= 0) {
                out.write(b.array(), 0, b.position());
                b.clear();
                if (out.size() > MAX_REPLY) {
                    throw new IOException("reply to '" + command + "' larger than " + MAX_REPLY + " bytes");
                }
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
