package org.hftfw.sidecar.models;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import org.hftfw.models.logs.FlowLogs;

/** Progress lines on stderr while long logs are read, at most one every two seconds (wall clock, CLI only). */
final class CliProgress implements FlowLogs.Progress {
    private final PrintStream err;
    private final long start = System.nanoTime();
    private long last = start;

    CliProgress(PrintStream err) {
        this.err = err;
    }

    @Override
    public void update(Path file, long bytesRead, long totalBytes, long events) {
        long now = System.nanoTime();
        if (now - last < 2_000_000_000L || bytesRead >= totalBytes) {
            return;
        }
        last = now;
        err.printf(Locale.ROOT, "hftfw: %s: %.0f%% read, %d events, %.0f s%n", file,
                totalBytes == 0 ? 100.0 : 100.0 * bytesRead / totalBytes, events, (now - start) / 1e9);
    }
}
