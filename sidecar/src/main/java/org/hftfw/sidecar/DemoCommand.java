package org.hftfw.sidecar;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.hftfw.lazy.Mode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hftfw demo}: the main job on an embedded default, in one JVM and without root (see {@link Demo}).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run all of hFT-FW on an embedded default, in one JVM, on loopback, without root: a primary "
                + "replica replays a real firewall capture (shipped), the Bayes lazy replicator sends its stable "
                + "states over FT-FW to a backup replica, memory errors are injected into a fake sysfs tree part-way "
                + "through, and the predictor, policy daemon and state migrator move the whole table to the backup "
                + "and hand over. Exit code 0 if the backup ends up with every flow in its current state."})
final class DemoCommand implements Callable<Integer> {
    static final String DEMO_LOG = "/demo/events.log";

    @Option(names = "--log", description = "replay this 'conntrack -E -o timestamp[,id]' log instead of the shipped one")
    Path log;

    @Option(names = "--speed", defaultValue = "10",
            description = "replay speed against the log's own clock; 0 = as fast as possible (default: ${DEFAULT-VALUE})")
    double speed;

    @Option(names = "--fault-at", defaultValue = "0.6",
            description = "when to inject the faults, as a fraction of the log's duration (default: ${DEFAULT-VALUE})")
    double faultAt;

    @Option(names = "--replicate-all", description = "replicate every state change instead of lazily (baseline)")
    boolean replicateAll;

    @Option(names = "--mode", defaultValue = "defer",
            description = "what to do with a transitional state: drop or defer (default: ${DEFAULT-VALUE})")
    String mode;

    @Option(names = "--barrier", defaultValue = "0.125",
            description = "P(stable) at or below which a state counts as transitional (default: ${DEFAULT-VALUE})")
    double barrier;

    @Option(names = "--verbose", description = "also show the components' own log lines")
    boolean verbose;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (speed < 0) {
            throw new Failures.UserError("--speed must be >= 0");
        }
        if (faultAt < 0 || faultAt > 1) {
            throw new Failures.UserError("--fault-at must be in [0, 1]");
        }
        if (barrier < 0 || barrier > 1) {
            throw new Failures.UserError("--barrier must be in [0, 1]");
        }
        Mode m = switch (mode.toLowerCase(java.util.Locale.ROOT)) {
            case "drop" -> Mode.DROP;
            case "defer" -> Mode.DEFER;
            default -> throw new Failures.UserError("--mode must be drop or defer");
        };
        if (log != null && !Files.isReadable(log)) {
            throw new Failures.UserError("cannot read " + log);
        }
        Demo.LogSource source = log != null ? () -> Files.newBufferedReader(log, StandardCharsets.UTF_8) : DemoCommand::shipped;
        String name = log != null ? log.toString() : "the shipped capture of a namespace firewall";
        Path work = Files.createTempDirectory("hftfw-demo");
        try {
            boolean ok = new Demo(System.out).run(new Demo.Options(source, name, speed, faultAt, !replicateAll, m, barrier), work);
            return ok ? 0 : 1;
        } finally {
            try (var paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Reader shipped() {
        InputStream in = DemoCommand.class.getResourceAsStream(DEMO_LOG);
        if (in == null) {
            throw new IllegalStateException("the shipped demo log is missing from the jar");
        }
        return new InputStreamReader(in, StandardCharsets.UTF_8);
    }
}
