package org.hftfw.conntrack.lab;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Long-lived TCP flows from a client namespace through a firewall (pair) to an {@link EchoServer}. Each flow is a ping-pong on its
 * own virtual thread: send a numbered line, wait for its echo, send the next one an interval after the previous
 * (starts are spread over one interval). So a flow's longest gap between two echoes is its stall (an interval is
 * none), and a flow whose packets are dropped as INVALID after a takeover never echoes again. Used by the failover
 * bench and the deploy-guide lab.
 */
public final class EchoFlows implements AutoCloseable {
    /** A flow that echoed within this long (or two intervals) before the fault counts as established. */
    private static final long ESTABLISHED_WITHIN_NANOS = 2_000_000_000L;
    private final List<Flow> flows;
    private final List<Thread> threads = new ArrayList<>();
    private final long intervalNanos;
    private volatile long gapsFrom = Long.MAX_VALUE;
    private volatile boolean stopping;

    /** One flow's progress, written by its thread, read by the lab. */
    private static final class Flow {
        final SocketChannel channel;
        volatile long lastEcho;
        /** When the line whose echo came back last was sent. */
        volatile long lastEchoedSend;
        volatile long longestGap;
        volatile boolean broken;
        /** Open and echoing when the fault came. */
        boolean established;

        Flow(SocketChannel channel) {
            this.channel = channel;
        }
    }

    /** What the flows did around a takeover at {@code takeoverNanos}. */
    public record Summary(int established, int survived, long longestStallNanos) {}

    /** Opens {@code n} connections from inside {@code client} to {@code address}:{@code port} and starts their ping-pong. */
    public EchoFlows(NetnsLab.Netns client, String address, int port, int n, long intervalMillis) {
        intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        List<SocketChannel> channels = client.call(() -> {
            List<SocketChannel> out = new ArrayList<>(n);
            try {
                for (int i = 0; i < n; i++) {
                    SocketChannel c = SocketChannel.open();
                    out.add(c);
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    c.connect(new InetSocketAddress(address, port));
                }
            } catch (IOException e) {
                closeAll(out);
                throw new IllegalStateException("cannot open long-lived flow " + out.size() + " of " + n, e);
            }
            return out;
        });
        flows = channels.stream().map(Flow::new).toList();
        for (Flow f : flows) {
            threads.add(Thread.ofVirtual().name("hfo-flow").start(() -> run(f)));
        }
    }

    private void run(Flow f) {
        ByteBuffer in = ByteBuffer.allocate(256);
        long nextSend = System.nanoTime() + ThreadLocalRandom.current().nextLong(intervalNanos);
        f.lastEcho = System.nanoTime();
        try {
            for (long seq = 0; !stopping; seq++) {
                LockSupport.parkNanos(nextSend - System.nanoTime());
                long sent = System.nanoTime();
                ByteBuffer out = ByteBuffer.wrap((seq + "\n").getBytes(StandardCharsets.US_ASCII));
                while (out.hasRemaining()) {
                    f.channel.write(out);
                }
                readLine(f.channel, in);
                long now = System.nanoTime();
                if (now > gapsFrom && now - f.lastEcho > f.longestGap) {
                    f.longestGap = now - f.lastEcho;
                }
                f.lastEcho = now;
                f.lastEchoedSend = sent;
                nextSend = Math.max(sent + intervalNanos, now);
            }
        } catch (IOException e) {
            f.broken = !stopping;
        }
    }

    private static void readLine(SocketChannel c, ByteBuffer in) throws IOException {
        in.clear();
        while (true) {
            if (c.read(in) < 0) {
                throw new IOException("the server closed the flow");
            }
            if (in.position() > 0 && in.get(in.position() - 1) == '\n') {
                return;
            }
            if (!in.hasRemaining()) {
                throw new IOException("echo line too long");
            }
        }
    }

    public int size() {
        return flows.size();
    }

    /**
     * The fault comes at {@code nanos}: the flows open and echoing within the last 2 s are the established
     * ones (returned), and gaps between echoes count as stalls from here on.
     */
    public int fault(long nanos) {
        int n = 0;
        for (Flow f : flows) {
            f.established = !f.broken && f.lastEchoedSend != 0 && nanos - f.lastEcho < Math.max(ESTABLISHED_WITHIN_NANOS, 2 * intervalNanos);
            n += f.established ? 1 : 0;
        }
        gapsFrom = nanos;
        return n;
    }

    /** Whether every established flow still open has echoed a line sent after {@code nanos}. */
    public boolean allEchoedAfter(long nanos) {
        return flows.stream().allMatch(f -> !f.established || f.broken || f.lastEchoedSend > nanos);
    }

    /** How many flows, established at the fault or not, are open and have echoed a line sent after {@code nanos}. */
    public int echoedAfter(long nanos) {
        return (int) flows.stream().filter(f -> !f.broken && f.lastEchoedSend > nanos).count();
    }

    /**
     * An established flow survived if it echoed a line sent after {@code takeoverNanos} (the VIPs on the new
     * master); the stall is the longest gap between echoes since the {@link #fault}, over the surviving flows.
     */
    public Summary summary(int established, long takeoverNanos) {
        int survived = 0;
        long stall = 0;
        for (Flow f : flows) {
            if (f.established && !f.broken && f.lastEchoedSend > takeoverNanos) {
                survived++;
                stall = Math.max(stall, f.longestGap);
            }
        }
        return new Summary(established, survived, stall);
    }

    @Override
    public void close() {
        stopping = true;
        closeAll(flows.stream().map(f -> f.channel).toList());
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeAll(List<SocketChannel> channels) {
        channels.forEach(EchoServer::closeQuietly);
    }
}
