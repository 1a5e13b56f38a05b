package org.hftfw.models;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
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
 * Renders a {@link TrafficMix} into a conntrack event log as a firewall between the clients (each with its own RTT)
 * and the servers (a LAN away, 0.2-2 ms) would see it. <b>Synthetic</b>: the event order follows the kernel's TCP
 * and UDP conntrack state machines as recorded by the trace lab (models/traces), and the timing is derived from
 * round trips, but the traffic is generated, not recorded.
 *
 * <p>TCP timing, from the firewall's point of view: SYN_SENT lasts the server-side RTT, SYN_RECV the client's RTT;
 * a response of S bytes takes ⌈log2(S / (10·1448) + 1)⌉ slow-start rounds (initial window 10 segments), so
 * ESTABLISHED lasts the server time plus (rounds − 1) round trips per request, plus think time and one client round
 * trip between keep-alive requests. A server-first close gives FIN_WAIT then CLOSE_WAIT, together one client RTT
 * (split at random: the client's ACK of the FIN may come at once or with its own FIN), then LAST_ACK for the server
 * side; a client-first close gives FIN_WAIT for the server side, CLOSE_WAIT for the server's close delay and LAST_ACK
 * for one client RTT. TIME_WAIT lasts 120 s (+ up to 10 s of garbage collection), CLOSE 10 s. UDP: UNREPLIED until
 * the reply (server side + server time), REPLIED, and ASSURED when traffic continues after 2 s (a stream); DESTROY
 * 30 s (120 s when assured) after the last datagram.
 */
public final class MixTraces {
    private static final double MSS_WINDOW = 10 * 1448.0;

    private MixTraces() {}

    /** {@code flows} flows of {@code mix}, their timing drawn from {@code trafficSeed}; sorted by time. */
    public static List<ConntrackEvent> generate(TrafficMix mix, long trafficSeed, int flows) {
        return generate(mix, trafficSeed, flows, Truth.NONE);
    }

    /**
     * The same log (event for event), and into {@code truth} for every NEW and UPDATE its probability of being
     * stable (lifetime ≥ {@code boundaryMs}) given what a genie knows at that event: the mix itself, the flow's
     * service, its exact RTT and LAN delay, every draw already made (all the flow's past) and, from the FIN_WAIT on,
     * whether the server or the client closed first; not the draws that set this state's lifetime. See
     * {@link GenieBound}.
     */
    public static List<ConntrackEvent> generate(TrafficMix mix, long trafficSeed, int flows, double boundaryMs,
                                                IdentityHashMap<ConntrackEvent, Double> truth) {
        if (!(boundaryMs > 0 && boundaryMs <= 2_000)) {
            // the genie counts a UDP REPLIED state (≥ 2 s) as stable
            throw new IllegalArgumentException("the genie needs 0 < B <= 2 s, got " + boundaryMs + " ms");
        }
        return generate(mix, trafficSeed, flows, new Truth(truth, boundaryMs,
                new SplittableRandom(trafficSeed * 0x9E3779B97F4A7C15L + mix.seed())));
    }

    private static List<ConntrackEvent> generate(TrafficMix mix, long trafficSeed, int flows, Truth truth) {
        SplittableRandom rnd = new SplittableRandom(trafficSeed ^ (mix.seed() * 0x632BE59BD9B4E019L));
        int[] servers = new int[mix.services().size()];
        for (int i = 0; i < servers.length; i++) {
            servers[i] = 1 + rnd.nextInt(4);
        }
        double[] cumulative = new double[servers.length];
        double acc = 0;
        for (int i = 0; i < servers.length; i++) {
            acc += mix.services().get(i).weight();
            cumulative[i] = acc;
        }
        List<ConntrackEvent> out = new ArrayList<>(flows * 7);
        double t = 0;
        int net = Math.floorMod(mix.seed(), 200);
        for (int i = 0; i < flows; i++) {
            t += -Math.log(1 - rnd.nextDouble()) * 1000.0 / mix.flowsPerSecond();
            double u = rnd.nextDouble() * acc;
            int si = 0;
            while (si < cumulative.length - 1 && u > cumulative[si]) {
                si++;
            }
            TrafficMix.Service s = mix.services().get(si);
            int client = rnd.nextInt(mix.clients());
            double rtt = mix.clientRttMs()[client] * (0.97 + 0.06 * rnd.nextDouble());
            double lan = 0.2 + 1.8 * rnd.nextDouble();
            InetAddress c = addr(10, net, client);
            InetAddress srv = addr(172, 16 + si, rnd.nextInt(servers[si]));
            int sport = 32768 + rnd.nextInt(28000);
            TraceFlow f = new TraceFlow(out, i + 1L, t);
            switch (s.kind()) {
                case REQUEST_RESPONSE, DIALOGUE, INTERACTIVE ->
                        tcp(f, rnd, s, Tuple.ports(c, srv, IpProto.TCP, sport, s.port()), rtt, lan, truth);
                case UDP_QUERY, UDP_ONE_WAY, UDP_STREAM ->
                        udp(f, rnd, s, Tuple.ports(c, srv, IpProto.UDP, sport, s.port()), rtt, lan, truth);
            }
        }
        out.sort(Comparator.comparingLong(ConntrackEvent::monotonicNanos));
        return out;
    }

    /**
     * The genie's P(stable) per generated state change (a no-op without a map). Its own random numbers, so the log
     * is the same with or without it.
     */
    private record Truth(IdentityHashMap<ConntrackEvent, Double> map, double boundaryMs, SplittableRandom rnd) {
        static final Truth NONE = new Truth(null, 0, null);
        /** Monte Carlo samples of an ESTABLISHED lifetime per flow. */
        static final int SAMPLES = 20_000;

        void note(List<ConntrackEvent> out, double pStable) {
            if (map != null) {
                map.put(out.getLast(), pStable);
            }
        }

        /** 1 if a lifetime known exactly is ≥ B, else 0. */
        double known(double lifetimeMs) {
            return lifetimeMs >= boundaryMs ? 1 : 0;
        }

        /** P(lo + (hi − lo)·U ≥ B ÷ scale), U uniform on [0, 1). */
        double uniform(double lo, double hi, double scale) {
            double x = boundaryMs / scale;
            return Math.clamp((hi - x) / (hi - lo), 0.0, 1.0);
        }

        /** P(base + X ≥ B), X exponential of mean {@code mean}. */
        double exponential(double base, double mean) {
            double x = boundaryMs - base;
            return x <= 0 ? 1 : mean <= 0 ? 0 : Math.exp(-x / mean);
        }

        /** P(ESTABLISHED lasts ≥ B), by sampling its draws (and the close that ends it) afresh. */
        double established(TrafficMix.Service s, double rtt, double lan) {
            if (map == null) {
                return 0;
            }
            int stable = 0;
            for (int k = 0; k < SAMPLES; k++) {
                double d = establishedMs(rnd, s, rtt, lan);
                if (rnd.nextDouble() >= s.resetShare() && rnd.nextDouble() >= s.serverCloses()
                        && s.kind() != TrafficMix.Kind.INTERACTIVE) {
                    d += exp(rnd, s.thinkMs());
                }
                if (d >= boundaryMs) {
                    stable++;
                }
            }
            return (double) stable / SAMPLES;
        }
    }

    private static double establishedMs(SplittableRandom rnd, TrafficMix.Service s, double rtt, double lan) {
        return switch (s.kind()) {
            case INTERACTIVE -> logNormal(rnd, s.durationMs(), 1.0);
            case DIALOGUE -> {
                int n = geometric(rnd, s.requestsMean());
                double d = 0;
                for (int k = 0; k < n; k++) {
                    d += exp(rnd, s.serverMs()) + (k > 0 ? rtt + lan + exp(rnd, s.thinkMs()) : 0);
                }
                yield d;
            }
            default -> {
                int n = geometric(rnd, s.requestsMean());
                double d = 0;
                for (int k = 0; k < n; k++) {
                    double size = logNormal(rnd, s.sizeMedianBytes(), s.sizeSigma());
                    double rounds = Math.ceil(Math.log(size / MSS_WINDOW + 1) / Math.log(2));
                    d += exp(rnd, s.serverMs()) + Math.max(0, rounds - 1) * (rtt + lan)
                            + (k > 0 ? rtt + lan + exp(rnd, s.thinkMs()) : 0);
                }
                yield d;
            }
        };
    }

    private static void tcp(TraceFlow f, SplittableRandom rnd, TrafficMix.Service s, Tuple tu, double rtt, double lan,
                            Truth truth) {
        List<ConntrackEvent> out = f.events();
        f.tcp(tu, EventType.NEW, TcpState.SYN_SENT, 0);
        truth.note(out, truth.known(lan));
        f.tcp(tu, EventType.UPDATE, TcpState.SYN_RECV, lan);
        truth.note(out, truth.known(rtt));
        f.tcp(tu, EventType.UPDATE, TcpState.ESTABLISHED, rtt);
        truth.note(out, truth.established(s, rtt, lan));
        double established = establishedMs(rnd, s, rtt, lan);
        if (rnd.nextDouble() < s.resetShare()) {
            f.tcp(tu, EventType.UPDATE, TcpState.CLOSE, established);
            truth.note(out, truth.known(10_000));
            f.tcp(tu, EventType.DESTROY, TcpState.CLOSE, 10_000);
            return;
        }
        if (rnd.nextDouble() < s.serverCloses()) {
            double split = rnd.nextDouble() < 0.5 ? 0.02 + 0.08 * rnd.nextDouble() : 0.9 + 0.1 * rnd.nextDouble();
            f.tcp(tu, EventType.UPDATE, TcpState.FIN_WAIT, established);
            // lasts split·RTT: the genie knows the server closed first, not which half the split falls in
            truth.note(out, 0.5 * truth.uniform(0.02, 0.10, rtt) + 0.5 * truth.uniform(0.9, 1.0, rtt));
            f.tcp(tu, EventType.UPDATE, TcpState.CLOSE_WAIT, split * rtt);
            truth.note(out, truth.exponential((1 - split) * rtt, 2));
            f.tcp(tu, EventType.UPDATE, TcpState.LAST_ACK, (1 - split) * rtt + exp(rnd, 2));
            truth.note(out, truth.known(lan));
            f.tcp(tu, EventType.UPDATE, TcpState.TIME_WAIT, lan);
        } else {
            f.tcp(tu, EventType.UPDATE, TcpState.FIN_WAIT, established + (s.kind() == TrafficMix.Kind.INTERACTIVE
                    ? 0 : exp(rnd, s.thinkMs())));
            truth.note(out, truth.known(lan));
            f.tcp(tu, EventType.UPDATE, TcpState.CLOSE_WAIT, lan);
            // the close delay: 5 % of them exponential of mean 2 s, the rest of mean 5 ms
            truth.note(out, 0.05 * truth.exponential(0, 2_000) + 0.95 * truth.exponential(0, 5));
            double closeDelay = rnd.nextDouble() < 0.05 ? exp(rnd, 2_000) : exp(rnd, 5);
            f.tcp(tu, EventType.UPDATE, TcpState.LAST_ACK, closeDelay);
            truth.note(out, truth.known(rtt));
            f.tcp(tu, EventType.UPDATE, TcpState.TIME_WAIT, rtt);
        }
        truth.note(out, truth.known(120_000));
        f.tcp(tu, EventType.DESTROY, TcpState.TIME_WAIT, 120_000 + 10_000 * rnd.nextDouble());
    }

    private static void udp(TraceFlow f, SplittableRandom rnd, TrafficMix.Service s, Tuple tu, double rtt, double lan,
                            Truth truth) {
        List<ConntrackEvent> out = f.events();
        f.udp(tu, EventType.NEW, 0, 0);
        switch (s.kind()) {
            case UDP_ONE_WAY -> {
                truth.note(out, truth.known(30_000));
                int n = geometric(rnd, s.requestsMean());
                double d = 0;
                for (int k = 1; k < n; k++) {
                    d += exp(rnd, s.thinkMs());
                }
                f.udp(tu, EventType.DESTROY, 0, d + 30_000);
            }
            case UDP_QUERY -> {
                truth.note(out, truth.exponential(lan, s.serverMs()));
                f.udp(tu, EventType.UPDATE, Status.SEEN_REPLY, lan + exp(rnd, s.serverMs()));
                // REPLIED lasts until ASSURED (≥ 2 s of traffic) or until the 30 s timeout
                truth.note(out, truth.known(2_000));
                int n = geometric(rnd, s.requestsMean());
                double d = 0;
                boolean assured = false;
                double age = 0;
                for (int k = 1; k < n; k++) {
                    double gap = rtt + exp(rnd, s.thinkMs());
                    age += gap;
                    d += gap;
                    if (!assured && age >= 2_000) {
                        f.udp(tu, EventType.UPDATE, Status.SEEN_REPLY | Status.ASSURED, d);
                        truth.note(out, truth.known(120_000));
                        d = 0;
                        assured = true;
                    }
                }
                f.udp(tu, EventType.DESTROY, Status.SEEN_REPLY | (assured ? Status.ASSURED : 0),
                        d + (assured ? 120_000 : 30_000));
            }
            default -> {
                // UNREPLIED lasts lan + RTT·U
                truth.note(out, truth.uniform(lan / rtt, 1 + lan / rtt, rtt));
                f.udp(tu, EventType.UPDATE, Status.SEEN_REPLY, lan + rtt * rnd.nextDouble());
                truth.note(out, truth.known(2_000));
                f.udp(tu, EventType.UPDATE, Status.SEEN_REPLY | Status.ASSURED, 2_000 + exp(rnd, 200));
                truth.note(out, truth.known(120_000));
                f.udp(tu, EventType.DESTROY, Status.SEEN_REPLY | Status.ASSURED,
                        logNormal(rnd, s.durationMs(), 1.0) + 120_000);
            }
        }
    }

    private static int geometric(SplittableRandom r, double mean) {
        if (mean <= 1) {
            return 1;
        }
        double p = 1 / mean;
        return 1 + (int) Math.floor(Math.log(1 - r.nextDouble()) / Math.log(1 - p));
    }

    private static double logNormal(SplittableRandom r, double median, double sigma) {
        return median * Math.exp(sigma * TrafficMix.gaussian(r));
    }

    private static double exp(SplittableRandom r, double mean) {
        return -Math.log(1 - r.nextDouble()) * mean;
    }

    private static InetAddress addr(int a, int b, int i) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) (1 + (i >>> 8)), (byte) i});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
