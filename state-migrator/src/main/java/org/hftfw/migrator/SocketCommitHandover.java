package org.hftfw.migrator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The commit step through the backup daemon's control socket ({@code migration.commit-socket}): this daemon sends
 * {@code commit} there itself and reads the reply, so no hook process starts (the issue-10 migration spent 0.4-1 s of
 * its 1.3 s commit hook starting the {@code hftfw commit} JVM). The socket is the backup's own on the same host (a
 * lab), or a local socket that ssh forwards to the peer's ({@code ssh -L /run/hftfw/peer.ctl:/run/hftfw/sync.ctl
 * fw2}). The reply is the backup's commit summary ({@code OK committed N flows ...}); {@code ERROR} (a flow failed,
 * e.g. a full kernel table: {@code nf_conntrack_max}) fails the step with that summary and its counts. Demotion is
 * delegated.
 */
public final class SocketCommitHandover implements StateMigrator.Handover {
    private static final int MAX_REPLY = 1 << 20;

    private final Path socket;
    private final Duration timeout;
    private final StateMigrator.Handover demote;

    public SocketCommitHandover(Path socket, Duration timeout, StateMigrator.Handover demote) {
        this.socket = Objects.requireNonNull(socket);
        this.timeout = Objects.requireNonNull(timeout);
        this.demote = Objects.requireNonNull(demote);
    }

    @Override
    public void commitOnBackup() throws IOException, InterruptedException {
        String reply = ask("commit");
        if (!reply.startsWith("OK")) {
            throw new IOException("commit on the backup (" + socket + ") failed: " + summary(reply));
        }
    }

    /**
     * The reply's summary line ({@code committed N flows ...: C created, U updated, F failed}) with the first error,
     * and what ENOMEM from ctnetlink means: the backup's conntrack table is full.
     */
    static String summary(String reply) {
        List<String> lines = reply.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        List<String> text = lines.isEmpty() || !lines.getFirst().equals("ERROR") ? lines : lines.subList(1, lines.size());
        if (text.isEmpty()) {
            return "no reason given";
        }
        String s = text.getFirst() + (text.size() > 1 ? " (first error: " + text.get(1) + ")" : "");
        return reply.contains("errno 12") ? s + "; errno 12 (ENOMEM) is the backup's full conntrack table: raise "
                + "net.netfilter.nf_conntrack_max there" : s;
    }

    @Override
    public void demoteSelf() throws Exception {
        demote.demoteSelf();
    }

    /** Sends one request line and reads the reply to the end, within the timeout (the channel is closed on expiry). */
    private String ask(String request) throws IOException, InterruptedException {
        SocketChannel c;
        try {
            c = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new IOException("cannot reach the backup's control socket " + socket + ": " + e.getMessage(), e);
        }
        try (c) {
            FutureTask<String> exchange = new FutureTask<>(() -> {
                c.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteBuffer b = ByteBuffer.allocate(8192);
                while (c.read(b) >= 0 && out.size() <= MAX_REPLY) {
                    out.write(b.array(), 0, b.position());
                    b.clear();
                }
                return out.toString(StandardCharsets.UTF_8);
            });
            Thread.ofVirtual().name("hftfw-commit-socket").start(exchange);
            return await(exchange);
        }
    }

    private String await(Future<String> exchange) throws IOException, InterruptedException {
        try {
            return exchange.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the backup's control socket " + socket + " did not answer 'commit' within "
                    + timeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            throw new IOException("commit through " + socket + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}
