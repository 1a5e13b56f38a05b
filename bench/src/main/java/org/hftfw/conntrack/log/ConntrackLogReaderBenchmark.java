package org.hftfw.conntrack.log;

import org.hftfw.common.Clock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.memory.InMemoryConntrackTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Throughput of the {@code conntrack -E -o timestamp,id} log reader, per line, on a generated log held in memory
 * (NEW, UPDATE, DESTROY of TCP flows): parsing every line into events, and a full replay into an in-memory table.
 * Baseline: reading the same lines and counting the event tags, as {@code grep -c} does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(ConntrackLogReaderBenchmark.LINES)
public class ConntrackLogReaderBenchmark {
    static final int LINES = 60_000;

    private String log;

    @Setup
    public void generate() {
        StringBuilder sb = new StringBuilder(LINES * 170);
        for (int line = 0; line < LINES; line++) {
            int flow = line / 3;
            String tag = switch (line % 3) {
                case 0 -> "    [NEW] tcp      6 120 SYN_SENT";
                case 1 -> " [UPDATE] tcp      6 432000 ESTABLISHED";
                default -> "[DESTROY] tcp      6 TIME_WAIT";
            };
            int sport = 1024 + flow % 60000;
            sb.append(String.format(Locale.ROOT, "[%d.%06d]\t%s src=10.200.%d.1 dst=10.201.0.2 sport=%d dport=80 "
                            + "src=10.201.0.2 dst=10.200.%d.1 sport=80 dport=%d id=%d%n", 1_700_000_000L + line / 1000,
                    line, tag, flow / 60000 % 250, sport, flow / 60000 % 250, sport, flow));
        }
        log = sb.toString();
    }

    @Benchmark
    public long baselineReadLinesCountTags() throws IOException {
        long tags = 0;
        try (BufferedReader in = new BufferedReader(new StringReader(log), 1 << 16)) {
            for (String l = in.readLine(); l != null; l = in.readLine()) {
                if (l.contains("[NEW]") || l.contains("[UPDATE]") || l.contains("[DESTROY]")) {
                    tags++;
                }
            }
        }
        return tags;
    }

    @Benchmark
    public long readEvents() throws IOException {
        try (ConntrackLogReader r = ConntrackLogReader.of(new StringReader(log), "bench")) {
            return r.readAll(e -> { });
        }
    }

    @Benchmark
    public long replayIntoInMemoryTable() throws IOException, InterruptedException {
        InMemoryConntrackTable table = InMemoryConntrackTable.create(Clock.of(() -> 0, () -> 0));
        try (ConntrackLogReader r = ConntrackLogReader.of(new StringReader(log), "bench")) {
            return ReplaySource.from(r).into(table).run().events();
        }
    }
}
