package org.hftfw.models.lab;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.conntrack.lab.NetnsLab.Netns;

/**
 * The trace lab: records real conntrack event logs from traffic it generates in network namespaces it
 * creates, and removes everything again.
 *
 * <pre>
 *   client ns  eth0 10.201.1.10 … 10.201.1.(9+K) ──veth── lan 10.201.1.1  firewall ns  wan 10.201.2.1 ──veth── eth0 10.201.2.10  server ns
 * </pre>
 *
 * The firewall forwards with an nftables {@code ct state} ruleset and records {@code conntrack -E -o
 * timestamp,id}. Client latency is added in the firewall by a {@link DelayLine}: packets from the client
 * side are held for the client's whole RTT before conntrack sees them (raw PREROUTING), so the firewall
 * observes each client's RTT between SYN_RECV and ESTABLISHED as it would on a real WAN. Everything is bounded: the plan's flow count, the
 * traffic duration, the tail spent waiting for the kernel's (late) DESTROY events.
 */
public final class TraceLab {

    /** What to record. */
    public record Spec(String profile, long seed, int flows, double flowsPerSecond, int durationSeconds,
                       int tailSeconds, int clients, Path outDir) {
        public Spec {
            Objects.requireNonNull(outDir, "outDir");
            if (flows <= 0 || flowsPerSecond <= 0 || durationSeconds <= 0 || tailSeconds < 0 || clients <= 0
                    || clients > 200) {
                throw new IllegalArgumentException("flows, rate, duration and clients (≤ 200) must be positive");
            }
        }
    }

    /** What was recorded; {@code namespaces} are the names of the namespaces the run created (and removed). */
    public record Result(Path eventLog, long newEvents, long updateEvents, long destroyEvents,
                         List<String> clientSummary, RttCheck rtt, List<String> namespaces) {}

    /** RTT the firewall observed (SYN_RECV → ESTABLISHED) against the one configured, over all flows. */
    public record RttCheck(int flows, double configuredMeanMillis, double observedMeanMillis,
                           double observedP50Millis, double observedP95Millis) {}

    private static final String CLIENT_NET = "10.201.1.";
    private static final String SERVER_ADDR = "10.201.2.10";

    private final PrintStream progress;
    private final DelayLine.Factory delayLines;

    public TraceLab(PrintStream progress, DelayLine.Factory delayLines) {
        this.progress = progress;
        this.delayLines = delayLines;
    }

    public Result record(Spec spec) throws IOException, InterruptedException {
        LatencyProfile latency = LatencyProfile.parse(spec.profile(), spec.clients(), spec.seed());
        Files.createDirectories(spec.outDir());
        try (NetnsLab lab = new NetnsLab("htl")) {
            Netns client = lab.netns("c");
            Netns fw = lab.netns("f");
            Netns server = lab.netns("s");
            List<String> namespaces = lab.names();
            wire(lab, client, fw, server, spec.clients());
            Path log = spec.outDir().resolve("events.log");
            Process recorder = fw.spawn(log, "conntrack", "-E", "-o", "timestamp,id", "-b", "16777216");
            // A dump reaps expired entries, so DESTROY follows the timeout by about a second instead of the tens
            // of seconds the kernel's lazy GC takes; the log then ends with the flows' real ends in it.
            // bounded like everything else here: it stops by itself after the run's longest possible duration
            int reaperSeconds = spec.durationSeconds() + spec.tailSeconds() + 120;
            Process reaper = fw.spawn(null, "sh", "-c", "i=0; while [ $i -lt " + reaperSeconds
                    + " ]; do conntrack -L >/dev/null 2>&1; sleep 1; i=$((i+1)); done");
            try (DelayLine _ = delayLines.start(fw, latency, CLIENT_NET)) {
                Thread.sleep(300);                                 // listener subscribed before traffic
                String java = ProcessHandle.current().info().command().orElse("java");
                String cp = System.getProperty("java.class.path");
                int serverSeconds = spec.durationSeconds() + 40;
                Process srv = server.spawn(spec.outDir().resolve("server.out"), java, "-cp", cp,
                        TrafficServer.class.getName(), SERVER_ADDR, Integer.toString(serverSeconds));
                waitForReady(spec.outDir().resolve("server.out"), srv);
                progress.printf("trace lab: %s, %d flows at %.1f/s for ≤ %d s, %d clients, seed %d%n",
                        latency.name(), spec.flows(), spec.flowsPerSecond(), spec.durationSeconds(),
                        spec.clients(), spec.seed());
                Path clientOut = spec.outDir().resolve("client.out");
                Process cli = client.spawn(clientOut, java, "-cp", cp, TrafficClient.class.getName(), SERVER_ADDR,
                        CLIENT_NET, Integer.toString(spec.clients()), Long.toString(spec.seed()),
                        Integer.toString(spec.flows()), Double.toString(spec.flowsPerSecond()),
                        Integer.toString(spec.durationSeconds()));
                waitWithProgress(cli, spec.durationSeconds() + 30, "traffic");
                NetnsLab.stop(srv);
                progress.printf("trace lab: traffic done; waiting %d s for late DESTROY events%n", spec.tailSeconds());
                waitTail(spec.tailSeconds());
            } finally {
                NetnsLab.stop(reaper);
                NetnsLab.stop(recorder);
            }
            List<String> summary = Files.readAllLines(spec.outDir().resolve("client.out"));
            Files.writeString(spec.outDir().resolve("rtt.txt"), rttTable(latency));
            return summarize(log, summary, latency, namespaces);
        }
    }

