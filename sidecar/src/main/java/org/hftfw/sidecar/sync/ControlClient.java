package org.hftfw.sidecar.sync;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hftfw.sync.Reply;

/** Sends one command to a running sync daemon over its control socket. */
final class ControlClient {
    private ControlClient() {}

    /** The daemon is not running (no socket, or nobody listens on it). */
    static final class NotRunningException extends IOException {
        NotRunningException(String message) {
            super(message);
        }
    }

    static Reply send(Path socket, String command) throws IOException {
        if (!Files.exists(socket)) {
            throw new NotRunningException("the sync daemon is not running (no control socket at " + socket
                    + "; start it with 'hftfw sync primary|backup|both --config FILE')");
        }
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                c.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new NotRunningException("the sync daemon is not running (nobody answers on control socket "
                        + socket + ": " + e.getMessage() + ")");
            }
            ByteBuffer b = ByteBuffer.wrap(command.concat("\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                c.write(b);
            }
            c.shutdownOutput();
            return ControlProtocol.decode(ControlProtocol.readAll(c));
        }
    }

    /**
     * Sends {@code command} and prints the reply as the client commands do: its text on {@code out} and exit code 0
     * when it is OK; {@code hftfw: } and the text on {@code err} and 1 when it is an error or the daemon is not
     * running.
     */
    static int call(Path socket, String command, PrintWriter out, PrintWriter err) {
        return call(socket, command, out, err, false);
    }

    /**
     * As {@link #call(Path, String, PrintWriter, PrintWriter)}; with {@code handOverIfNotRunning}, a daemon that is
     * not running is {@link FastClient#HAND_OVER} with no output instead (the socket came from a record that
     * outlived its daemon: the full command line reads the file).
     */
    static int call(Path socket, String command, PrintWriter out, PrintWriter err, boolean handOverIfNotRunning) {
        Reply reply;
        try {
            reply = send(socket, command);
        } catch (NotRunningException e) {
            return handOverIfNotRunning ? FastClient.HAND_OVER : failed(err, e);
        } catch (IOException e) {
            return failed(err, e);
        }
        if (reply.ok()) {
            out.print(reply.text());
            out.flush();
            return 0;
        }
        err.print("hftfw: ".concat(reply.text()));
        err.flush();
        return 1;
    }

    private static int failed(PrintWriter err, IOException e) {
        err.println("hftfw: ".concat(String.valueOf(e.getMessage())));
        err.flush();
        return 1;
    }

    /** True when a daemon accepts connections on {@code socket}. */
    static boolean answers(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
