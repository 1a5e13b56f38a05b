package org.hftfw.dist;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * Long-lived TCP connections through the deploy lab's firewall pair: an echo server in the server namespace and
 * {@code n} clients in the client namespace, each sending a numbered line every interval and waiting for its echo
 * (ping-pong on its own virtual thread). A connection whose packets a firewall drops as INVALID never echoes again;
 * one that survived a takeover has echoed a line sent after it.
 */
final class EchoFlows implements AutoCloseable {
    private final ServerSocketChannel listener;
    private final Set<SocketChannel> served = ConcurrentHashMap.newKeySet();
    private final List<Flow> flows = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final long intervalNanos;
    private volatile boolean closing;

    private static final class Flow {
        final SocketChannel channel;
        /** When the line whose echo came back last was sent (System.nanoTime). */
        volatile long lastEchoedSend;
        volatile boolean broken;

        Flow(SocketChannel channel) {
            this.channel = channel;
        }
    }

    EchoFlows(NetnsLab.Netns server, String serverAddress, int port, NetnsLab.Netns client, int n,
              long intervalMillis) {
        intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        listener = server.call(() -> {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.bind(new InetSocketAddress(serverAddress, port));
            return s;
        });
        threads.add(Thread.ofVirtual().name("deploy-echo-accept").start(this::accept));
        List<SocketChannel> channels = client.call(() -> {
            List<SocketChannel> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SocketChannel c = SocketChannel.open();
                out.add(c);
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                c.connect(new InetSocketAddress(serverAddress, port));
            }
            return out;
        });
        for (SocketChannel c : channels) {
            Flow f = new Flow(c);
            flows.add(f);
            threads.add(Thread.ofVirtual().name("deploy-flow").start(() -> ping(f)));
        }
    }

    private void accept() {
        while (listener.isOpen()) {
            try {
                SocketChannel c = listener.accept();
                served.add(c);
                Thread.ofVirtual().start(() -> echo(c));
            } catch (IOException e) {
                if (!listener.isOpen()) {
                    return;
                }
            }
        }
    }

    private void echo(SocketChannel c) {
        ByteBuffer buf = ByteBuffer.allocate(256);
        try (c) {
            while (c.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    c.write(buf);
                }
                buf.clear();
            }
        } catch (IOException e) {
            // the client went away or the lab is closing
        } finally {
            served.remove(c);
        }
    }

    private void ping(Flow f) {
        ByteBuffer in = ByteBuffer.allocate(256);
        try {
            for (long seq = 0; !closing; seq++) {
                long sent = System.nanoTime();
                ByteBuffer out = ByteBuffer.wrap((seq + "\n").getBytes(StandardCharsets.US_ASCII));
                while (out.hasRemaining()) {
                    f.channel.write(out);
                }
                in.clear();
                do {
                    if (f.channel.read(in) < 0) {
                        throw new IOException("closed by the server");
                    }
                } while (in.position() == 0 || in.get(in.position() - 1) != '\n');
                f.lastEchoedSend = sent;
                LockSupport.parkNanos(sent + intervalNanos - System.nanoTime());
            }
        } catch (IOException e) {
            f.broken = !closing;
        }
    }

    /** How many connections have echoed a line sent after {@code nanos} (System.nanoTime) and are not broken. */
    int echoedAfter(long nanos) {
        return (int) flows.stream().filter(f -> !f.broken && f.lastEchoedSend > nanos).count();
    }

    @Override
    public void close() {
        closing = true;
        for (Flow f : flows) {
            closeQuietly(f.channel);
        }
        closeQuietly(listener);
        served.forEach(EchoFlows::closeQuietly);
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(java.nio.channels.Channel c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing the rest anyway
        }
    }
}
