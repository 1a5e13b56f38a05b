package org.hftfw.models;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;

/**
 * Seeded synthetic conntrack event logs, until recorded traces exist. <b>Synthetic</b>: the shapes follow the kernel's
 * TCP state machine and the testbed's observed sequence (NEW SYN_SENT, UPDATE SYN_RECV, ESTABLISHED, FIN_WAIT,
 * LAST_ACK or CLOSE_WAIT, TIME_WAIT, DESTROY), but every distribution here is an assumption, not a measurement.
 *
 * <ul>
 *   <li>HTTP-like flows to ports 80/443: SYN_SENT lives one server-side RTT, SYN_RECV one client-side (LAN) RTT,
 *       ESTABLISHED two RTTs plus an exponential transfer/think time (mean 300 ms) and, for 20 %, an HTTP keep-alive
 *       idle (mean 5 s); the close is server-first (FIN_WAIT → LAST_ACK → TIME_WAIT, 60 %) or client-first, 30 %
 *       with a CLOSE_WAIT (application delay, mean 20 ms, 5 % of them seconds); 3 % end by RST (CLOSE);
 *       DESTROY comes after TIME_WAIT's 120 s plus up to 60 s of kernel GC delay (testbed observation).</li>
 *   <li>Long interactive flows (SSH, port 22): ESTABLISHED for an exponential time of mean 10 min.</li>
 *   <li>UDP: DNS (UNREPLIED → REPLIED after one RTT, DESTROY 30 s later) and streams (→ ASSURED, minutes).</li>
 * </ul>
 * Server-side RTT per server: normal around {@code rttMeanMs} (homogeneous, the paper's ≈ 30 ms setting) or spread
 * over 20-500 ms (heterogeneous, the paper's netem setting), with ±10 % per-flow jitter.
 */
public final class SyntheticTraces {

    /**
     * The parameters of one synthetic log.
     *
     * @param seed             random seed (same seed, same log)
     * @param flows            number of flows
     * @param flowsPerSecond   Poisson arrival rate
     * @param rttMeanMs        mean server-side RTT (homogeneous case)
     * @param heterogeneous    spread server RTTs over 20-500 ms instead
     * @param interactiveShare share of SSH-like long flows
     * @param udpShare         share of UDP flows (half DNS, half streams)
     * @param clients          distinct client addresses
     * @param servers          distinct server addresses
     */
    public record Spec(long seed, int flows, double flowsPerSecond, double rttMeanMs, boolean heterogeneous,
                       double interactiveShare, double udpShare, int clients, int servers) {
        /** A mostly-web mix: 5 % interactive, 10 % UDP, 200 clients, 50 servers, 30 ms RTT. */
        public static Spec webMix(long seed, int flows) {
            return new Spec(seed, flows, 200, 30, false, 0.05, 0.10, 200, 50);
        }

        public Spec withHeterogeneous(boolean h) {
            return new Spec(seed, flows, flowsPerSecond, rttMeanMs, h, interactiveShare, udpShare, clients, servers);
        }
    }

    private SyntheticTraces() {}

    /** The events of {@code spec}, sorted by time. */
    public static List<ConntrackEvent> generate(Spec spec) {
        SplittableRandom rnd = new SplittableRandom(spec.seed());
        double[] serverRtt = new double[spec.servers()];
        for (int s = 0; s < serverRtt.length; s++) {
            serverRtt[s] = spec.heterogeneous()
                    ? clamp(260 + 120 * gaussian(rnd), 20, 500)
                    : clamp(spec.rttMeanMs() * (1 + 0.15 * gaussian(rnd)), 1, 10_000);
        }
        List<ConntrackEvent> out = new ArrayList<>(spec.flows() * 7);
        double t = 0;
        for (int i = 0; i < spec.flows(); i++) {
            t += -Math.log(1 - rnd.nextDouble()) * 1000.0 / spec.flowsPerSecond();
            int client = rnd.nextInt(spec.clients());
            int server = rnd.nextInt(spec.servers());
            double rtt = serverRtt[server] * (0.9 + 0.2 * rnd.nextDouble());
            double lan = 0.2 + 0.8 * rnd.nextDouble();
            InetAddress c = addr(10, 1, client);
            InetAddress s = addr(10, 2, server);
            int sport = 32768 + rnd.nextInt(28000);
            double kind = rnd.nextDouble();
            long id = i + 1L;
            TraceFlow f = new TraceFlow(out, id, t);
            if (kind < spec.udpShare()) {
                Tuple tu = Tuple.ports(c, s, IpProto.UDP, sport, kind < spec.udpShare() / 2 ? 53 : 5004);
                f.udp(tu, EventType.NEW, 0, 0);
                f.udp(tu, EventType.UPDATE, Status.SEEN_REPLY, rtt);
                if (kind < spec.udpShare() / 2) {
                    f.udp(tu, EventType.DESTROY, Status.SEEN_REPLY, 30_000);
                } else {
                    f.udp(tu, EventType.UPDATE, Status.SEEN_REPLY | Status.ASSURED, 20);
                    f.udp(tu, EventType.DESTROY, Status.SEEN_REPLY | Status.ASSURED, exp(rnd, 120_000) + 120_000);
                }
                continue;
            }
            boolean interactive = kind < spec.udpShare() + spec.interactiveShare();
            int dport = interactive ? 22 : server % 3 == 0 ? 80 : 443;
            Tuple tu = Tuple.ports(c, s, IpProto.TCP, sport, dport);
            f.tcp(tu, EventType.NEW, TcpState.SYN_SENT, 0);
            f.tcp(tu, EventType.UPDATE, TcpState.SYN_RECV, rtt);
            f.tcp(tu, EventType.UPDATE, TcpState.ESTABLISHED, lan);
            double established = interactive ? exp(rnd, 600_000)
                    : 2 * rtt + exp(rnd, 300) + (rnd.nextDouble() < 0.2 ? exp(rnd, 5_000) : 0);
            if (rnd.nextDouble() < 0.03) {
                f.tcp(tu, EventType.UPDATE, TcpState.CLOSE, established);
                f.tcp(tu, EventType.DESTROY, TcpState.CLOSE, 10_000);
                continue;
            }
            boolean serverFirst = rnd.nextDouble() < 0.6;
            f.tcp(tu, EventType.UPDATE, TcpState.FIN_WAIT, established);
            if (rnd.nextDouble() < 0.3) {
                f.tcp(tu, EventType.UPDATE, TcpState.CLOSE_WAIT, serverFirst ? lan : rtt);
                double app = rnd.nextDouble() < 0.05 ? exp(rnd, 2_000) : exp(rnd, 20);
                f.tcp(tu, EventType.UPDATE, TcpState.LAST_ACK, app);
            } else {
                f.tcp(tu, EventType.UPDATE, TcpState.LAST_ACK, serverFirst ? lan : rtt);
            }
            f.tcp(tu, EventType.UPDATE, TcpState.TIME_WAIT, serverFirst ? rtt : lan);
            f.tcp(tu, EventType.DESTROY, TcpState.TIME_WAIT, 120_000 + 60_000 * rnd.nextDouble());
        }
        out.sort(Comparator.comparingLong(ConntrackEvent::monotonicNanos));
        return out;
    }

    private static InetAddress addr(int a, int b, int i) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) (i >>> 8), (byte) i});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double exp(SplittableRandom r, double mean) {
        return -Math.log(1 - r.nextDouble()) * mean;
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
