package org.hftfw.sidecar.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.sidecar.Hftfw;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hftfw sync} under systemd's {@code Type=notify} protocol, with a fake NOTIFY_SOCKET: a real daemon process
 * says READY=1 once its sockets are bound, feeds the watchdog, answers SIGHUP with RELOADING=1 then READY=1 (the
 * configuration taken or refused), and says STOPPING=1 on SIGTERM before exiting 0.
 */
@Tag("lab")
class SdNotifyLabTest {

    @Test
    void aRealDaemonNotifiesReadyWatchdogAndStopping(@TempDir Path dir) throws Exception {
        LabAssumptions.assumeAvailable();
        Path ctl = dir.resolve("ctl");
        Path notify = dir.resolve("notify");
        try (NetnsLab lab = new NetnsLab("hsn");
             FakeNotifySocket systemd = new FakeNotifySocket(notify.toString(), Duration.ofSeconds(60))) {
            NetnsLab.Netns ns = lab.netns("notify");
            Path conf = Files.writeString(dir.resolve("hftfw.conf"), """
                    sync { local-address = "127.0.0.1", peer-address = "127.0.0.2" }
                    control.socket = "%s"
                    metrics.enabled = false
                    """.formatted(ctl));
            ProcessBuilder pb = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    Hftfw.class.getName(), "sync", "backup", "--config", conf.toString(), "--netns", ns.name()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile());
            pb.environment().put("NOTIFY_SOCKET", notify.toString());
            pb.environment().put("WATCHDOG_USEC", "400000");
            Process p = pb.start();
            try {
                String ready = systemd.receiveUntil("READY=1");
                assertNotNull(ready, () -> "no READY=1 within 60 s:\n" + log(dir));
                assertTrue(ready.contains("STATUS=sync backup running, control socket " + ctl), ready);
                assertTrue(Files.exists(ctl), "READY=1 comes after the control socket is bound");
                assertNotNull(systemd.receiveUntil("WATCHDOG=1"), () -> "the watchdog is fed:\n" + log(dir));

                // systemctl reload: RELOADING=1 stamped no earlier than the signal, then READY=1 once applied
                Files.writeString(conf, Files.readString(conf) + "lazy.barrier = 0.25\n");
                long signalled = MonotonicClock.micros();
                assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor());
                String reloading = systemd.nextExcept("WATCHDOG=1");
                assertNotNull(reloading, () -> "no RELOADING=1:\n" + log(dir));
                assertTrue(reloading.startsWith("RELOADING=1\nMONOTONIC_USEC="), reloading);
                long usec = Long.parseLong(reloading.lines().toList().get(1).substring("MONOTONIC_USEC=".length()));
                assertTrue(usec >= signalled, usec + " >= " + signalled);
                String reloaded = systemd.nextExcept("WATCHDOG=1");
                assertNotNull(reloaded, () -> "no READY=1 after the reload:\n" + log(dir));
                assertTrue(reloaded.startsWith("READY=1\n") && reloaded.endsWith("; configuration reloaded"), reloaded);

                // a refused file also ends the reload (the old configuration stays), with the reason in STATUS
                Files.writeString(conf, Files.readString(conf) + "lazy.barier = 0.5\n");
                assertEquals(0, new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor());
                assertTrue(systemd.receiveUntil("RELOADING=1") != null, () -> "no RELOADING=1:\n" + log(dir));
                String refused = systemd.nextExcept("WATCHDOG=1");
                assertNotNull(refused, () -> "no READY=1 after the refused reload:\n" + log(dir));
                assertTrue(refused.startsWith("READY=1\n") && refused.contains("reload refused")
                        && refused.contains("lazy.barier"), refused);

                // by PID, as systemd stops a service
                assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor());
                String stopping = systemd.receiveUntil("STOPPING=1");
                assertNotNull(stopping, () -> "no STOPPING=1:\n" + log(dir));
                assertTrue(stopping.contains("STATUS=stopping (SIGTERM)"), stopping);
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stopped within 30 s");
                assertEquals(0, p.exitValue(), log(dir));
            } finally {
                p.destroyForcibly();
            }
        }
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("daemon.log"));
        } catch (java.io.IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
