package org.hftfw.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A seeded traffic mix for the mix lab ({@link MixTraces}, {@link MixLab}): which services run on which ports, how
 * big their responses are, how many requests share a connection, who closes first, how many clients there are, how
 * fast flows arrive, and the clients' round-trip times. One seed gives one mix; different seeds give mixes unlike
 * each other (other ports, other services, other size distributions, other latency), so that a model trained on some
 * mixes can be scored on a mix it never saw (leave-one-mix-out, issue 13 item 2).
 *
 * <p>The services are drawn from a catalogue of kinds (web and API request/response with heavy-tailed response
 * sizes, database and mail dialogues, file transfers, interactive sessions, UDP queries, one-way UDP telemetry, UDP
 * streams); each kind draws its port from a list of real services' ports, so port classes differ between mixes too.
 * Every parameter is an assumption chosen to span a wide range, not a measurement.
 *
 * @param seed           the seed the mix was drawn from
 * @param latency        the latency profile: {@code homogeneous}, {@code heterogeneous} or {@code bimodal}
 * @param services       the services and their shares
 * @param clients        distinct client addresses
 * @param flowsPerSecond Poisson arrival rate of flows
 * @param clientRttMs    per client, the round-trip time between the firewall and the client
 */
// the arrays are built here and only read by MixTraces; a mix is never compared or hashed
@SuppressWarnings("ArrayRecordComponent")
public record TrafficMix(long seed, String latency, List<Service> services, int clients, double flowsPerSecond,
                         double[] clientRttMs) {

    /** What a service does on the wire. */
    public enum Kind {
        /** TCP: requests (1 or more per connection, keep-alive), each answered by a heavy-tailed response. */
        REQUEST_RESPONSE,
        /** TCP: a dialogue of small exchanges (mail, databases), each one round trip plus server time. */
        DIALOGUE,
        /** TCP: a long interactive session (SSH, RDP); the client closes. */
        INTERACTIVE,
        /** UDP: request(s) and replies (DNS, NTP, SNMP, RADIUS). */
        UDP_QUERY,
        /** UDP: one-way datagrams never answered (syslog, NetFlow). */
        UDP_ONE_WAY,
        /** UDP: a long two-way stream (RTP, QUIC, a VPN): becomes ASSURED. */
        UDP_STREAM
    }

    /**
     * One service of a mix.
     *
     * @param kind             what it does
     * @param port             its destination port
     * @param weight           share of flows (the mix's weights sum to 1)
     * @param sizeMedianBytes  median response size (REQUEST_RESPONSE)
     * @param sizeSigma        log-normal spread of response sizes (heavy tail: 1 … 2.2)
     * @param requestsMean     mean requests per connection (geometric; 1 = no keep-alive), or exchanges of a
     *                         dialogue / UDP query
     * @param thinkMs          mean pause between requests of one connection
     * @param serverCloses     probability that the server closes first
     * @param serverMs         mean server time per request
     * @param durationMs       median session length (INTERACTIVE, UDP_STREAM)
     * @param resetShare       share of connections ended by RST
     */
    public record Service(Kind kind, int port, double weight, double sizeMedianBytes, double sizeSigma,
                          double requestsMean, double thinkMs, double serverCloses, double serverMs,
                          double durationMs, double resetShare) {
        public String describe() {
            return String.format(Locale.ROOT, "%s/%d %.0f%%%s", kind.name().toLowerCase(Locale.ROOT), port,
                    100 * weight, kind == Kind.REQUEST_RESPONSE
                            ? String.format(Locale.ROOT, " (median %.0f KB, σ %.1f, %.1f req/conn)",
                            sizeMedianBytes / 1024, sizeSigma, requestsMean) : "");
        }
    }

    private static final int[] WEB = {80, 443, 8080, 8443, 8000, 3000, 5000, 9000, 9443};
    private static final int[] DB = {5432, 3306, 6379, 9200, 27017, 11211, 1433, 8086};
    private static final int[] MAIL = {25, 587, 110, 143, 993, 995, 465};
    private static final int[] FILE = {445, 873, 2049, 21, 8081};
    private static final int[] INTERACTIVE = {22, 3389, 5900, 23, 2222};
    private static final int[] UDP_QUERY = {53, 123, 161, 1812, 88, 5353, 3478};
    private static final int[] UDP_ONE_WAY = {514, 2055, 6343, 8125};
    private static final int[] UDP_STREAM = {5004, 443, 51820, 1194, 27015, 4500};

    /** Latency profiles a mix can have. */
    public static final List<String> PROFILES = List.of("homogeneous", "heterogeneous", "bimodal");

    /** A mix drawn from {@code seed} with the given latency profile (see {@link #PROFILES}). */
    public static TrafficMix random(long seed, String latency) {
        if (!PROFILES.contains(latency)) {
            throw new IllegalArgumentException("unknown latency profile '" + latency + "' (one of " + PROFILES + ")");
        }
        SplittableRandom r = new SplittableRandom(seed * 0xD1B54A32D192ED03L + 0x2545F4914F6CDD1DL);
        List<Service> s = new ArrayList<>();
        // at least one web-like service, then 2-6 others of any kind
        s.add(requestResponse(r, pick(r, WEB), uniform(r, 2_000, 200_000)));
        int more = 2 + r.nextInt(5);
        for (int i = 0; i < more; i++) {
            s.add(switch (r.nextInt(8)) {
                case 0 -> requestResponse(r, pick(r, WEB), uniform(r, 500, 50_000));
                case 1 -> dialogue(r, pick(r, DB), 2, 30, false);
                case 2 -> dialogue(r, pick(r, MAIL), 3, 10, true);
                case 3 -> requestResponse(r, pick(r, FILE), uniform(r, 100_000, 20_000_000));
                case 4 -> session(r, Kind.INTERACTIVE, pick(r, INTERACTIVE));
                case 5 -> udpQuery(r, pick(r, UDP_QUERY));
                case 6 -> oneWay(r, pick(r, UDP_ONE_WAY));
                default -> session(r, Kind.UDP_STREAM, pick(r, UDP_STREAM));
            });
        }
        double total = 0;
        double[] w = new double[s.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = -Math.log(1 - r.nextDouble()) * (i == 0 ? 2 : 1);   // Dirichlet(1) shares, the web one doubled
            total += w[i];
        }
        List<Service> weighted = new ArrayList<>();
        for (int i = 0; i < w.length; i++) {
            Service x = s.get(i);
            weighted.add(new Service(x.kind(), x.port(), w[i] / total, x.sizeMedianBytes(), x.sizeSigma(),
                    x.requestsMean(), x.thinkMs(), x.serverCloses(), x.serverMs(), x.durationMs(), x.resetShare()));
        }
        int clients = 10 + r.nextInt(290);
        double rate = uniform(r, 2, 40);
        return new TrafficMix(seed, latency, List.copyOf(weighted), clients, rate, rtts(r, latency, clients));
    }

    private static double[] rtts(SplittableRandom r, String latency, int clients) {
        double[] rtt = new double[clients];
        switch (latency) {
            case "homogeneous" -> {
                double base = uniform(r, 5, 60);
                for (int i = 0; i < clients; i++) {
                    rtt[i] = base * (0.95 + 0.1 * r.nextDouble());
                }
            }
            case "heterogeneous" -> {
                double mean = uniform(r, 150, 320);
                double sd = uniform(r, 80, 160);
                for (int i = 0; i < clients; i++) {
                    rtt[i] = Math.max(20, Math.min(500, mean + sd * gaussian(r)));
                }
            }
            default -> {
                double lanShare = uniform(r, 0.3, 0.7);
                for (int i = 0; i < clients; i++) {
                    rtt[i] = r.nextDouble() < lanShare ? uniform(r, 1, 10) : uniform(r, 80, 500);
                }
            }
        }
        return rtt;
    }

    private static Service requestResponse(SplittableRandom r, int port, double median) {
        boolean keepAlive = r.nextDouble() < 0.5;
        return new Service(Kind.REQUEST_RESPONSE, port, 0, median, uniform(r, 1.0, 2.2),
                keepAlive ? uniform(r, 1.5, 6) : 1, uniform(r, 50, 3_000), uniform(r, 0.1, 0.9),
                uniform(r, 1, 80), 0, uniform(r, 0, 0.05));
    }

    private static Service dialogue(SplittableRandom r, int port, int minEx, int maxEx, boolean serverCloses) {
        return new Service(Kind.DIALOGUE, port, 0, 0, 0, uniform(r, minEx, maxEx), uniform(r, 0, 200),
                serverCloses ? uniform(r, 0.6, 1) : uniform(r, 0, 0.3), uniform(r, 0.5, 30), 0, uniform(r, 0, 0.05));
    }

    private static Service session(SplittableRandom r, Kind kind, int port) {
        return new Service(kind, port, 0, 0, 0, 1, 0, 0.1, 1, uniform(r, 5_000, 600_000), 0.02);
    }

    private static Service udpQuery(SplittableRandom r, int port) {
        return new Service(Kind.UDP_QUERY, port, 0, 0, 0, uniform(r, 1, 3), uniform(r, 10, 500), 0,
                uniform(r, 0.2, 30), 0, 0);
    }

    private static Service oneWay(SplittableRandom r, int port) {
        return new Service(Kind.UDP_ONE_WAY, port, 0, 0, 0, uniform(r, 1, 20), uniform(r, 100, 5_000), 0, 0, 0, 0);
    }

    private static int pick(SplittableRandom r, int[] ports) {
        return ports[r.nextInt(ports.length)];
    }

    static double uniform(SplittableRandom r, double lo, double hi) {
        return lo + (hi - lo) * r.nextDouble();
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /** One line: the profile, clients, rate and services. */
    public String describe() {
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (double v : clientRttMs) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "mix %d: %s RTT %.0f-%.0f ms, %d clients, %.1f flows/s:", seed, latency, lo, hi, clients,
                flowsPerSecond));
        for (Service s : services) {
            sb.append(' ').append(s.describe()).append(';');
        }
        return sb.substring(0, sb.length() - 1);
    }
}