    private static void wire(NetnsLab lab, Netns client, Netns fw, Netns server, int clients) {
        lab.veth(client, "eth0", fw, "lan");
        lab.veth(server, "eth0", fw, "wan");
        for (int i = 0; i < clients; i++) {
            client.ip("addr", "add", CLIENT_NET + (10 + i) + "/24", "dev", "eth0");
        }
        client.ip("route", "add", "default", "via", CLIENT_NET + "1");
        fw.ip("addr", "add", CLIENT_NET + "1/24", "dev", "lan");
        fw.ip("addr", "add", "10.201.2.1/24", "dev", "wan");
        fw.sysctl("net.ipv4.ip_forward", "1");
        fw.sysctl("net.netfilter.nf_conntrack_tcp_loose", "0");
        server.ip("addr", "add", SERVER_ADDR + "/24", "dev", "eth0");
        server.ip("route", "add", "default", "via", "10.201.2.1");
        fw.nft("""
                table inet fw {
                  chain forward {
                    type filter hook forward priority 0; policy drop;
                    ct state invalid counter drop
                    ct state established,related counter accept
                    iifname "lan" ct state new counter accept
                  }
                }
                """);
    }

    private static void waitForReady(Path out, Process p) throws IOException, InterruptedException {
        for (int i = 0; i < 200; i++) {
            if (Files.exists(out) && Files.readString(out).contains("ready")) {
                return;
            }
            if (!p.isAlive()) {
                throw new IOException("lab server exited: " + Files.readString(out));
            }
            Thread.sleep(50);
        }
        throw new IOException("lab server did not start within 10 s");
    }

    private void waitWithProgress(Process p, int maxSeconds, String what) throws InterruptedException {
        long start = System.nanoTime();
        while (!p.waitFor(5, TimeUnit.SECONDS)) {
            long s = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            if (s % 15 == 0) {
                progress.printf("trace lab: %s running, %d s%n", what, s);
            }
            if (s > maxSeconds) {
                NetnsLab.stop(p);
                progress.printf("trace lab: %s stopped at its time bound (%d s)%n", what, maxSeconds);
                return;
            }
        }
    }

    /** Waits the whole tail: DESTROY events of the last flows come as their timeouts (TIME_WAIT 120 s) expire. */
    private void waitTail(int seconds) throws InterruptedException {
        for (int s = 0; s < seconds; s += 10) {
            Thread.sleep(Math.min(10, seconds - s) * 1000L);
            if (s > 0 && s % 30 == 0) {
                progress.printf("trace lab: tail %d/%d s%n", s, seconds);
            }
        }
    }

    private static String rttTable(LatencyProfile latency) {
        StringBuilder sb = new StringBuilder("# client address, configured RTT (ms)\n");
        for (int i = 0; i < latency.rttMillis().length; i++) {
            sb.append(CLIENT_NET).append(10 + i).append(' ').append(latency.rttMillis()[i]).append('\n');
        }
        return sb.toString();
    }

    private static Result summarize(Path log, List<String> clientSummary, LatencyProfile latency,
                                    List<String> namespaces)
            throws IOException {
        long nw = 0, up = 0, de = 0;
        java.util.Map<String, Double> synRecv = new java.util.HashMap<>();
        List<Double> observed = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (line.contains("[NEW]")) {
                nw++;
            } else if (line.contains("[UPDATE]")) {
                up++;
                String id = field(line, "id=");
                if (id == null) {
                    continue;
                }
                if (line.contains(" SYN_RECV ")) {
                    synRecv.put(id, timestamp(line));
                } else if (line.contains(" ESTABLISHED ") && synRecv.containsKey(id)) {
                    observed.add((timestamp(line) - synRecv.remove(id)) * 1000);
                }
            } else if (line.contains("[DESTROY]")) {
                de++;
            }
        }
        observed.sort(null);
        double mean = observed.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double configured = java.util.Arrays.stream(latency.rttMillis()).average().orElse(0);
        return new Result(log, nw, up, de, clientSummary, new RttCheck(observed.size(), configured, mean,
                percentile(observed, 0.5), percentile(observed, 0.95)), namespaces);
    }

    private static double percentile(List<Double> sorted, double q) {
        return sorted.isEmpty() ? Double.NaN : sorted.get((int) Math.min(sorted.size() - 1, q * sorted.size()));
    }

    private static double timestamp(String line) {
        return Double.parseDouble(line.substring(line.indexOf('[') + 1, line.indexOf(']')));
    }

    private static String field(String line, String key) {
        int i = line.lastIndexOf(key);
        if (i < 0) {
            return null;
        }
        int j = line.indexOf(' ', i);
        return line.substring(i + key.length(), j < 0 ? line.length() : j);
    }

    public static String describe(Result r) {
        return String.format(Locale.ROOT, "events: %d NEW, %d UPDATE, %d DESTROY -> %s%n"
                        + "RTT seen by the firewall (SYN_RECV->ESTABLISHED) over %d flows: mean %.1f ms, p50 %.1f, "
                        + "p95 %.1f (configured mean %.1f ms)%n%s",
                r.newEvents(), r.updateEvents(), r.destroyEvents(), r.eventLog(), r.rtt().flows(),
                r.rtt().observedMeanMillis(), r.rtt().observedP50Millis(), r.rtt().observedP95Millis(),
                r.rtt().configuredMeanMillis(), String.join("\n", r.clientSummary()));
    }
}
