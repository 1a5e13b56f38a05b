package org.hftfw.ftfw;

import static org.hftfw.common.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our channel against a stock conntrackd 1.4.x over the multicast and TCP transports, IPv4 and IPv6, in both
 * directions at once: our node (namespace a) replicates flows into conntrackd's external cache ({@code conntrackd
 * -e}), and conntrackd (namespace b) replicates the flows loaded into its kernel table into our external cache.
 */
@Tag("lab")
class TransportInteropLabTest {
    private static final Logger LOG = LoggerFactory.getLogger(TransportInteropLabTest.class);
    private static final int OURS = 1_000;
    private static final int THEIRS = 500;

    @BeforeEach
    void capable() {
        Lab.assumeCapable();
    }

    @Test
    void multicastIpv4() throws Exception {
        bothWays(new SyncTransport.Multicast(InetAddress.ofLiteral("225.0.0.50")), false);
    }

    @Test
    void multicastIpv6() throws Exception {
        bothWays(new SyncTransport.Multicast(InetAddress.ofLiteral("ff05::3780")), true);
    }

    /**
     * A link-scope group (ff02::/16): conntrackd sends to it from its link-local address (the source address of the
     * group's scope), which is then the peer address to configure.
     */
    @Test
    void multicastIpv6LinkScope() throws Exception {
        bothWays(new SyncTransport.Multicast(InetAddress.ofLiteral("ff02::3780")), true);
    }

    @Test
    void tcpIpv4() throws Exception {
        bothWays(SyncTransport.tcp(), false);
    }

    @Test
    void tcpIpv6() throws Exception {
        bothWays(SyncTransport.tcp(), true);
    }

    private static void bothWays(SyncTransport link, boolean v6) throws Exception {
        try (Lab lab = Lab.create()) {
            String self = v6 ? "fd00:233:" + Integer.toHexString(lab.subnet) + "::1" : lab.ip("1");
            String peer = v6 ? "fd00:233:" + Integer.toHexString(lab.subnet) + "::2" : lab.ip("2");
            if (v6) {
                lab.a.addr("sync", self + "/64");
                lab.b.addr("sync", peer + "/64");
            }
            ConntrackdConf conf = ConntrackdConf.lab(lab.dir, lab.b.name(), peer, self,
                    List.of("127.0.0.1", "10.233." + lab.subnet + ".0/24", "fd00:233::/32")).withLink(link);
            Path file = conf.write();
            // before conntrackd starts: while its link-local address is tentative it sends from the other one
            InetAddress heard = InetAddress.ofLiteral(link instanceof SyncTransport.Multicast m
                    && m.group() instanceof java.net.Inet6Address g && g.isMCLinkLocal() ? linkLocal(lab.b) : peer);
            lab.startConntrackd(lab.b, file);
            FtfwConfig cfg = FtfwConfig.builder(new InetSocketAddress(InetAddress.ofLiteral(self), conf.port()),
                    new InetSocketAddress(heard, conf.port())).iface("sync").link(link).build();
            try (FtfwChannel ours = lab.a.call(() -> FtfwChannel.builder(cfg).start())) {
                long t0 = System.nanoTime();
                for (int i = 0; i < OURS; i++) {
                    ours.publish(EventType.NEW, flow(i));
                }
                String[] cache = {""};
                boolean there = await(() -> {
                    cache[0] = lab.b.exec("conntrackd", "-C", file.toString(), "-e").stdout();
                    return count(cache[0], "dst=10.235.0.1") == OURS;
                }, 30_000);
                assertTrue(there, link.describe() + ": conntrackd -e shows " + count(cache[0], "dst=10.235.0.1")
                        + " of " + OURS + "; " + ours.stats().format() + "\n"
                        + lab.b.exec("conntrackd", "-C", file.toString(), "-s").stdout());
                assertTrue(await(() -> ours.pendingFlows() == 0, 10_000), "conntrackd acknowledged everything");
                long ms = (System.nanoTime() - t0) / 1_000_000;

                lab.in(lab.b, "conntrack", "-R", loadFile(lab, THEIRS).toString());
                boolean here = await(() -> theirs(ours) == THEIRS, 30_000);
                assertTrue(here, link.describe() + ": our cache has " + theirs(ours) + " of " + THEIRS + "; "
                        + ours.stats().format() + "\n" + lab.b.exec("conntrackd", "-C", file.toString(), "-s").stdout());
                // the peer is taken for a stock one when the handshake's tries run out (one alive interval after
                // the start), a timer of its own: on a fast machine the flows can be through before it fires
                assertTrue(await(() -> "stock".equals(ours.stats().peer().kind()), 10_000), ours.stats().format());
                FtfwStats s = ours.stats();
                assertEquals(0, s.malformedTotal(), s.format());
                assertEquals(0, s.dropped(DropReason.NOT_PEER), "only the peer is heard: " + s.format());
                LOG.info("{} {}: {} flows in conntrackd -e after {} ms, {} of conntrackd's in ours; {}", link.describe(),
                        v6 ? "IPv6" : "IPv4", OURS, ms, THEIRS, s.format());
            }
        }
    }

    /** The link-local address of {@code ns}'s sync interface, once it is no longer tentative (DAD done). */
    private static String linkLocal(NetnsLab.Netns ns) throws InterruptedException {
        String[] out = {""};
        assertTrue(await(() -> {
            out[0] = ns.exec("ip", "-6", "-o", "addr", "show", "dev", "sync", "scope", "link").check().stdout();
            return out[0].contains("fe80:") && !out[0].contains("tentative");
        }, 10_000), "no usable link-local address: " + out[0]);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("inet6 (fe80::[0-9a-f:]+)/").matcher(out[0]);
        assertTrue(m.find(), out[0]);
        return m.group(1);
    }

    private static long theirs(FtfwChannel ch) {
        return ch.externalCache().entries().stream()
                .filter(e -> e.original().src().getHostAddress().startsWith("10.236.")).count();
    }

    private static ConntrackEntry flow(int i) {
        Tuple t = Tuple.ports(InetAddress.ofLiteral("10.234." + (i >> 8 & 0xff) + "." + (i & 0xff)),
                InetAddress.ofLiteral("10.235.0.1"), IpProto.TCP, 10000 + i, 80);
        return ConntrackEntry.builder(t).protoState(3).status(Status.SEEN_REPLY | Status.ASSURED | Status.CONFIRMED)
                .timeout(600).build();
    }

    private static Path loadFile(Lab lab, int n) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("-A -t 600 -u SEEN_REPLY,ASSURED -s 10.236.").append(i >> 8 & 0xff).append('.').append(i & 0xff)
                    .append(" -d 10.237.0.1 -p tcp --sport ").append(20000 + i).append(" --dport 443")
                    .append(" --state ESTABLISHED\n");
        }
        Path p = lab.dir.resolve("theirs.save");
        Files.writeString(p, sb);
        return p;
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
