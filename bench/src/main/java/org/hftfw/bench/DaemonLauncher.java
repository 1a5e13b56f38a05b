package org.hftfw.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts an {@code hftfw} sync daemon as its own JVM the way bin/hftfw and the package's launcher start it: this
 * JVM's java, the daemon's JVM options file ({@code @conf/daemon.jvm}; none: the JVM's defaults) with the heap
 * raised for a large table, two malloc arenas, this JVM's class path. The benches that measure "through the
 * daemons" use it, so what they measure is the process an operator runs, not the same classes in the bench's JVM
 * (whose collector, heap and compiler differ).
 */
public final class DaemonLauncher {
    private DaemonLauncher() {}

    /**
     * Starts {@code hftfw ARGS...} with the options file {@code jvmOptions} (null: the JVM's defaults) and, when
     * given, a larger heap than the file's ({@code -Xmx...}); its output goes to {@code log}. The environment
     * variable {@code HFTFW_BENCH_DAEMON_OPTS} adds JVM options (e.g. a flight recording of each daemon:
     * {@code -XX:StartFlightRecording:filename=/tmp/%p.jfr}).
     */
    public static Process start(Path jvmOptions, Optional<String> heap, Path log, List<String> args)
            throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseCompactObjectHeaders"));
        if (jvmOptions != null) {
            cmd.add("@" + jvmOptions);
            heap.ifPresent(cmd::add);
        }
        String extra = System.getenv().getOrDefault("HFTFW_BENCH_DAEMON_OPTS", "").strip();
        if (!extra.isEmpty()) {
            cmd.addAll(List.of(extra.split("\\s+", -1)));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.hftfw.sidecar.Hftfw"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        if (jvmOptions != null) {
            pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");     // as bin/hftfw sets it for the daemon
        }
        return pb.start();
    }
}
