package org.hftfw.failover;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * The server side of the lab's traffic, inside the server namespace: a TCP echo server on {@link Topology#ECHO_PORT}
 * (long-lived flows) and {@link Topology#SHORT_PORT} (short connections) that sends every line back, and closes a
 * connection after echoing a line that starts with {@code q} (the short connections: the server closes first, so the
 * client's ports are free again at once). One virtual thread per connection.
 */
final class EchoServer implements AutoCloseable {
    private final List<ServerSocketChannel> listeners;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final List<Thread> acceptors;

    EchoServer(NetnsLab.Netns server) {
        listeners = server.call(() -> {
            List<ServerSocketChannel> out = new ArrayList<>();
            for (int port : new int[] {Topology.ECHO_PORT, Topology.SHORT_PORT}) {
                ServerSocketChannel s = ServerSocketChannel.open();
                out.add(s);
                s.bind(new InetSocketAddress(Topology.SERVER, port), 4096);
            }
            return out;
        });
        acceptors = listeners.stream().map(l -> Thread.ofVirtual().name("hfo-echo-accept").start(() -> accept(l)))
                .toList();
    }

    private void accept(ServerSocketChannel listener) {
        while (listener.isOpen()) {
            try {
                SocketChannel c = listener.accept();
                open.add(c);
                Thread.ofVirtual().start(() -> serve(c));
            } catch (IOException e) {
                if (!listener.isOpen()) {
                    return;
                }
            }
        }
    }

    private void serve(SocketChannel c) {
        ByteBuffer in = ByteBuffer.allocate(4096);
        try (c) {
            while (true) {
                if (c.read(in) < 0) {
                    return;
                }
                in.flip();
                int lineStart = 0;
                boolean quit = false;
                for (int i = 0; i < in.limit(); i++) {
                    if (in.get(i) == '\n') {
                        quit |= in.get(lineStart) == 'q';
                        lineStart = i + 1;
                    }
                }
                // echo every complete line at once; keep a partial line for the next read
                ByteBuffer out = in.duplicate();
                out.limit(lineStart);
                while (out.hasRemaining()) {
                    c.write(out);
                }
                in.position(lineStart);
                in.compact();
                if (quit) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away (or the lab is closing): nothing left to echo
        } finally {
            open.remove(c);
        }
    }

    @Override
    public void close() {
        for (ServerSocketChannel l : listeners) {
            try {
                l.close();
            } catch (IOException e) {
                // closing the rest anyway
            }
        }
        for (SocketChannel c : open) {
            try {
                c.close();
            } catch (IOException e) {
                // closing the rest anyway
            }
        }
        for (Thread t : acceptors) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
