package org.hftfw.failover;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * The failover lab's network, as in the shared testbed: a client and a server namespace, each holding a bridge (the
 * "switch"), and two firewall namespaces plugged into both bridges ({@code lan}, {@code wan}) and joined to each
 * other by a veth {@code sync}. The client and the server route through the gateway VIPs, which keepalived moves.
 *
 * <pre>
 * client 10.241.1.10 (br0) --- lan  fw1 .2  wan --- (br0) server 10.241.2.10
 *   gw VIP 10.241.1.1      --- lan  fw2 .3  wan ---   gw VIP 10.241.2.1
 *                         fw1 sync 10.241.9.1 &lt;-&gt; fw2 sync 10.241.9.2
 * </pre>
 *
 * Both firewalls forward with a stateful nftables chain whose INVALID drops are counted ({@code ct state invalid
 * counter name ... drop}; the long-lived flows' and the short connections' apart) and have {@code nf_conntrack_tcp_loose = 0}: a mid-stream packet of a flow without
 * state is INVALID, not a new flow, so a takeover needs the replicated state in the kernel table.
 */
final class Topology {
    static final String CLIENT = "10.241.1.10";
    static final String SERVER = "10.241.2.10";
    static final String LAN_VIP = "10.241.1.1";
    static final String WAN_VIP = "10.241.2.1";
    static final String LAN_NET = "10.241.1.";
    static final String WAN_NET = "10.241.2.";
    static final String SYNC_NET = "10.241.9.";
    /** The long-lived flows' server port. */
    static final int ECHO_PORT = 9000;
    /** The short connections' server port: their INVALID drops are counted apart. */
    static final int SHORT_PORT = 9001;

    /** Forwarding: established flows pass, a new flow needs a SYN from the LAN; the sync link is not tracked. */
    static final String RULESET = """
            table inet hfo {
              counter invalid_long { }
              counter invalid_short { }
              counter invalid { }
              chain raw_pre {
                type filter hook prerouting priority raw; policy accept;
                iifname "sync" notrack
              }
              chain raw_out {
                type filter hook output priority raw; policy accept;
                oifname "sync" notrack
              }
              chain forward {
                type filter hook forward priority filter; policy drop;
                ct state invalid tcp dport 9000 counter name invalid_long drop
                ct state invalid tcp sport 9000 counter name invalid_long drop
                ct state invalid tcp dport 9001 counter name invalid_short drop
                ct state invalid tcp sport 9001 counter name invalid_short drop
                ct state invalid counter name invalid drop
                ct state established,related accept
                iifname "lan" oifname "wan" tcp flags & (fin|syn|rst|ack) == syn ct state new accept
              }
            }
            """;

    private static final Pattern PACKETS = Pattern.compile("packets (\\d+)");

    final NetnsLab.Netns client;
    final NetnsLab.Netns server;
    final List<NetnsLab.Netns> fws;

    Topology(NetnsLab lab) {
        client = lab.netns("cli");
        server = lab.netns("srv");
        NetnsLab.Netns fw1 = lab.netns("fw1");
        NetnsLab.Netns fw2 = lab.netns("fw2");
        fws = List.of(fw1, fw2);
        for (NetnsLab.Netns side : List.of(client, server)) {
            side.ip("link", "add", "br0", "type", "bridge");
            side.ip("link", "set", "br0", "up");
        }
        for (int i = 1; i <= 2; i++) {
            NetnsLab.Netns fw = fws.get(i - 1);
            lab.veth(fw, "lan", client, "p" + i);
            lab.veth(fw, "wan", server, "p" + i);
            client.ip("link", "set", "p" + i, "master", "br0");
            server.ip("link", "set", "p" + i, "master", "br0");
            fw.addr("lan", LAN_NET + (i + 1) + "/24");
            fw.addr("wan", WAN_NET + (i + 1) + "/24");
            fw.sysctl("net.ipv4.ip_forward", "1");
            fw.sysctl("net.netfilter.nf_conntrack_tcp_loose", "0");
            fw.nft(RULESET);
        }
        lab.veth(fw1, "sync", fw2, "sync");
        fw1.addr("sync", syncAddress(1) + "/24");
        fw2.addr("sync", syncAddress(2) + "/24");
        client.addr("br0", CLIENT + "/24");
        server.addr("br0", SERVER + "/24");
        client.ip("route", "add", "default", "via", LAN_VIP);
        server.ip("route", "add", "default", "via", WAN_VIP);
        // thousands of short connections: the client never runs out of ports (the server closes first anyway)
        client.sysctl("net.ipv4.ip_local_port_range", "10000 65000");
    }

