package org.hftfw.sidecar.sync;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.hftfw.sync.ConntrackdControl;
import org.hftfw.sync.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's control socket: a UNIX stream socket at a path (conntrackd's {@code UNIX { Path }}), mode 0600. One
 * request per connection, read within 5 s: a command line of at most {@link ControlProtocol#MAX_REQUEST} bytes,
 * answered by a status line ({@code OK} or {@code ERROR}) and a text body, or a conntrackd client's 4-byte request,
 * answered as conntrackd answers it ({@link ConntrackdControl}); then the server closes. Requests are
 * handled one at a time, so a commit and a flush never interleave. A stale socket file (no daemon answers on it) is
 * replaced; a live one means another daemon runs, and starting fails. Anything at the path that is not a UNIX socket
 * (a regular file, a directory, a symbolic link) is never deleted: starting fails.
 */
final class ControlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    private static final long READ_DEADLINE_MILLIS = 5000;

    private final Path path;
    /** The socket file this server created ({@code st_dev}/{@code st_ino}): the only file close removes. */
    private final Object socketFile;
    private final ServerSocketChannel server;
    private final Function<String, Reply> handler;
    private final ConntrackdControl conntrackd;
    private final Selector selector;
    private final Thread thread;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel server, Function<String, Reply> handler,
                          ConntrackdControl conntrackd) throws IOException {
        this.path = path;
        this.socketFile = fileKey(path);
        this.server = server;
        this.selector = Selector.open();
        this.handler = handler;
        this.conntrackd = conntrackd;
        this.thread = Thread.ofPlatform().daemon(true).name("hftfw-control").unstarted(this::serve);
    }

    /** A server of hftfw's command lines only: a conntrackd client's request is refused. */
    static ControlServer start(Path path, Function<String, Reply> handler) throws IOException {
        return start(path, handler, null);
    }

    /**
     * A server of hftfw's command lines ({@code handler}) and of conntrackd's binary requests ({@code conntrackd};
     * null refuses them with a line the conntrackd client prints).
     */
    static ControlServer start(Path path, Function<String, Reply> handler, ConntrackdControl conntrackd)
            throws IOException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            refuseIfTaken(path);
            LOG.info("removing stale control socket {}", path);
            Files.delete(path);
        }
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(path), 16);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            s.close();
            throw new IOException("cannot listen on control socket " + path + ": " + e.getMessage(), e);
        }
        ControlServer cs;
        try {
            cs = new ControlServer(path, s, handler, conntrackd);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        cs.thread.start();
        LOG.info("control socket listening on {}", path);
        return cs;
    }

    /**
     * Refuses a control socket path that is not a socket, or one a running daemon answers on: the live control
     * socket is the daemon's lock (conntrackd's LockFile). The sync daemon asks before it opens anything, as a second
     * daemon started with the running one's config would otherwise write the running one's files first
     * ({@code control.resync-file}: keepalived would lower the live node's priority).
     */
    static void refuseIfTaken(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String kind = fileKind(path);
        if (!kind.equals("socket")) {
            throw new IOException("control.socket " + path + " exists and is a " + kind
                    + ", not a UNIX socket: refusing to replace it (remove it or choose another control.socket)");
        }
        if (ControlClient.answers(path)) {
            throw new IOException("another hftfw sync daemon is already running on control socket " + path);
        }
    }

    /** The identity (device and inode) of {@code path} itself, not followed if a link. */
    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /**
     * Removes the control socket if the file at the path is still the one this server created: another daemon
     * (conntrackd takes a path over by unlinking it, docs/conntrackd.md) or an operator may have put their own file
     * there since, and stopping must never delete it (issue 14 review G7).
     */
    private void removeSocketFile() {
        try {
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            String kind = fileKind(path);
            if (!kind.equals("socket") || !java.util.Objects.equals(fileKey(path), socketFile)) {
                LOG.warn("control socket {} was replaced by another {} while this daemon ran: left in place", path,
                        kind);
                return;
            }
            Files.delete(path);
        } catch (java.nio.file.NoSuchFileException e) {
            // removed by someone else meanwhile: nothing to do
        } catch (IOException e) {
            LOG.warn("cannot remove control socket {}: {}", path, e.getMessage());
        }
    }

    /** The file type of {@code path} itself (a symbolic link is not followed), from its {@code st_mode}. */
    private static String fileKind(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return switch (mode & 0170000) {
            case 0140000 -> "socket";
            case 0100000 -> "regular file";
            case 0040000 -> "directory";
            case 0120000 -> "symbolic link";
            case 0010000 -> "FIFO";
            default -> "special file";
        };
    }

    Path path() {
        return path;
    }

    long served() {
        return served.get();
    }

    long rejected() {
        return rejected.get();
    }

    /** Registers the request counters on {@code r} (both protocols; conntrackd's also have their own family). */
    void registerMetrics(org.hftfw.sync.MetricsRegistry r) {
        r.counter("hftfw_control_requests_total", "control socket requests answered with success (hftfw command "
                + "lines and conntrackd requests)", this::served);
        r.counter("hftfw_control_requests_refused_total", "control socket requests refused: malformed, unknown or "
                + "not allowed in the current state, failed, or a conntrackd request this daemon does not serve",
                this::rejected);
    }

    /** A client whose request is still being read, and when it is cut off. */
    private record Pending(ByteBuffer request, long deadlineNanos) {}

    /**
     * The accept loop and every client's read on this one thread, with a selector: a client that never finishes its
     * request holds no one up and is cut off at its deadline. A complete request is answered here too (requests are
     * answered one at a time anyway, see the class comment), in blocking mode. One thread where a virtual thread per
     * client cost up to three more (the carrier, the JDK's I/O poller and its timer), against the daemon's budget of
     * 16 (docs/daemon.md, "Footprint").
     */
    private void serve() {
        try {
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (!closed) {
                selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(untilNextDeadline())));
                List<Map.Entry<SocketChannel, ControlProtocol.Request>> complete = new ArrayList<>();
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid() && key.isAcceptable()) {
                        accept();
                    } else if (key.isValid() && key.isReadable()) {
                        ControlProtocol.Request r = readSome(key);
                        if (r != null) {
                            key.cancel();
                            complete.add(Map.entry((SocketChannel) key.channel(), r));
                        }
                    }
                }
                selector.selectedKeys().clear();
                cutOffLate();
                if (!complete.isEmpty()) {
                    selector.selectNow();                  // deregisters the cancelled keys: blocking mode allowed
                    for (var e : complete) {
                        answer(e.getKey(), e.getValue());
                    }
                }
            }
        } catch (IOException | java.nio.channels.ClosedSelectorException e) {
            if (!closed) {
                LOG.warn("control socket stopped: {}", e.getMessage());
            }
        }
    }

    private void accept() throws IOException {
        for (SocketChannel c = server.accept(); c != null; c = server.accept()) {
            c.configureBlocking(false);
            c.register(selector, SelectionKey.OP_READ, new Pending(ControlProtocol.newRequestBuffer(),
                    System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_DEADLINE_MILLIS)));
        }
    }

    /** Reads what the client sent; its request when complete, else null (a failed read closes the client). */
    private static ControlProtocol.Request readSome(SelectionKey key) {
        SocketChannel c = (SocketChannel) key.channel();
        ByteBuffer b = ((Pending) key.attachment()).request();
        try {
            int n = c.read(b);
            return ControlProtocol.parse(b, n < 0);
        } catch (IOException e) {
            LOG.debug("control client: {}", e.getMessage());
            closeQuietly(c);
            return null;
        }
    }

    /** Closes the clients whose request did not arrive in time. */
    private void cutOffLate() {
        long now = System.nanoTime();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Pending p && now - p.deadlineNanos() >= 0) {
                closeQuietly(key.channel());
            }
        }
    }

    private long untilNextDeadline() {
        long now = System.nanoTime();
        long next = TimeUnit.MILLISECONDS.toNanos(READ_DEADLINE_MILLIS);
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Pending p) {
                next = Math.min(next, p.deadlineNanos() - now);
            }
        }
        return next;
    }

    private void answer(SocketChannel channel, ControlProtocol.Request request) {
        try (SocketChannel c = channel) {
            c.configureBlocking(true);
            switch (request) {
                case ControlProtocol.Request.Conntrackd r -> handleConntrackd(c, r.code());
                case ControlProtocol.Request.Line l -> handle(c, l.text());
                case ControlProtocol.Request.Malformed m -> handle(c, null);
            }
        } catch (IOException e) {
            if (!closed) {
                LOG.debug("control client: {}", e.getMessage());
            }
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** One request at a time: a commit and a flush never interleave. */
    private synchronized void handle(SocketChannel c, String request) throws IOException {
        Reply reply;
        if (request == null) {
            rejected.incrementAndGet();
            reply = Reply.error("malformed request (one command line of at most "
                    + ControlProtocol.MAX_REQUEST + " bytes expected)");
        } else {
            try {
                reply = handler.apply(request);
                (reply.ok() ? served : rejected).incrementAndGet();   // unknown, not allowed now, or failed
            } catch (RuntimeException e) {
                rejected.incrementAndGet();
                LOG.warn("control command '{}' failed", request, e);
                reply = Reply.error(request + " failed: " + e.getMessage());
            }
        }
        ByteBuffer b = ByteBuffer.wrap(ControlProtocol.encode(reply).getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /** A conntrackd client's request: the answer's text (the client prints it), then the connection closes. */
    private synchronized void handleConntrackd(SocketChannel c, int code) throws IOException {
        ConntrackdControl.Answer a;
        if (conntrackd == null) {
            rejected.incrementAndGet();
            LOG.warn("control socket: a conntrackd client's request {} refused (this daemon does not serve "
                    + "conntrackd's protocol)", code);
            a = new ConntrackdControl.Answer(false, "hftfw: this control socket does not serve conntrackd "
                    + "requests\n", () -> { });
        } else {
            a = conntrackd.handle(code);
            (a.done() ? served : rejected).incrementAndGet();
        }
        // what follows the answer (-k: the stop) happens even when the client has gone before reading it
        try {
            ByteBuffer b = ByteBuffer.wrap(a.text().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                c.write(b);
            }
        } finally {
            c.close();
            a.after().run();
        }
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey key : selector.keys()) {               // the loop has ended: no one else uses them
            closeQuietly(key.channel());
        }
        closeQuietly(selector);
        closeQuietly(server);
        removeSocketFile();
    }
}
