package org.hftfw.models;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.hftfw.bench.Figures;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.Mode;
import org.hftfw.models.logs.FlowLogs;

/**
 * Benchmark of what {@code hftfw evaluate} does on a log of about 1 000 000 events ({@code hftfw bench evaluate
 * --log}): read (gzip text), prepare, score Bayes DROP + DEFER and all baselines, then a 9-barrier sweep. The log is
 * built from a real recorded trace (heterogeneous-21 by default) by repeating it with other client subnets and start
 * times 20 s apart (so copies overlap in time, as concurrent clients would); its events are real, their
 * multiplication is not. Baseline in the same process: reading the log alone.
 */
public final class EvaluateLogBench {
    /** The recorded trace the log is built from, relative to the project root. */
    public static final Path DEFAULT_TRACE = Path.of("models/traces/heterogeneous-21.events.log.gz");

    private EvaluateLogBench() {}

    /** Builds a log of about {@code target} events from {@code trace} and times two rounds of evaluating it. */
    public static void run(Path trace, int target) throws IOException {
        Figures.header("hftfw evaluate's work on a log built from " + trace.getFileName(), "about " + target + " events");
        Path log = Files.createTempFile("hftfw-bench", ".events.log.gz");
        try {
            long n = build(trace, target, log);
            System.out.printf(Locale.ROOT, "log: %d events, %.1f MB gzipped (%s)%n", n, Files.size(log) / 1e6, log);
            for (int round = 0; round < 2; round++) {
                long t0 = System.nanoTime();
                FlowLogs.Loaded l = FlowLogs.read(log, FlowLogs.Progress.NONE);
                long t1 = System.nanoTime();
                Evaluation.Report r = Evaluation.run(List.of(l.events()), new Evaluation.Spec(LazyConfig.defaults(),
                        DefaultModel.load(), new double[] {0.125}, List.of(Mode.DROP, Mode.DEFER),
                        Duration.ofSeconds(15), Duration.ofMillis(1)));
                long t2 = System.nanoTime();
                Evaluation.Report s = Evaluation.run(List.of(l.events()), new Evaluation.Spec(LazyConfig.defaults(),
                        DefaultModel.load(), Evaluation.sweep(0.05, 0.45, 0.05), List.of(Mode.DROP),
                        Duration.ofSeconds(15), Duration.ofMillis(1)));
                long t3 = System.nanoTime();
                System.out.printf(Locale.ROOT, "round %d: read (baseline) %.2f s; evaluate default (2 Bayes runs + 7 "
                                + "baselines) %.2f s; sweep of %d barriers + baselines %.2f s; bayes drop 0.125 saved "
                                + "%.2f%% wrong %.3f%%%n", round, (t1 - t0) / 1e9, (t2 - t1) / 1e9, s.bayes().size(),
                        (t3 - t2) / 1e9, 100 * r.bayes().getFirst().result().saved(),
                        100 * r.bayes().getFirst().result().wrong());
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Copies of {@code src} with client net 10.201.1.x renamed per copy and times shifted 20 s per copy. */
    static long build(Path src, int target, Path out) throws IOException {
        List<String> lines;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(src))) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(s -> !s.isBlank()).toList();
        }
        int copies = Math.max(1, target / lines.size());
        List<long[]> order = new ArrayList<>();
        double t0 = Double.parseDouble(lines.getFirst().substring(1, lines.getFirst().indexOf(']')));
        for (int c = 0; c < copies; c++) {
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                double t = Double.parseDouble(l.substring(1, l.indexOf(']'))) - t0 + c * 20.0;
                order.add(new long[] {Math.round(t * 1e6), c, i});
            }
        }
        order.sort((a, b) -> Long.compare(a[0], b[0]));
        try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(
                Files.newOutputStream(out), 1 << 16), StandardCharsets.UTF_8))) {
            for (long[] o : order) {
                String l = lines.get((int) o[2]);
                String net = "10." + (1 + o[1] / 250) + "." + (o[1] % 250) + ".";
                w.write(String.format(Locale.ROOT, "[%d.%06d]", 1_700_000_000L + o[0] / 1_000_000, o[0] % 1_000_000));
                w.write(l.substring(l.indexOf(']') + 1).replace("10.201.1.", net));
                w.write('\n');
            }
        }
        return order.size();
    }
}
