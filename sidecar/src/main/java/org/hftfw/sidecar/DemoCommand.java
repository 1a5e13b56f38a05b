package org.hftfw.sidecar;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.log.ConntrackLogReader;
import org.hftfw.conntrack.log.LogClock;
import org.hftfw.conntrack.log.ReplayClock;
import org.hftfw.conntrack.log.ReplayResult;
import org.hftfw.conntrack.log.ReplaySource;
import org.hftfw.conntrack.memory.InMemoryConntrackTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hftfw demo}: the main job on an embedded default, in one JVM and without root. Replays a real
 * firewall capture (shipped in the jar) into an in-memory primary table and reports what the sidecar saw.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run hFT-FW on an embedded default: replay a shipped firewall capture into an in-memory "
                + "conntrack table (no root, no setup) and report what was seen.")
final class DemoCommand implements Callable<Integer> {
    static final String DEMO_LOG = "/demo/events.log";

    @Option(names = "--log", description = "replay this 'conntrack -E -o timestamp[,id]' log instead of the shipped one")
    Path log;

    @Option(names = "--speed", defaultValue = "20",
            description = "replay speed against the log's own clock; 0 = as fast as possible (default: ${DEFAULT-VALUE})")
    double speed;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintStream out = System.out;
        if (speed < 0) {
            throw new Failures.UserError("--speed must be ≥ 0");
        }
        out.printf("hFT-FW demo: %s, replayed %s%n", log == null ? "shipped capture of a namespace firewall (42 s, 116 flows)" : log,
                speed == 0 ? "as fast as possible" : speed + "x");
        LogClock clock = new LogClock();
        InMemoryConntrackTable primary = InMemoryConntrackTable.create(clock::nanos, clock::epochMicros);
        Tally tally = new Tally();
        ReplayResult r;
        try (ConntrackLogReader reader = ConntrackLogReader.of(open(), log == null ? "demo/events.log" : log.toString())) {
            ReplaySource replay = ReplaySource.from(reader).into(primary).to(tally).logClock(clock);
            if (speed > 0) {
                replay.paced(ReplayClock.system(), speed);
            }
            r = replay.run();
        }
        out.printf("replay: %d events (%d NEW, %d UPDATE, %d DESTROY), %d malformed lines, %d anomalies%n",
                r.events(), tally.byType.getOrDefault(EventType.NEW, 0L), tally.byType.getOrDefault(EventType.UPDATE, 0L),
                tally.byType.getOrDefault(EventType.DESTROY, 0L), r.parse().malformed(), r.anomalies());
        out.println("state changes by state:");
        tally.byState.forEach((state, n) -> out.printf("  %-16s %6d%n", state, n));
        out.printf("primary table at the end: %d entries%n", primary.list().size());
        return 0;
    }

    private Reader open() throws IOException {
        if (log != null) {
            if (!Files.isReadable(log)) {
                throw new Failures.UserError("cannot read " + log);
            }
            return Files.newBufferedReader(log, StandardCharsets.UTF_8);
        }
        InputStream in = DemoCommand.class.getResourceAsStream(DEMO_LOG);
        if (in == null) {
            throw new IllegalStateException("the shipped demo log is missing from the jar");
        }
        return new InputStreamReader(in, StandardCharsets.UTF_8);
    }

    /** Counts what the replay delivered. */
    private static final class Tally implements ConntrackEventListener {
        final Map<EventType, Long> byType = new java.util.EnumMap<>(EventType.class);
        final Map<String, Long> byState = new TreeMap<>();

        @Override
        public void onEvent(ConntrackEvent e) {
            byType.merge(e.type(), 1L, Long::sum);
            if (e.type() != EventType.DESTROY) {
                byState.merge(e.entry().stateLabel(), 1L, Long::sum);
            }
        }
    }
}
