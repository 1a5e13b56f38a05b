package org.hftfw.failover;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * New short TCP connections at a steady rate from the client: connect, send {@code q}, read the echo and the
 * server's close. The sockets are created on a thread inside the client namespace (a socket keeps the namespace it
 * was made in); each connection then runs on a virtual thread. Bounded: at most {@code rate x seconds} connections,
 * for at most {@code seconds}, with at most {@link #MAX_IN_FLIGHT} open at once (beyond that a start is skipped and
 * counted, e.g. while the firewall pair has no master), and 3 s timeouts.
 */
final class ShortConnections implements AutoCloseable {
    static final int MAX_IN_FLIGHT = 2000;
    private static final int TIMEOUT_MILLIS = 3000;

    private final int rate;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong started = new AtomicLong();
    private final Thread pacer;
    private final long startNanos = System.nanoTime();
    private volatile long endNanos;
    private volatile boolean stopping;

    ShortConnections(NetnsLab.Netns client, int rate, int seconds) {
        this.rate = rate;
        long maxCount = (long) rate * seconds;
        long deadline = startNanos + seconds * 1_000_000_000L;
        pacer = Thread.ofPlatform().name("hfo-short-pacer").daemon(true).start(() -> {
            if (rate > 0) {
                client.call(() -> {
                    pace(maxCount, deadline);
                    return null;
                });
            }
            endNanos = System.nanoTime();
        });
    }

    private void pace(long maxCount, long deadline) {
        long period = 1_000_000_000L / rate;
        long next = System.nanoTime();
        while (!stopping && started.get() + skipped.get() < maxCount && System.nanoTime() < deadline) {
            if (inFlight.get() >= MAX_IN_FLIGHT) {
                skipped.incrementAndGet();
            } else {
                try {
                    SocketChannel c = SocketChannel.open();
                    inFlight.incrementAndGet();
                    started.incrementAndGet();
                    Thread.ofVirtual().start(() -> once(c));
                } catch (IOException e) {
                    failed.incrementAndGet();
                }
            }
            next += period;
            LockSupport.parkNanos(next - System.nanoTime());
        }
    }

    private void once(SocketChannel c) {
        try (c) {
            c.socket().connect(new InetSocketAddress(Topology.SERVER, Topology.SHORT_PORT), TIMEOUT_MILLIS);
            c.socket().setSoTimeout(TIMEOUT_MILLIS);
            ByteBuffer out = ByteBuffer.wrap("q\n".getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                c.write(out);
            }
            InputStream in = c.socket().getInputStream();
            byte[] buf = new byte[16];
            int got = 0;
            for (int n; (n = in.read(buf, got, buf.length - got)) > 0; ) {
                got += n;
            }
            if (got == 2 && buf[0] == 'q') {
                ok.incrementAndGet();
            } else {
                failed.incrementAndGet();
            }
        } catch (IOException e) {
            failed.incrementAndGet();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    FailoverLab.ShortCounts counts() {
        long end = endNanos == 0 ? System.nanoTime() : endNanos;
        return new FailoverLab.ShortCounts(started.get(), ok.get(), failed.get(), skipped.get(),
                started.get() / Math.max(1e-9, (end - startNanos) / 1e9));
    }

    @Override
    public void close() {
        stop();
    }

    /** Stops starting connections and waits (bounded) for the open ones to end. */
    void stop() {
        stopping = true;
        try {
            pacer.join(5000);
            long end = System.nanoTime() + 2L * TIMEOUT_MILLIS * 1_000_000L;
            while (inFlight.get() > 0 && System.nanoTime() < end) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
