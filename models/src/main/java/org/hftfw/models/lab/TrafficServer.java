package org.hftfw.models.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * The server side of the trace lab: one listener per {@link Service} on a lab address inside the server
 * namespace. Each connection is served on its own platform thread (bounded by a semaphore); the process
 * exits after {@code maxSeconds} so it can never outlive a lab run.
 *
 * <p>Usage: {@code TrafficServer <bind-address> <max-seconds>}
 */
public final class TrafficServer {
    static final int MAX_CONNECTIONS = 512;
    static final int FTP_DATA_PORT_BASE = 30000;

    private final InetAddress bind;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "lab-server");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final List<AutoCloseable> listeners = new ArrayList<>();

    TrafficServer(InetAddress bind) {
        this.bind = bind;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: TrafficServer <bind-address> <max-seconds>");
            System.exit(2);
        }
        TrafficServer server = new TrafficServer(InetAddress.getByName(args[0]));
        server.start();
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.parseLong(args[1]) * 1000);
        server.stop();
        System.exit(0);
    }

    void start() throws IOException {
        for (Service s : Service.values()) {
            if (s == Service.DNS) {
                DatagramSocket udp = new DatagramSocket(new InetSocketAddress(bind, s.port));
                listeners.add(udp);
                pool.execute(() -> serveDns(udp));
            } else {
                ServerSocket ss = new ServerSocket();
                ss.setReuseAddress(true);
                ss.bind(new InetSocketAddress(bind, s.port), 256);
                listeners.add(ss);
                pool.execute(() -> accept(ss, s));
            }
        }
    }

    void stop() {
        for (AutoCloseable c : listeners) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing on exit
            }
        }
        pool.shutdownNow();
    }

    private void accept(ServerSocket ss, Service s) {
        while (!ss.isClosed()) {
            try {
                Socket c = ss.accept();
                if (!slots.tryAcquire()) {
                    c.close();
                    continue;
                }
                pool.execute(() -> {
                    try (c) {
                        c.setTcpNoDelay(true);
                        serve(c, s);
                    } catch (IOException ignored) {
                        // the client went away: nothing to do in a lab server
                    } finally {
                        slots.release();
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket c, Service s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = c.getOutputStream();
        switch (s) {
            case HTTP -> {
                String request = in.readLine();                 // GET /<size> HTTP/1.0
                String line;
                while ((line = in.readLine()) != null && !line.isEmpty()) {
                    // headers are ignored
                }
                int size = request == null ? 0 : parseSize(request.split(" ", -1)[1].substring(1));
                write(out, "HTTP/1.0 200 OK\r\nContent-Length: " + size + "\r\n\r\n");
                writeBytes(out, size);
                // returning closes the socket: the server closes first, as HTTP/1.0 servers do
            }
            case SSH -> {
                write(out, "SSH-2.0-lab\r\n");
                String line;
                while ((line = in.readLine()) != null) {          // echo keystrokes until the client leaves
                    write(out, line + "\r\n");
                }
            }
            case POP3 -> {
                write(out, "+OK lab POP3 ready\r\n");
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("QUIT")) {
                        write(out, "+OK bye\r\n");
                        return;
                    }
                    write(out, line.startsWith("LIST") ? "+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n" : "+OK\r\n");
                }
            }
            case IMAP -> {
                write(out, "* OK lab IMAP ready\r\n");
                String line;
                while ((line = in.readLine()) != null) {
                    String tag = line.split(" ", 2)[0];
                    if (line.contains("LOGOUT")) {
                        write(out, "* BYE\r\n" + tag + " OK LOGOUT completed\r\n");
                        return;
                    }
                    write(out, (line.contains("SELECT") ? "* 3 EXISTS\r\n" : "") + tag + " OK done\r\n");
                }
            }
            case FTP -> serveFtp(in, out);
            case DNS -> throw new IllegalStateException("DNS is UDP");
        }
    }

    private void serveFtp(BufferedReader in, OutputStream out) throws IOException {
        write(out, "220 lab FTP\r\n");
        ServerSocket data = null;
        try {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("PASV")) {
                    data = new ServerSocket();
                    data.setReuseAddress(true);
                    data.bind(new InetSocketAddress(bind, 0), 1);
                    int p = data.getLocalPort();
                    byte[] a = bind.getAddress();
                    write(out, "227 Entering Passive Mode (" + (a[0] & 255) + "," + (a[1] & 255) + "," + (a[2] & 255)
                            + "," + (a[3] & 255) + "," + (p >> 8) + "," + (p & 255) + ")\r\n");
                } else if (line.startsWith("RETR") && data != null) {
                    write(out, "150 sending\r\n");
                    data.setSoTimeout(10_000);
                    try (Socket d = data.accept()) {
                        writeBytes(d.getOutputStream(), parseSize(line.substring(5).trim()));
                    }
                    data.close();
                    data = null;
                    write(out, "226 done\r\n");
                } else if (line.startsWith("QUIT")) {
                    write(out, "221 bye\r\n");
                    return;
                } else {
                    write(out, "230 ok\r\n");
                }
            }
        } finally {
            if (data != null) {
                data.close();
            }
        }
    }

    private void serveDns(DatagramSocket udp) {
        byte[] buf = new byte[512];
        while (!udp.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                udp.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static int parseSize(String s) {
        try {
            return Math.max(0, Math.min(Integer.parseInt(s), 64 << 20));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void writeBytes(OutputStream out, int n) throws IOException {
        byte[] chunk = new byte[8192];
        for (int left = n; left > 0; left -= chunk.length) {
            out.write(chunk, 0, Math.min(left, chunk.length));
        }
        out.flush();
    }
}
