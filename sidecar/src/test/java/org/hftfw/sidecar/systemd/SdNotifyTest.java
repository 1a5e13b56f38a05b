package org.hftfw.sidecar.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hftfw.common.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SdNotifyTest {

    @Test
    void readyAndStoppingReachTheNotifySocket(@TempDir Path dir) throws Exception {
        String path = dir.resolve("notify").toString();
        try (FakeNotifySocket systemd = new FakeNotifySocket(path, Duration.ofSeconds(10));
             SdNotify n = SdNotify.from(Map.of("NOTIFY_SOCKET", path), 42)) {
            assertTrue(n.enabled());
            n.ready("sync both running,\ncontrol socket /run/x");
            assertEquals("READY=1\nSTATUS=sync both running, control socket /run/x", systemd.receive());
            n.stopping("stopping (SIGTERM)");
            assertEquals("STOPPING=1\nSTATUS=stopping (SIGTERM)", systemd.receive());
        }
    }

    @Test
    void reloadingCarriesTheMonotonicClockSystemdComparesWithItsSignal(@TempDir Path dir) throws Exception {
        String path = dir.resolve("notify").toString();
        try (FakeNotifySocket systemd = new FakeNotifySocket(path, Duration.ofSeconds(10));
             SdNotify n = SdNotify.from(Map.of("NOTIFY_SOCKET", path), 42)) {
            long before = MonotonicClock.micros();
            n.reloading("reloading the configuration (SIGHUP)");
            long after = MonotonicClock.micros();
            java.util.List<String> lines = systemd.receive().lines().toList();
            assertEquals("RELOADING=1", lines.get(0));
            assertTrue(lines.get(1).startsWith("MONOTONIC_USEC="), lines.get(1));
            long usec = Long.parseLong(lines.get(1).substring("MONOTONIC_USEC=".length()));
            assertTrue(before <= usec && usec <= after, before + " <= " + usec + " <= " + after);
            assertEquals("STATUS=reloading the configuration (SIGHUP)", lines.get(2));
        }
    }

    @Test
    void theMonotonicClockIsTheKernelsClockMonotonic() {
        // HotSpot on Linux reads CLOCK_MONOTONIC for System.nanoTime (os_linux.cpp, no offset): the same clock, so
        // a reading of one lies between two of the other (in microseconds)
        long before = System.nanoTime() / 1_000;
        long now = MonotonicClock.micros();
        long after = System.nanoTime() / 1_000 + 1;
        assertTrue(before <= now && now <= after, before + " <= " + now + " <= " + after);
    }

    @Test
    void anAbstractSocketNameIsWrittenWithAnAt() throws Exception {
        String name = "@hftfw-test-notify-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (FakeNotifySocket systemd = new FakeNotifySocket(name, Duration.ofSeconds(10));
             SdNotify n = SdNotify.from(Map.of("NOTIFY_SOCKET", name), 42)) {
            n.ready("up");
            assertEquals("READY=1\nSTATUS=up", systemd.receive());
        }
    }

    @Test
    void withoutNotifySocketNothingIsSent() {
        try (SdNotify n = SdNotify.from(Map.of(), 42)) {
            assertFalse(n.enabled());
            n.ready("ignored");
            assertEquals(Optional.empty(), n.watchdogPeriod());
        }
        try (SdNotify n = SdNotify.from(Map.of("NOTIFY_SOCKET", "vsock:2:1234"), 42)) {
            assertFalse(n.enabled(), "only UNIX socket addresses are spoken");
        }
    }

    @Test
    void theWatchdogIsFedAtHalfItsPeriodWhileTheDaemonAnswers(@TempDir Path dir) throws Exception {
        String path = dir.resolve("notify").toString();
        Map<String, String> env = Map.of("NOTIFY_SOCKET", path, "WATCHDOG_USEC", "3000000", "WATCHDOG_PID", "42");
        assertEquals(Optional.empty(), SdNotify.from(env, 43).watchdogPeriod(), "another process's watchdog");
        try (FakeNotifySocket systemd = new FakeNotifySocket(path, Duration.ofMillis(300));
             SdNotify n = SdNotify.from(env, 42)) {
            assertEquals(Optional.of(Duration.ofMillis(1500)), n.watchdogPeriod());
            ManualScheduler scheduler = new ManualScheduler();
            AtomicBoolean alive = new AtomicBoolean(true);
            n.feedWatchdog(scheduler, alive::get);
            assertEquals(Duration.ofMillis(1500), scheduler.period());
            assertTrue(scheduler.round());
            assertEquals("WATCHDOG=1", systemd.receive());
            alive.set(false);
            assertTrue(scheduler.round());
            assertEquals(null, systemd.receive(), "a daemon that does not answer is not reported alive");
        }
    }
}
