package org.hftfw.conntrack.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * client -- fw -- server: three namespaces of a {@link NetnsLab}, IPv4 10.230.1.0/24 and 10.230.2.0/24, IPv6
 * fd00:230:1::/64 and fd00:230:2::/64, forwarding on in fw, and an nftables stateful ruleset in fw
 * ({@code ct state established,related accept; ct state new accept}, policy drop; TCP to port 8081 gets
 * {@code ct mark 42}; UDP to port 5354 is tracked in conntrack zone 7). Echo servers (Java sockets opened inside
 * the server namespace) answer TCP on 8080/8081 (one line, then close: {@link EchoServer}) and UDP on 5353/5354.
 */
public final class FirewallTopology implements AutoCloseable {
    public static final String CLIENT4 = "10.230.1.10";
    public static final String SERVER4 = "10.230.2.10";
    public static final String CLIENT6 = "fd00:230:1::10";
    public static final String SERVER6 = "fd00:230:2::10";

    static final String RULESET = """
            table inet hnl {
              chain pre {
                type filter hook prerouting priority raw; policy accept;
                udp dport 5354 ct zone set 7
                udp sport 5354 ct zone set 7
              }
              chain forward {
                type filter hook forward priority filter; policy drop;
                ct state established,related accept
                tcp dport 8081 ct mark set 42
                ct state new accept
              }
            }
            """;

    public final NetnsLab.Netns client;
    public final NetnsLab.Netns fw;
    public final NetnsLab.Netns server;
    private final List<AutoCloseable> servers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    /** Skips the calling test (before creating anything) when nft or sysctl is missing. */
    public FirewallTopology(NetnsLab lab) {
        LabAssumptions.assumeBinary("nft");
        LabAssumptions.assumeBinary("sysctl");
        client = lab.netns("cli");
        fw = lab.netns("fw");
        server = lab.netns("srv");
        lab.veth(client, "c0", fw, "f0");
        lab.veth(fw, "f1", server, "s0");
        client.addr("c0", CLIENT4 + "/24");
        client.addr("c0", CLIENT6 + "/64");
        fw.addr("f0", "10.230.1.1/24");
        fw.addr("f0", "fd00:230:1::1/64");
        fw.addr("f1", "10.230.2.1/24");
        fw.addr("f1", "fd00:230:2::1/64");
        server.addr("s0", SERVER4 + "/24");
        server.addr("s0", SERVER6 + "/64");
        client.ip("route", "add", "default", "via", "10.230.1.1");
        client.ip("-6", "route", "add", "default", "via", "fd00:230:1::1");
        server.ip("route", "add", "default", "via", "10.230.2.1");
        server.ip("-6", "route", "add", "default", "via", "fd00:230:2::1");
        fw.sysctl("net.ipv4.ip_forward", "1");
        fw.sysctl("net.ipv6.conf.all.forwarding", "1");
        fw.nft(RULESET);
    }

    /**
     * Starts the echo servers inside the server namespace. TCP answers one line and closes (the server closes first,
     * as an HTTP/1.0 server does); a connection that sends nothing ({@link #openTcp}) stays open until the client
     * closes it.
     */
    public void startEchoServers() {
        servers.add(new EchoServer(server, "::", EchoServer.Ending.FIRST_LINE, 8080, 8081));
        for (int port : new int[] {5353, 5354}) {
            DatagramSocket ds = server.call(() -> new DatagramSocket(new InetSocketAddress(InetAddress.getByName("::"), port)));
            servers.add(ds);
            threads.add(Thread.ofPlatform().daemon(true).name("hnl-udp-echo-" + port).start(() -> udpEcho(ds)));
        }
    }

    private static void udpEcho(DatagramSocket ds) {
        byte[] buf = new byte[1500];
        while (!ds.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                ds.receive(p);
                ds.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                // keep serving
            }
        }
    }

    /** One TCP request/response from the client (the server closes first); returns the echoed line. */
    public String tcp(String serverAddress, int port, String line) {
        return client.call(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getByName(serverAddress), port), 3000);
                s.setSoTimeout(3000);
                s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
                return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            }
        });
    }

    /** Opens a TCP connection from the client and leaves it open (ESTABLISHED in fw) until closed. */
    public Socket openTcp(String serverAddress, int port) {
        return client.call(() -> {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(InetAddress.getByName(serverAddress), port), 3000);
            return s;
        });
    }

    /** One UDP request/response from a fresh client socket; returns the echoed payload. */
    public String udp(String serverAddress, int port, String payload) {
        return client.call(() -> {
            try (DatagramSocket s = new DatagramSocket()) {
                s.setSoTimeout(3000);
                byte[] b = payload.getBytes(StandardCharsets.UTF_8);
                s.send(new DatagramPacket(b, b.length, new InetSocketAddress(InetAddress.getByName(serverAddress), port)));
                DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
                s.receive(p);
                return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
            }
        });
    }

    @Override
    public void close() {
        for (AutoCloseable c : servers) {
            try {
                c.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
