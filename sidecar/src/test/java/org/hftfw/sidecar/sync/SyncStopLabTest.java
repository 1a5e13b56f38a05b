package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.sidecar.Hftfw;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hftfw sync} stopped by SIGTERM, as a service manager stops it: a shutdown line, then exit 0 (was 143). */
@Tag("lab")
class SyncStopLabTest {

    @Test
    void sigtermStopsTheDaemonCleanlyWithExitZero(@TempDir Path dir) throws Exception {
        LabAssumptions.assumeAvailable();
        try (NetnsLab lab = new NetnsLab("hss")) {
            NetnsLab.Netns ns = lab.netns("term");
            Path conf = Files.writeString(dir.resolve("hftfw.conf"), """
                    sync { local-address = "127.0.0.1", peer-address = "127.0.0.2" }
                    control.socket = "%s"
                    metrics.enabled = false
                    """.formatted(dir.resolve("ctl")));
            Process p = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    Hftfw.class.getName(), "sync", "backup", "--config", conf.toString(), "--netns", ns.name()))
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            StringBuilder out = new StringBuilder();
            try (BufferedReader r = p.inputReader(StandardCharsets.UTF_8)) {
                String line;
                while ((line = r.readLine()) != null && !line.contains("running (control socket")) {
                    out.append(line).append('\n');
                }
                assertTrue(line != null, "the daemon did not start:\n" + out);
                // by PID, as a service manager does (Process.destroy() would also close our end of its output)
                assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor());
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stopped within 30 s");
                for (line = r.readLine(); line != null; line = r.readLine()) {
                    out.append(line).append('\n');
                }
            } finally {
                p.destroyForcibly();
            }
            assertEquals(0, p.exitValue(), out.toString());
            assertTrue(out.toString().contains("stopping (SIGTERM)") && out.toString().contains("stopped cleanly"),
                    out.toString());
        }
    }
}
