package org.hftfw.predictor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Events recorded by rasdaemon (libraries.md §3 "rasdaemon SQLite"): its database is
 * {@code <var>/lib/rasdaemon/ras-mc_event.db}. No SQLite JDBC driver is on the classpath ({@code
 * org.xerial:sqlite-jdbc} bundles natives and did not resolve for this build), so the events are read by running
 * {@code ras-mc-ctl --errors} (rasdaemon's util/ras-mc-ctl), which prints sections {@code "Memory controller
 * events:"}, {@code "PCIe AER events:"}, {@code "MCE events:"} (or {@code "No Memory errors."} ...) with one
 * numbered event per line; memory lines are {@code <id> <date> <time> <tz> <count> <type> error(s): ...}. The command
 * is a Perl script that queries the whole database, so it runs at most once per {@code minInterval} (injected time)
 * and its last counts are reused in between; it is killed after a timeout.
 */
final class RasdaemonSource implements FaultSource {

    static final String NAME = "rasdaemon";
    private static final long TIMEOUT_SECONDS = 10;

    private final Path database;
    private final Optional<Path> rasMcCtl;
    private final long minIntervalNanos;
    private long lastRunNanos;
    private SourceSample last;

    RasdaemonSource(SourceRoots roots, Optional<Path> rasMcCtl, long minIntervalNanos) {
        this.database = roots.var().resolve("lib/rasdaemon/ras-mc_event.db");
        this.rasMcCtl = rasMcCtl;
        this.minIntervalNanos = minIntervalNanos;
    }

    /** {@code ras-mc-ctl} from {@code PATH}, if installed. */
    static Optional<Path> findOnPath() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(":", -1)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "ras-mc-ctl");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static boolean sqliteJdbcPresent() {
        try {
            DriverManager.getDriver("jdbc:sqlite::memory:");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public synchronized SourceSample sample(long nowNanos) {
        if (rasMcCtl.isEmpty()) {
            return SourceSample.unavailable(NAME, nowNanos, (Files.exists(database) ? database + " exists but no "
                    : "rasdaemon not installed: " + database + " absent and no ")
                    + "ras-mc-ctl on PATH" + (sqliteJdbcPresent() ? "" : " (and no SQLite JDBC driver on the classpath)"));
        }
        if (last != null && nowNanos - lastRunNanos < minIntervalNanos) {
            return new SourceSample(NAME, nowNanos, last.availability(), last.readings());
        }
        lastRunNanos = nowNanos;
        last = run(nowNanos);
        return last;
    }

    private SourceSample run(long nowNanos) {
        SampleCollector c = new SampleCollector(NAME);
        Process p;
        try {
            p = new ProcessBuilder(rasMcCtl.get().toString(), "--errors").redirectErrorStream(true).start();
        } catch (IOException e) {
            return SourceSample.unavailable(NAME, nowNanos, rasMcCtl.get() + " cannot run: " + SampleCollector.describe(e));
        }
        try {
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readNBytes(8 << 20);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                c.problem("ras-mc-ctl --errors did not finish in " + TIMEOUT_SECONDS + " s");
                return c.build(nowNanos);
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                c.problem("ras-mc-ctl --errors exited " + p.exitValue() + ": "
                        + SampleCollector.abbreviate(text.strip()));
                return c.build(nowNanos);
            }
            Parsed parsed = parse(text);
            parsed.counts().forEach((k, v) -> c.add(Metric.LOG_EVENTS, k.name(), v));
            parsed.problems().forEach(c::problem);
        } catch (IOException e) {
            c.problem("reading ras-mc-ctl output: " + SampleCollector.describe(e));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            c.problem("interrupted");
        }
        return c.build(nowNanos);
    }

    record Parsed(Map<LogEventClass, Long> counts, List<String> problems) {}

    private enum Section { NONE, MEMORY, AER, MCE, OTHER }

    static Parsed parse(String text) {
        Map<LogEventClass, Long> counts = new EnumMap<>(LogEventClass.class);
        for (LogEventClass k : List.of(LogEventClass.EDAC_CE, LogEventClass.EDAC_UE, LogEventClass.AER_CORRECTED,
                LogEventClass.AER_NONFATAL, LogEventClass.AER_FATAL, LogEventClass.MCE_CORRECTED,
                LogEventClass.MCE_DEFERRED, LogEventClass.MCE_UNCORRECTED)) {
            counts.put(k, 0L);
        }
        List<String> problems = new ArrayList<>();
        Section section = Section.NONE;
        boolean recognized = false;
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.endsWith("events:")) {
                section = line.startsWith("Memory controller") ? Section.MEMORY
                        : line.startsWith("PCIe AER") ? Section.AER : line.startsWith("MCE") ? Section.MCE : Section.OTHER;
                recognized = true;
                continue;
            }
            if (line.startsWith("No ") && line.endsWith("errors.")) {
                recognized = true;
                section = Section.NONE;
                continue;
            }
            if (section == Section.NONE || section == Section.OTHER || !Character.isDigit(line.charAt(0))) {
                continue;
            }
            String[] tok = line.split("\\s+", -1);
            switch (section) {
                case MEMORY -> {
                    long n = tok.length > 5 && tok[4].chars().allMatch(Character::isDigit) ? Long.parseLong(tok[4]) : 1;
                    boolean ue = line.contains("Uncorrected") || line.contains("Fatal");
                    counts.merge(ue ? LogEventClass.EDAC_UE : LogEventClass.EDAC_CE, n, Long::sum);
                }
                case AER -> counts.merge(line.contains("(Fatal)") ? LogEventClass.AER_FATAL
                        : line.contains("Non-Fatal") ? LogEventClass.AER_NONFATAL : LogEventClass.AER_CORRECTED,
                        1L, Long::sum);
                case MCE -> counts.merge(line.contains("Deferred") ? LogEventClass.MCE_DEFERRED
                        : line.contains("Uncorrected") || line.contains("Fatal") ? LogEventClass.MCE_UNCORRECTED
                        : LogEventClass.MCE_CORRECTED, 1L, Long::sum);
                default -> { }
            }
        }
        if (!recognized) {
            problems.add("ras-mc-ctl output not recognized: '" + SampleCollector.abbreviate(text.strip()) + "'");
        }
        return new Parsed(counts, problems);
    }
}
