package org.hftfw.models.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.models.logs.FlowLogs;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The shipped recordings (models/traces, made with {@code hftfw lab record}, see traces/README.md) against what
 * their seed alone determines: the per-client RTT table, the per-service flow counts of the plan (done + failed; long
 * flows cut by the time bound are neither), and the number of HTTP connections the firewall saw.
 */
class RecordedTraceReproducibilityTest {

    @ParameterizedTest
    @CsvSource({"heterogeneous-21, heterogeneous, 21", "homogeneous-11, homogeneous, 11"})
    void recordingMatchesItsSeed(String name, String profile, long seed) throws IOException {
        Path dir = Path.of("traces");
        LatencyProfile p = LatencyProfile.parse(profile, 40, seed);
        StringBuilder rtt = new StringBuilder("# client address, configured RTT (ms)\n");
        for (int i = 0; i < 40; i++) {
            rtt.append("10.201.1.").append(10 + i).append(' ').append(p.rttMillis()[i]).append('\n');
        }
        assertEquals(rtt.toString(), Files.readString(dir.resolve(name + ".rtt.txt")), "RTT table from the seed");

        FlowPlan plan = FlowPlan.generate(seed, 400, 4.0, 100_000, 40, Map.of());
        Map<Service, Long> started = new EnumMap<>(Service.class);
        for (String line : Files.readAllLines(dir.resolve(name + ".client.txt"))) {
            String[] f = line.split(" ", -1);
            Service s = Service.valueOf(f[0].toUpperCase(Locale.ROOT));
            started.put(s, Long.parseLong(f[1].substring(5)) + Long.parseLong(f[2].substring(7)));
        }
        // flows still running at the traffic time bound are neither done nor failed: at most the plan, and the
        // short ones (HTTP, DNS) all complete
        for (Service s : Service.values()) {
            long planned = plan.countByService().getOrDefault(s, 0L);
            long seen = started.getOrDefault(s, 0L);
            assertTrue(seen <= planned && seen >= planned * 9 / 10, s + ": planned " + planned + ", recorded " + seen);
        }
        assertEquals(plan.countByService().get(Service.HTTP), started.get(Service.HTTP));
        assertEquals(plan.countByService().get(Service.DNS), started.get(Service.DNS));

        long httpConnections = FlowLogs.read(dir.resolve(name + ".events.log.gz"), FlowLogs.Progress.NONE).events()
                .stream().filter(e -> e.type() == EventType.NEW && e.entry().l4proto() == IpProto.TCP
                        && e.entry().original().dport() == Service.HTTP.port).count();
        assertEquals(plan.countByService().get(Service.HTTP), httpConnections, "HTTP connections seen by conntrack");
    }
}
