package org.hftfw.models.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client side of the trace lab: plays a {@link FlowPlan} against a {@link TrafficServer}, binding each
 * flow to its client's lab address so that the firewall's delay line can give every client its own RTT.
 * Bounded: the plan's size, plus a hard deadline after which the process exits.
 *
 * <p>Usage: {@code TrafficClient <server> <client-address-prefix> <clients> <seed> <count> <flows-per-second>
 * <max-seconds>}; client i binds {@code prefix + (10 + i)}. Prints one summary line per service at the end.
 */
public final class TrafficClient {
    private final InetAddress server;
    private final InetAddress[] clients;
    private final Map<Service, AtomicInteger> done = new EnumMap<>(Service.class);
    private final Map<Service, AtomicInteger> failed = new EnumMap<>(Service.class);

    TrafficClient(InetAddress server, InetAddress[] clients) {
        this.server = server;
        this.clients = clients;
        for (Service s : Service.values()) {
            done.put(s, new AtomicInteger());
            failed.put(s, new AtomicInteger());
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 7) {
            System.err.println("usage: TrafficClient <server> <client-prefix> <clients> <seed> <count> <flows/s> <max-seconds>");
            System.exit(2);
        }
        int n = Integer.parseInt(args[2]);
        InetAddress[] clients = new InetAddress[n];
        for (int i = 0; i < n; i++) {
            clients[i] = InetAddress.getByName(args[1] + (10 + i));
        }
        long maxMillis = Long.parseLong(args[6]) * 1000;
        FlowPlan plan = FlowPlan.generate(Long.parseLong(args[3]), Integer.parseInt(args[4]),
                Double.parseDouble(args[5]), maxMillis, n, Map.of());
        TrafficClient client = new TrafficClient(InetAddress.getByName(args[0]), clients);
        client.play(plan, maxMillis);
        client.printSummary();
        System.exit(0);
    }

    void play(FlowPlan plan, long maxMillis) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(256, r -> {
            Thread t = new Thread(r, "lab-client");
            t.setDaemon(true);
            return t;
        });
        long t0 = System.nanoTime();
        for (FlowPlan.Flow f : plan.flows()) {
            long wait = f.startMillis() - (System.nanoTime() - t0) / 1_000_000;
            if (wait > 0) {
                Thread.sleep(wait);
            }
            pool.execute(() -> run(f));
        }
        pool.shutdown();
        long left = maxMillis - (System.nanoTime() - t0) / 1_000_000;
        if (!pool.awaitTermination(Math.max(1, left), TimeUnit.MILLISECONDS)) {
            pool.shutdownNow();
        }
    }

    void printSummary() {
        for (Service s : Service.values()) {
            System.out.println(s.name().toLowerCase(Locale.ROOT) + " done=" + done.get(s) + " failed=" + failed.get(s));
        }
    }

    private void run(FlowPlan.Flow f) {
        InetAddress local = clients[f.client()];
        SplittableRandom think = new SplittableRandom(f.thinkSeed());
        try {
            switch (f.service()) {
                case DNS -> dns(local, f.size());
                case FTP -> ftp(local, f.size());
                default -> {
                    try (Socket s = connect(local, f.service().port)) {
                        BufferedReader in = reader(s);
                        OutputStream out = s.getOutputStream();
                        switch (f.service()) {
                            case HTTP -> http(s, out, f.size());
                            case SSH -> ssh(in, out, f.durationMillis(), think);
                            case POP3 -> mail(in, out, f.size(), think, false);
                            case IMAP -> mail(in, out, f.size(), think, true);
                            default -> throw new IllegalStateException();
                        }
                    }
                }
            }
            done.get(f.service()).incrementAndGet();
        } catch (IOException | InterruptedException e) {
            failed.get(f.service()).incrementAndGet();
        }
    }

    private Socket connect(InetAddress local, int port) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(20_000);
        s.bind(new InetSocketAddress(local, 0));
        s.connect(new InetSocketAddress(server, port), 10_000);
        return s;
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    private static void http(Socket s, OutputStream out, int size) throws IOException {
        send(out, "GET /" + size + " HTTP/1.0\r\nHost: lab\r\n\r\n");
        drain(s.getInputStream());                            // until the server closes
    }

    private static void ssh(BufferedReader in, OutputStream out, long durationMillis, SplittableRandom think)
            throws IOException, InterruptedException {
        in.readLine();                                         // banner
        long end = System.nanoTime() + durationMillis * 1_000_000;
        while (System.nanoTime() < end) {
            Thread.sleep(200 + think.nextLong(2_300));         // a keystroke burst every 0.2–2.5 s
            send(out, "ls -l\r\n");
            in.readLine();
        }
    }

    private static void mail(BufferedReader in, OutputStream out, int commands, SplittableRandom think,
                             boolean imap) throws IOException, InterruptedException {
        in.readLine();                                         // greeting
        String[] pop = {"USER lab", "PASS lab", "STAT", "LIST", "UIDL", "NOOP"};
        String[] imp = {"a1 LOGIN lab lab", "a2 SELECT INBOX", "a3 FETCH 1:* FLAGS", "a4 NOOP", "a5 NOOP", "a6 NOOP"};
        for (int i = 0; i < commands; i++) {
            Thread.sleep(5 + think.nextLong(60));
            String command = imap ? imp[i] : pop[i];
            send(out, command + "\r\n");
            if (imap) {
                readUntil(in, command.substring(0, 2) + " ");   // untagged lines, then the tagged reply
            } else if (command.equals("LIST")) {
                readUntil(in, ".");                             // multi-line reply ends with a lone dot
            } else {
                in.readLine();
            }
        }
        send(out, imap ? "a9 LOGOUT\r\n" : "QUIT\r\n");
        while (in.readLine() != null) {
            // the server closes
        }
    }

    private static void readUntil(BufferedReader in, String prefix) throws IOException {
        String line;
        while ((line = in.readLine()) != null && !line.startsWith(prefix)) {
            // skip
        }
    }

    private void ftp(InetAddress local, int size) throws IOException {
        try (Socket c = connect(local, Service.FTP.port)) {
            BufferedReader in = reader(c);
            OutputStream out = c.getOutputStream();
            in.readLine();
            send(out, "USER anonymous\r\n");
            in.readLine();
            send(out, "PASV\r\n");
            String pasv = in.readLine();
            String[] p = pasv.substring(pasv.indexOf('(') + 1, pasv.indexOf(')')).split(",", -1);
            int port = Integer.parseInt(p[4]) * 256 + Integer.parseInt(p[5]);
            send(out, "RETR " + size + "\r\n");
            try (Socket d = new Socket()) {
                d.setSoTimeout(20_000);
                d.bind(new InetSocketAddress(local, 0));
                d.connect(new InetSocketAddress(server, port), 10_000);
                in.readLine();                                 // 150
                drain(d.getInputStream());
            }
            in.readLine();                                     // 226
            send(out, "QUIT\r\n");
            in.readLine();
        }
    }

    private void dns(InetAddress local, int size) throws IOException {
        try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(local, 0))) {
            u.setSoTimeout(3_000);
            byte[] q = new byte[size];
            u.send(new DatagramPacket(q, q.length, new InetSocketAddress(server, Service.DNS.port)));
            u.receive(new DatagramPacket(new byte[512], 512));
        }
    }

    private static void send(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[16384];
        while (in.read(buf) >= 0) {
            // discard
        }
    }
}
