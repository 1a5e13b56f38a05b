package org.hftfw.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.sidecar.systemd.FakeNotifySocket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The package alone under a service manager's protocol (issue 12, "how it is checked"): the .deb unpacked as dpkg
 * does, its launcher started with no JDK and no Maven reachable (PATH holds only a shell and the few tools the
 * launcher calls), the daemon's kernel table and sync socket in a namespace of its own, and this test in systemd's
 * place: it owns NOTIFY_SOCKET and WATCHDOG_USEC, signals the main PID as {@code systemctl reload} and
 * {@code systemctl stop} do, and reads the exit status. systemd itself is not PID 1 in CI, so {@code systemd-run}
 * cannot be used; what it would check is checked here, message by message.
 */
@Tag("lab")
class SupervisedDaemonLabTest {
    /** What the launcher runs (dist/hftfw.sh): bash, dirname, readlink; no java among them. */
    private static final List<String> TOOLS = List.of("bash", "dirname", "readlink");

    @Test
    void theUnpackedPackageStartsReportsReadyReloadsAndStopsWithExitZero(@TempDir Path dir) throws Exception {
        LabAssumptions.assumeAvailable();
        Path root = dir.resolve("root");
        unpack(root);
        Path bin = toolsOnly(dir.resolve("path"));
        Path ctl = dir.resolve("sync.ctl");
        Path notify = dir.resolve("notify");
        Path log = dir.resolve("daemon.log");
        Path conf = Files.writeString(dir.resolve("hftfw.conf"), """
                sync { local-address = "127.0.0.1", peer-address = "127.0.0.2" }
                control.socket = "%s"
                metrics.enabled = false
                """.formatted(ctl));
        try (NetnsLab lab = new NetnsLab("hds");
             FakeNotifySocket systemd = new FakeNotifySocket(notify.toString(), Duration.ofSeconds(60))) {
            NetnsLab.Netns ns = lab.netns("svc");
            ProcessBuilder pb = new ProcessBuilder(List.of(root.resolve("usr/bin/hftfw").toString(), "sync", "backup",
                    "--config", conf.toString(), "--netns", ns.name()))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().clear();
            pb.environment().put("PATH", bin.toString());
            pb.environment().put("HOME", dir.toString());
            pb.environment().put("NOTIFY_SOCKET", notify.toString());
            pb.environment().put("WATCHDOG_USEC", "2000000");
            // the package's conffile, as /etc/hftfw/daemon.jvm would be once installed
            pb.environment().put("HFTFW_DAEMON_JVM", root.resolve("etc/hftfw/daemon.jvm").toString());
            Process p = pb.start();
            try {
                String ready = systemd.receiveUntil("READY=1");
                assertNotNull(ready, () -> "no READY=1 within 60 s:\n" + read(log));
                assertTrue(ready.contains("STATUS=sync backup running, control socket " + ctl), ready);
                assertTrue(Files.exists(ctl), "READY=1 comes after the control socket is bound");
                // the launcher exec'd the bundled runtime: the main PID systemd watches is that java
                Path exe = Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "exe"));
                assertEquals(root.resolve("usr/lib/hftfw/runtime/bin/java").toRealPath(), exe);
                assertNotNull(systemd.receiveUntil("WATCHDOG=1"), () -> "the watchdog is fed:\n" + read(log));

                signal("HUP", p);
                String reloading = systemd.nextExcept("WATCHDOG=1");
                assertNotNull(reloading, () -> "no RELOADING=1:\n" + read(log));
                assertTrue(reloading.startsWith("RELOADING=1\nMONOTONIC_USEC="), reloading);
                String reloaded = systemd.nextExcept("WATCHDOG=1");
                assertNotNull(reloaded, () -> "no READY=1 after the reload:\n" + read(log));
                assertTrue(reloaded.startsWith("READY=1\n") && reloaded.contains("configuration reloaded"), reloaded);

                signal("TERM", p);
                String stopping = systemd.nextExcept("WATCHDOG=1");
                assertNotNull(stopping, () -> "no STOPPING=1:\n" + read(log));
                assertTrue(stopping.startsWith("STOPPING=1\nSTATUS=stopping (SIGTERM)"), stopping);
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stopped within 30 s");
                assertEquals(0, p.exitValue(), () -> read(log));
                assertTrue(read(log).contains("hftfw sync backup stopped cleanly"), () -> read(log));
            } finally {
                p.destroyForcibly().waitFor();
            }
        }
    }

    private static void unpack(Path root) throws IOException, InterruptedException {
        Path deb;
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("hftfw.packages")))) {
            deb = files.filter(f -> f.toString().endsWith("_amd64.deb")).findFirst().orElseThrow();
        }
        Process x = new ProcessBuilder("dpkg-deb", "-x", deb.toString(), root.toString()).inheritIO().start();
        assertTrue(x.waitFor(60, TimeUnit.SECONDS) && x.exitValue() == 0, "dpkg-deb -x " + deb);
    }

    /** A directory of links to the launcher's tools only: no java, javac or mvn can be found on this PATH. */
    private static Path toolsOnly(Path bin) throws IOException {
        Files.createDirectories(bin);
        for (String tool : TOOLS) {
            Path real = Stream.of("/usr/bin", "/bin").map(d -> Path.of(d, tool)).filter(Files::isExecutable)
                    .findFirst().orElseThrow(() -> new AssertionError(tool + " not found"));
            Files.createSymbolicLink(bin.resolve(tool), real);
        }
        return bin;
    }

    /** By PID, as systemd signals a service's main process. */
    private static void signal(String name, Process p) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor());
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
