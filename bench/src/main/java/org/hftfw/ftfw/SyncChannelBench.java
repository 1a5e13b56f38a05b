package org.hftfw.ftfw;

import org.hftfw.common.Clock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.bench.Figures;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.Tuple;

/**
 * Channel throughput on loopback ({@code hftfw sync bench}): a primary publishes N TCP entries to a backup; prints
 * messages/s until the backup's cache holds all of them and the primary has every ACK, and bytes per message. The
 * baseline in the same run is the codec alone (encode + decode of the same entries, no sockets), which bounds what
 * the channel can do; {@link FtfwCodecBenchmark} measures the codec alone under JMH. Each round runs the channel
 * twice, plain and with HMAC-SHA-256 authentication ({@code sync.auth.key-file}), so the cost of authentication is
 * read beside the plain figure of the same round.
 */
public final class SyncChannelBench {
    private SyncChannelBench() {}

    /** Runs {@code rounds} rounds of {@code n} entries, each the codec baseline then the channel. */
    public static void run(int n, int rounds) throws Exception {
        List<ConntrackEntry> entries = entries(n);
        Figures.header("FT-FW channel benchmark", n + " TCP v4 entries per round, " + rounds + " rounds");
        for (int r = 1; r <= rounds; r++) {
            codecBaseline(entries, r);
            authCost(r);
            channel(entries, r, null);
            channel(entries, r, SyncAuth.of("hftfw-bench-key-0123456789abcdef".getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII), true));
        }
    }

    /** Established TCP v4 entries 10.x.y.z:port -> 10.200.0.1:80, as a busy firewall's table holds them. */
    static List<ConntrackEntry> entries(int n) throws java.net.UnknownHostException {
        List<ConntrackEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Tuple t = Tuple.ports(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}),
                    InetAddress.getByAddress(new byte[] {10, (byte) 200, 0, 1}), IpProto.TCP, 1024 + i % 60000, 80);
            entries.add(ConntrackEntry.builder(t).protoState(3)
                    .status(Status.SEEN_REPLY | Status.ASSURED | Status.CONFIRMED).timeout(600).build());
        }
        return entries;
    }

    private static void codecBaseline(List<ConntrackEntry> entries, int round) {
        ByteBuf buf = Unpooled.buffer(4096);
        FtfwDecoder dec = new FtfwDecoder(new DropCounters(Clock.system(), 1_000_000_000L));
        long bytes = 0;
        int[] decoded = {0};
        long t0 = System.nanoTime();
        int seq = 0;
        for (ConntrackEntry e : entries) {
            buf.clear();
            bytes += FtfwEncoder.writeData(buf, FtfwMessage.DataType.NEW, 0, seq++, e, FlowExtras.NONE,
                    FtfwEncoder.Options.DEFAULT);
            dec.decodeDatagram(buf, m -> decoded[0]++);
        }
        long ns = System.nanoTime() - t0;
        System.out.printf("round %d baseline codec only : %,12.0f msg/s  %5.1f B/msg  (%d decoded)%n", round,
                entries.size() * 1e9 / ns, (double) bytes / entries.size(), decoded[0]);
    }

    /** What authentication adds per full datagram (1440 bytes of messages): sealing on one side, opening on the other. */
    private static void authCost(int round) {
        SyncAuth key = SyncAuth.of("hftfw-bench-key-0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                true);
        DatagramAuth sender = new DatagramAuth(key, 1);
        DatagramAuth receiver = new DatagramAuth(key, 1);
        ByteBuf d = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(1472);
        int n = 200_000;
        int authentic = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            d.clear();
            d.writerIndex(1440);
            sender.seal(d, 42);
            if (receiver.open(d, 42) == DatagramAuth.Verdict.AUTHENTIC) {
                authentic++;
            }
        }
        long ns = System.nanoTime() - t0;
        d.release();
        Figures.check(authentic == n, "round " + round + ": a sealed datagram did not open");
        System.out.printf("round %d HMAC seal + open    : %,12.0f ns per 1472-byte datagram (%,.0f ns per message "
                + "at 20.9 msg/datagram)%n", round, (double) ns / n, (double) ns / n / 20.9);
    }

    private static void channel(List<ConntrackEntry> entries, int round, SyncAuth auth) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        int pa;
        int pb;
        try (java.net.DatagramSocket s1 = new java.net.DatagramSocket(0, lo);
             java.net.DatagramSocket s2 = new java.net.DatagramSocket(0, lo)) {
            pa = s1.getLocalPort();
            pb = s2.getLocalPort();
        }
        FtfwConfig ca = FtfwConfig.builder(new InetSocketAddress(lo, pa), new InetSocketAddress(lo, pb))
                .socketBuffer(16 << 20).auth(auth).build();
        FtfwConfig cb = FtfwConfig.builder(new InetSocketAddress(lo, pb), new InetSocketAddress(lo, pa))
                .socketBuffer(16 << 20).auth(auth).build();
        try (FtfwChannel b = FtfwChannel.builder(cb).start();
             FtfwChannel a = FtfwChannel.builder(ca).resyncSource(() -> entries).start()) {
            long ready = System.nanoTime() + 10_000_000_000L;
            while (a.stats().peer().kind().equals("pending") && System.nanoTime() < ready) {
                Thread.sleep(1);                          // the handshake (one round trip) before the clock starts
            }
            Figures.check(auth == null || a.stats().peer().authenticated(), "round " + round + ": not authenticated");
            long t0 = System.nanoTime();
            a.sendBulk();
            long deadline = t0 + 60_000_000_000L;
            while (b.externalCache().size() < entries.size() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            long tCache = System.nanoTime() - t0;
            while (a.pendingFlows() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            long tAcked = System.nanoTime() - t0;
            Figures.check(b.externalCache().size() >= entries.size() && a.pendingFlows() == 0,
                    "round " + round + ": not all cached and ACKed within 60 s");
            FtfwStats s = a.stats();
            System.out.printf("round %d channel %-11s: %,12.0f msg/s  %5.1f B/msg  %5.1f msg/datagram; "
                            + "all cached %d ms, all ACKed %d ms; lost %d, resent %d%n", round,
                    auth == null ? "(plain)" : "(HMAC auth)",
                    entries.size() * 1e9 / tCache, (double) s.bytesTx() / s.msgsTx(),
                    (double) s.msgsTx() / s.datagramsTx(), tCache / 1_000_000, tAcked / 1_000_000,
                    b.stats().lost(), s.resent());
        }
    }
}
