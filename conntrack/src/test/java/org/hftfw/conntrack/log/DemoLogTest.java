package org.hftfw.conntrack.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.memory.InMemoryConntrackTable;
import org.junit.jupiter.api.Test;

/** The demo log shipped with the sidecar (sidecar/src/main/resources/demo/events.log) replays cleanly. */
class DemoLogTest {
    static final Path DEMO = Path.of("..", "sidecar", "src", "main", "resources", "demo", "events.log");

    @Test
    void demoLogReplaysIntoTheExpectedLiveTable() throws Exception {
        assertTrue(Files.isRegularFile(DEMO), "demo log missing at " + DEMO.toAbsolutePath());
        List<String> lines = Files.readAllLines(DEMO, StandardCharsets.UTF_8);
        long news = lines.stream().filter(l -> l.contains("[NEW]")).count();
        long destroys = lines.stream().filter(l -> l.contains("[DESTROY]")).count();
        assertTrue(news >= 50 && news <= 200, "50-200 flows: " + news);

        LogClock logClock = new LogClock();
        InMemoryConntrackTable table = InMemoryConntrackTable.create(logClock);
        ReplayClock.Virtual pace = ReplayClock.virtual();
        ReplayResult r;
        ConntrackEvent[] firstLast = new ConntrackEvent[2];
        try (ConntrackLogReader reader = ConntrackLogReader.open(DEMO)) {
            r = ReplaySource.from(reader).into(table).logClock(logClock).paced(pace, 1.0)
                    .to(e -> {
                        if (firstLast[0] == null) {
                            firstLast[0] = e;
                        }
                        firstLast[1] = e;
                    })
                    .run();
        }
        assertTrue(r.parse().clean(), r.parse().toString());
        assertEquals(lines.size(), r.events());
        assertEquals(0, r.anomalies(), r.toString());
        assertEquals(news - destroys, table.size(), "open flows at the end of the log");
        assertEquals(firstLast[1].monotonicNanos() - firstLast[0].monotonicNanos(), pace.nanos(),
                "paced on virtual time over the recorded span");
    }
}
