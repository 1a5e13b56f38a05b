package org.hftfw.sidecar.sync;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.conntrack.lab.FirewallTopology;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * Just enough FTP through {@link SyncLab}'s firewall for the kernel's FTP helper to create an expectation: a server
 * in the server namespace greets on {@link #CONTROL_PORT} and answers {@code PASV} with {@code 227 Entering Passive
 * Mode (10,230,2,10,195,80)} (port {@link #DATA_PORT}), where it also accepts the data connection. fw (and the
 * backup) assign the {@code ftp} helper to the control connection with an nftables {@code ct helper} rule, as a
 * firewall that does not rely on automatic helper assignment must (off since Linux 6.0).
 */
final class FtpLab implements AutoCloseable {
    static final int CONTROL_PORT = 2121;
    static final int DATA_PORT = 50000;
    static final String RULESET = """
            table inet hxp {
              ct helper ftp-std { type "ftp" protocol tcp; }
              chain pre {
                type filter hook prerouting priority filter; policy accept;
                tcp dport 2121 ct helper set "ftp-std"
              }
            }
            """;

    private final List<AutoCloseable> open = new ArrayList<>();

    /** Loads the helper rule into each firewall namespace and starts the server. */
    FtpLab(SyncLab l) {
        l.topo.fw.nft(RULESET);
        l.bk.nft(RULESET);
        ServerSocket control = listen(l.topo.server, CONTROL_PORT);
        ServerSocket data = listen(l.topo.server, DATA_PORT);
        Thread.ofPlatform().daemon(true).name("hxp-ftp-control").start(() -> serve(control, true));
        Thread.ofPlatform().daemon(true).name("hxp-ftp-data").start(() -> serve(data, false));
    }

    private ServerSocket listen(NetnsLab.Netns ns, int port) {
        ServerSocket s = ns.call(() -> {
            ServerSocket ss = new ServerSocket();
            ss.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), port), 16);
            return ss;
        });
        open.add(s);
        return s;
    }

    private void serve(ServerSocket ss, boolean control) {
        while (!ss.isClosed()) {
            try {
                Socket s = ss.accept();
                synchronized (open) {
                    open.add(s);
                }
                Thread.ofVirtual().start(() -> talk(s, control));
            } catch (IOException e) {
                if (ss.isClosed()) {
                    return;
                }
            }
        }
    }

    private static void talk(Socket s, boolean control) {
        try {
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            if (!control) {
                out.write("data\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return;
            }
            out.write("220 hxp ready\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                String reply = line.startsWith("PASV")
                        ? "227 Entering Passive Mode (10,230,2,10," + (DATA_PORT >> 8) + "," + (DATA_PORT & 0xff) + ").\r\n"
                        : "502 not implemented\r\n";
                out.write(reply.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /**
     * From the client: opens the control connection, reads the greeting, sends PASV and reads the 227 answer; the
     * connection stays open (the expectation's master) until the returned socket is closed.
     */
    Socket pasv(FirewallTopology t) {
        Socket s = t.client.call(() -> {
            Socket c = new Socket();
            c.connect(new InetSocketAddress(InetAddress.getByName(FirewallTopology.SERVER4), CONTROL_PORT), 3000);
            c.setSoTimeout(3000);
            BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII));
            in.readLine();
            c.getOutputStream().write("PASV\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = in.readLine();
            if (answer == null || !answer.startsWith("227 ")) {
                c.close();
                throw new IOException("no PASV answer: " + answer);
            }
            return c;
        });
        synchronized (open) {
            open.add(s);
        }
        return s;
    }

    /** The data connection from the client, through whichever firewall routes it; returns the server's line. */
    static String data(FirewallTopology t) {
        return t.client.call(() -> {
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress(InetAddress.getByName(FirewallTopology.SERVER4), DATA_PORT), 3000);
                c.setSoTimeout(3000);
                return new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
            }
        });
    }

    /**
     * bk's nftables ruleset once it forwards: a new connection is accepted only to the control port, so a data
     * connection passes only as RELATED to a known control connection (an expectation), as on a real FTP firewall.
     */
    static final String BK_FORWARD = """
            table inet hxpfw {
              chain forward {
                type filter hook forward priority filter; policy drop;
                ct state established,related accept
                tcp dport 2121 ct state new accept
              }
            }
            """;

    /**
     * Puts bk on the client--server path beside fw (veths client c1 -- b0 bk b1 -- s1 server, bk with fw's gateway
     * addresses and {@link #BK_FORWARD}), unused until {@link #takeOver}.
     */
    static void wireBackup(SyncLab l) {
        FirewallTopology t = l.topo;
        l.lab.veth(t.client, "c1", l.bk, "b0");
        l.lab.veth(l.bk, "b1", t.server, "s1");
        l.bk.addr("b0", "10.230.1.1/24");
        l.bk.addr("b1", "10.230.2.1/24");
        l.bk.sysctl("net.ipv4.ip_forward", "1");
        l.bk.nft(BK_FORWARD);
    }

    /**
     * The takeover, as far as the packets are concerned: the client's and the server's IPv4 addresses move to their
     * links to bk (established sockets keep working), so everything between them now crosses bk instead of fw.
     */
    static void takeOver(SyncLab l) {
        FirewallTopology t = l.topo;
        t.client.ip("addr", "del", FirewallTopology.CLIENT4 + "/24", "dev", "c0");
        t.client.ip("addr", "add", FirewallTopology.CLIENT4 + "/24", "dev", "c1");
        t.client.ip("route", "replace", "default", "via", "10.230.1.1", "dev", "c1");
        t.server.ip("addr", "del", FirewallTopology.SERVER4 + "/24", "dev", "s0");
        t.server.ip("addr", "add", FirewallTopology.SERVER4 + "/24", "dev", "s1");
        t.server.ip("route", "replace", "default", "via", "10.230.2.1", "dev", "s1");
    }

    /** Sends {@code NOOP} on the open control connection and returns the server's answer. */
    static String noop(FirewallTopology t, Socket control) {
        return t.client.call(() -> {
            control.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(control.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
        });
    }

    /** {@code conntrack -L expect} in {@code ns}: the lines of expectations for the data port. */
    static List<String> expectations(NetnsLab.Netns ns) {
        List<String> out = new ArrayList<>();
        for (String line : ns.exec("conntrack", "-L", "expect").check().stdout().split("\n", -1)) {
            if (line.contains("dport=" + DATA_PORT)) {
                out.add(line.trim());
            }
        }
        return out;
    }

    @Override
    public void close() {
        synchronized (open) {
            for (AutoCloseable c : open) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing the rest anyway
                }
            }
        }
    }
}
