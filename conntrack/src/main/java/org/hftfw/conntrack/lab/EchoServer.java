package org.hftfw.conntrack.lab;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server side of a lab's TCP traffic, inside a namespace: every line a client sends comes back, one virtual thread
 * per connection. {@link Ending} says when the server closes a connection; it always closes first in the short-lived
 * cases, so the client's ports are free again at once and the flow ends in the firewall as a real server's would. A
 * connection that sends nothing stays open until the client closes it (a server-side idle timeout once closed flows
 * under a test that ran longer on a busy machine). The lab tests, the failover bench and the deploy-guide lab all
 * use this one server.
 */
public final class EchoServer implements AutoCloseable {
    /** When the server closes a connection. */
    public enum Ending {
        /** After echoing a line that starts with {@code q} (long-lived flows and short connections on one server). */
        QUIT_LINE,
        /** After echoing the first line (one request, one answer, as an HTTP/1.0 server does). */
        FIRST_LINE,
        /** Never: only when the client closes. */
        CLIENT_CLOSES
    }

    private static final int BACKLOG = 4096;
    private final Ending ending;
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final List<Thread> acceptors = new ArrayList<>();

    /** Listens on {@code address} (e.g. {@code ::} for every address of both families) and {@code ports} in {@code ns}. */
    public EchoServer(NetnsLab.Netns ns, String address, Ending ending, int... ports) {
        this.ending = ending;
        try {
            for (int port : ports) {
                listeners.add(ns.call(() -> {
                    ServerSocketChannel s = ServerSocketChannel.open();
                    try {
                        s.bind(new InetSocketAddress(address, port), BACKLOG);
                    } catch (IOException | RuntimeException e) {
                        s.close();
                        throw e;
                    }
                    return s;
                }));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        for (ServerSocketChannel l : listeners) {
            acceptors.add(Thread.ofVirtual().name("lab-echo-accept").start(() -> accept(l)));
        }
    }

    private void accept(ServerSocketChannel listener) {
        while (listener.isOpen()) {
            try {
                SocketChannel c = listener.accept();
                open.add(c);
                Thread.ofVirtual().name("lab-echo").start(() -> serve(c));
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
            boolean ends = false;
            while (!ends) {
                if (c.read(in) < 0) {
                    return;
                }
                in.flip();
                int lineStart = 0;
                for (int i = 0; i < in.limit(); i++) {
                    if (in.get(i) == '\n') {
                        ends |= ending == Ending.FIRST_LINE || (ending == Ending.QUIT_LINE && in.get(lineStart) == 'q');
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
                if (!in.hasRemaining()) {
                    return;                                         // a line longer than the buffer: not an echo client
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
        listeners.forEach(EchoServer::closeQuietly);
        open.forEach(EchoServer::closeQuietly);
        for (Thread t : acceptors) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static void closeQuietly(Channel c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing the rest anyway
        }
    }
}