    NetnsLab.Netns fw(int node) {
        return fws.get(node - 1);
    }

    static String syncAddress(int node) {
        return SYNC_NET + node;
    }

    /** Addresses a replicator must not replicate: the sync link, the VIPs and the firewalls' own. */
    static List<String> firewallAddresses() {
        return List.of(SYNC_NET + "0/24", LAN_VIP, WAN_VIP, LAN_NET + "2", LAN_NET + "3", WAN_NET + "2", WAN_NET + "3");
    }

    /** Packets {@code fw} has dropped as INVALID so far: all of them, and those of the long-lived flows. */
    record Invalid(long all, long longLived) {
        Invalid minus(Invalid before) {
            return new Invalid(all - before.all, longLived - before.longLived);
        }
    }

    /**
     * The node's kernel entries of the long-lived flows, by TCP state ({@code conntrack -L}), e.g. "10 entries
     * {ESTABLISHED=10}": what a new master held for them when it dropped their packets as INVALID.
     */
    static String longLivedEntries(NetnsLab.Netns fw) {
        String out = fw.exec("conntrack", "-L", "-p", "tcp", "--orig-port-dst", String.valueOf(ECHO_PORT)).stdout();
        java.util.Map<String, Integer> byState = new java.util.TreeMap<>();
        int n = 0;
        for (String line : out.lines().toList()) {
            String[] f = line.strip().split("\\s+", 5);
            if (f.length > 3 && f[0].equals("tcp")) {
                byState.merge(f[3], 1, Integer::sum);
                n++;
            }
        }
        return n + " entries " + byState;
    }

    static Invalid invalidDrops(NetnsLab.Netns fw) {
        long longLived = counter(fw, "invalid_long");
        return new Invalid(longLived + counter(fw, "invalid_short") + counter(fw, "invalid"), longLived);
    }

    /** The long-lived flows' ESTABLISHED entries in {@code fw}'s kernel table (to the echo port), -1 if unreadable. */
    static long kernelEstablished(NetnsLab.Netns fw) {
        NetnsLab.Result r = fw.exec("conntrack", "-L", "-p", "tcp", "--dport", String.valueOf(ECHO_PORT), "--state",
                "ESTABLISHED");
        return r.exitCode() != 0 ? -1 : r.stdout().lines().filter(l -> l.contains(" dport=" + ECHO_PORT + " ")).count();
    }

    private static long counter(NetnsLab.Netns fw, String name) {
        String out = fw.exec("nft", "list", "counter", "inet", "hfo", name).check().stdout();
        Matcher m = PACKETS.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no packet count in 'nft list counter inet hfo " + name + "': " + out);
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * Random loss of {@code percent} % of the FT-FW datagrams arriving on the sync link, in both firewalls (nftables
     * numgen), for either implementation (both use UDP port 3780).
     */
    void syncLoss(int percent) {
        for (NetnsLab.Netns fw : fws) {
            fw.nft("""
                    table inet hfoloss {
                      chain in {
                        type filter hook input priority 0;
                        iifname "sync" udp dport 3780 numgen random mod 100 < %d drop
                      }
                    }
                    """.formatted(percent));
        }
    }

    /** The node's links go down at once: its LAN, WAN and sync link (the box died). */
    void linksDown(int node) {
        NetnsLab.Netns fw = fw(node);
        for (String link : List.of("lan", "wan", "sync")) {
            fw.ip("link", "set", link, "down");
        }
    }
}
