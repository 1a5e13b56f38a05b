package org.hftfw.conntrack.log;

import java.io.BufferedReader;
import java.io.IOException;
import org.hftfw.conntrack.memory.InMemoryConntrackTable;

/**
 * Throughput of the log reader on a generated 1 000 000-line {@code -o timestamp,id} log streamed from memory,
 * beside a baseline that only reads the lines and counts tags (what {@code grep -c} does), and a full replay
 * into an in-memory table. Run: {@code java -cp conntrack/target/classes:conntrack/target/test-classes:<slf4j>
 * org.hftfw.conntrack.log.ConntrackLogReaderBenchmark [lines]}.
 */
public final class ConntrackLogReaderBenchmark {
    private ConntrackLogReaderBenchmark() {}

    public static void main(String[] args) throws Exception {
        long lines = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        for (int round = 1; round <= 3; round++) {
            long t0 = System.nanoTime();
            long tags = baseline(lines);
            long t1 = System.nanoTime();
            long events;
            try (ConntrackLogReader r = ConntrackLogReader.of(new ConntrackLogReaderTest.GeneratedLog(lines), "bench")) {
                events = r.readAll(e -> {});
            }
            long t2 = System.nanoTime();
            InMemoryConntrackTable table = InMemoryConntrackTable.create(() -> 0, () -> 0);
            ReplayResult res;
            try (ConntrackLogReader r = ConntrackLogReader.of(new ConntrackLogReaderTest.GeneratedLog(lines), "bench")) {
                res = ReplaySource.from(r).into(table).run();
            }
            long t3 = System.nanoTime();
            System.out.printf("round %d: baseline readLine+tag count %,d lines in %d ms (%,.0f lines/s) | "
                            + "ConntrackLogReader %,d events in %d ms (%,.0f events/s) | "
                            + "replay into InMemoryConntrackTable %,d events in %d ms (%,.0f events/s, anomalies %d)%n",
                    round, tags, (t1 - t0) / 1_000_000, tags * 1e9 / (t1 - t0),
                    events, (t2 - t1) / 1_000_000, events * 1e9 / (t2 - t1),
                    res.events(), (t3 - t2) / 1_000_000, res.events() * 1e9 / (t3 - t2), res.anomalies());
        }
    }

    private static long baseline(long lines) throws IOException {
        long tags = 0;
        try (BufferedReader in = new BufferedReader(new ConntrackLogReaderTest.GeneratedLog(lines), 1 << 16)) {
            for (String l = in.readLine(); l != null; l = in.readLine()) {
                if (l.contains("[NEW]") || l.contains("[UPDATE]") || l.contains("[DESTROY]")) {
                    tags++;
                }
            }
        }
        return tags;
    }
}
