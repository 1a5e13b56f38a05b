package org.hftfw.sidecar.models;

import org.hftfw.common.Durations;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.models.logs.FlowLogs;

/** Shared checks of the model commands' inputs; a problem is a {@link CliError} with one clear line. */
final class Logs {
    private Logs() {}

    static void checkReadable(List<Path> logs) {
        if (logs == null || logs.isEmpty()) {
            throw new CliError("no flow log given");
        }
        for (Path p : logs) {
            if (!Files.isRegularFile(p)) {
                throw new CliError(p + ": no such file");
            }
            if (!Files.isReadable(p)) {
                throw new CliError(p + ": not readable");
            }
        }
    }

    static Duration latency(String text) {
        try {
            return LazyConfig.defaults().withLatency(Durations.parse("--latency", text)).validated().latency();
        } catch (RuntimeException e) {
            throw new CliError(e.getMessage().startsWith("--latency") ? e.getMessage() : "--latency: " + e.getMessage());
        }
    }

    /** A --prior-strength value: a number > 0 or 'inf'; {@code fallback} when not given. */
    static double priorStrength(String text, double fallback) {
        if (text == null) {
            return fallback;
        }
        double k;
        try {
            k = text.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new CliError("--prior-strength must be a number > 0 or 'inf', got '" + text + "'");
        }
        if (!(k > 0)) {
            throw new CliError("--prior-strength must be > 0, got " + text);
        }
        return k;
    }

    /** Prints a log's summary to {@code err}; refuses a log with no events at all. */
    static void report(FlowLogs.Loaded l, PrintStream err) {
        err.println("hftfw: " + FlowLogs.describe(l, 5));
        if (l.report().events() == 0) {
            throw new CliError(l.path() + ": no conntrack events in it (is it a conntrack -E or ulogd2 JSON log?)");
        }
    }

    /** A user-facing error: printed as one line, exit code 1. */
    static final class CliError extends RuntimeException {
        CliError(String message) {
            super(message);
        }
    }

    static int fail(PrintStream err, String message) {
        err.println("hftfw: " + message);
        return 1;
    }
}
