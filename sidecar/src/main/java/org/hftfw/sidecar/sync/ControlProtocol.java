package org.hftfw.sidecar.sync;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.hftfw.sync.Reply;

/**
 * The control socket's protocols. hftfw's text protocol: one command word and its arguments on one line
 * ({@code commit}, {@code stats}, {@code flush}, {@code resync}, {@code bulk}; their meaning is the node's
 * {@link org.hftfw.sync.NodeCommands}); the reply is {@code OK} or {@code ERROR} on the first line, then free text up
 * to the end of the stream. conntrackd's binary protocol on the same socket: a request number in, the answer's text
 * out (see {@link org.hftfw.sync.ConntrackdControl}).
 */
final class ControlProtocol {
    static final int MAX_REQUEST = 256;
    static final int MAX_REPLY = 4 << 20;

    private ControlProtocol() {}

    /** A reply on the wire: {@code OK} or {@code ERROR}, a newline, the text ending in a newline. */
    static String encode(Reply r) {
        String text = r.text();
        return (r.ok() ? "OK" : "ERROR") + "\n" + text + (text.endsWith("\n") || text.isEmpty() ? "" : "\n");
    }

    static Reply decode(String s) {
        int nl = s.indexOf('\n');
        String head = nl < 0 ? s : s.substring(0, nl);
        String body = nl < 0 ? "" : s.substring(nl + 1);
        return switch (head) {
            case "OK" -> Reply.ok(body);
            case "ERROR" -> Reply.error(body);
            // e.g. a stock conntrackd on the socket, which answers a text line with nothing
            default -> Reply.error("the daemon sent a malformed reply: " + head + "\n");
        };
    }

    /** What a client sent: a command line, a conntrackd client's request number, or nothing usable. */
    sealed interface Request {
        /** An hftfw command line. */
        record Line(String text) implements Request {}

        /** conntrackd's binary request: one native-endian int (conntrack-tools src/local.c do_local_request). */
        record Conntrackd(int code) implements Request {}

        /** Too long, not UTF-8 text, or the peer closed before a full request. */
        record Malformed() implements Request {}
    }

    /**
     * Reads one request. A request whose first byte is below 'A' is conntrackd's: its client sends the request
     * number as a 4-byte little-endian int (0..48 on x86 and arm64), never a newline, and waits for the answer, so
     * it is recognised by its first byte and read as 4 bytes; every hftfw command starts with a letter.
     */
    static Request read(SocketChannel c) throws IOException {
        ByteBuffer b = newRequestBuffer();
        while (true) {
            boolean eof = c.read(b) < 0;
            Request r = parse(b, eof);
            if (r != null) {
                return r;
            }
        }
    }

    /** A buffer for one request's bytes, for {@link #parse}. */
    static ByteBuffer newRequestBuffer() {
        return ByteBuffer.allocate(MAX_REQUEST + 1);
    }

    /**
     * The request in the bytes read so far into {@code b} (from its start to its position), or null while it is
     * incomplete and more may come; {@code eof}: the client sent all it will.
     */
    static Request parse(ByteBuffer b, boolean eof) {
        if (b.position() == 0) {
            return eof ? new Request.Malformed() : null;
        }
        if ((b.get(0) & 0xff) < 'A') {
            if (b.position() >= 4) {
                return b.position() == 4 ? new Request.Conntrackd(b.order(ByteOrder.LITTLE_ENDIAN).getInt(0))
                        : new Request.Malformed();
            }
            return eof ? new Request.Malformed() : null;
        }
        int nl = indexOfNewline(b);
        if (nl >= 0) {
            byte[] bytes = new byte[nl];
            b.get(0, bytes);
            String line = new String(bytes, StandardCharsets.UTF_8).strip();
            return line.isEmpty() || line.chars().anyMatch(ch -> ch < 0x20 && ch != '\t') ? new Request.Malformed()
                    : new Request.Line(line);
        }
        return eof || !b.hasRemaining() ? new Request.Malformed() : null;
    }

    private static int indexOfNewline(ByteBuffer b) {
        for (int i = 0; i < b.position(); i++) {
            if (b.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    static String readAll(SocketChannel c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        while (c.read(b) >= 0) {
            out.write(b.array(), 0, b.position());
            b.clear();
            if (out.size() > MAX_REPLY) {
                throw new IOException("reply larger than " + MAX_REPLY + " bytes");
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
