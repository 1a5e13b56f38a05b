package org.hftfw.sidecar.config;

import org.hftfw.common.InvalidConfigException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadableConfigTest {
    record Lazy(double barrier, long latencyMillis) {
        Lazy {
            if (barrier < 0 || barrier > 1) {
                throw new IllegalArgumentException("lazy.barrier must be in [0, 1], got " + barrier);
            }
        }
    }

    static final Config DEFAULTS = ConfigFactory.parseString("lazy { barrier = 0.125, latency = 100ms }");

    static Lazy map(Config c) {
        return new Lazy(c.getDouble("lazy.barrier"), c.getDuration("lazy.latency").toMillis());
    }

    @Test
    void loadsOverDefaultsAndReloadsGoodValues(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("hftfw.conf");
        Files.writeString(f, "lazy.barrier = 0.25\n");
        try (ReloadableConfig<Lazy> rc = ReloadableConfig.load(f, DEFAULTS, ReloadableConfigTest::map)) {
            assertEquals(new Lazy(0.25, 100), rc.get());
            List<Lazy> seen = new ArrayList<>();
            rc.onChange(seen::add);
            Files.writeString(f, "lazy { barrier = 0.05, latency = 250ms }\n");
            assertTrue(rc.reload());
            assertEquals(List.of(new Lazy(0.05, 250)), seen);
        }
    }

    @Test
    void badReloadKeepsTheOldValuesAndSaysWhy(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("hftfw.conf");
        Files.writeString(f, "lazy.barrier = 0.25\n");
        try (ReloadableConfig<Lazy> rc = ReloadableConfig.load(f, DEFAULTS, ReloadableConfigTest::map)) {
            Files.writeString(f, "lazy.barrier = 1.5\n");
            assertFalse(rc.reload());
            assertEquals(0.25, rc.get().barrier());
            assertTrue(rc.lastError().contains("lazy.barrier must be in [0, 1]"), rc.lastError());
            assertTrue(rc.lastError().contains(f.toString()), "names the file: " + rc.lastError());

            Files.writeString(f, "lazy { barrier = \n");                  // syntax error
            assertFalse(rc.reload());
            assertEquals(0.25, rc.get().barrier());
            Files.writeString(f, "lazy.latency = fast\n");                // wrong type
            assertFalse(rc.reload());
            assertTrue(rc.lastError().contains("latency"), rc.lastError());
            assertEquals(3, rc.rejected());
        }
    }

    @Test
    void firstLoadMustBeValid(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("hftfw.conf");
        Files.writeString(f, "lazy.barrier = -1\n");
        assertThrows(InvalidConfigException.class, () -> ReloadableConfig.load(f, DEFAULTS, ReloadableConfigTest::map));
        assertThrows(InvalidConfigException.class,
                () -> ReloadableConfig.load(dir.resolve("missing.conf"), DEFAULTS, ReloadableConfigTest::map));
    }

    @Test
    void aConfigThatIsADeviceOrHugeIsRefusedNotRead(@TempDir Path dir) throws Exception {
        Path zero = Files.createSymbolicLink(dir.resolve("zero.conf"), Path.of("/dev/zero"));
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ReloadableConfig.load(zero, DEFAULTS, ReloadableConfigTest::map));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        Path huge = dir.resolve("huge.conf");
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            raf.setLength(ReloadableConfig.MAX_BYTES + 1L);
        }
        e = assertThrows(InvalidConfigException.class, () -> ReloadableConfig.load(huge, DEFAULTS, ReloadableConfigTest::map));
        assertTrue(e.getMessage().contains("larger than 4 MiB"), e.getMessage());
    }

    @Test
    void fileChangeTriggersReload(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("hftfw.conf");
        Files.writeString(f, "lazy.barrier = 0.25\n");
        try (org.hftfw.common.Scheduler.Daemon timers = org.hftfw.common.Scheduler.daemon("test-timers");
             ReloadableConfig<Lazy> rc = ReloadableConfig.load(f, DEFAULTS, ReloadableConfigTest::map)
                     .reloadOnChange(timers, java.time.Duration.ofMillis(100))) {
            java.util.concurrent.BlockingQueue<Lazy> changes = new java.util.concurrent.LinkedBlockingQueue<>();
            rc.onChange(changes::add);
            Files.writeString(f, "lazy.barrier = 0.5\n");
            // the poll sees the change within a period; bounded wait, not a timing assertion
            Lazy first = changes.poll(30, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(new Lazy(0.5, 100), first, "the settled file, not the truncated one in between");
            assertEquals(0.5, rc.get().barrier());
        }
    }

    @Test
    void unknownKeysAreRefusedWithTheNearestKnownOne(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("hftfw.conf");
        Files.writeString(f, "lazy { barier = 0.25, latency = 100ms }\nlazzy.latency = 1s\nmystery = 1\n");
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ReloadableConfig.load(f, DEFAULTS, ReloadableConfigTest::map));
        for (String p : List.of("unknown key lazy.barier (did you mean lazy.barrier?)",
                "unknown key lazzy.latency (did you mean lazy.latency?)", "unknown key mystery;")) {
            assertTrue(e.getMessage().contains(p), p + " in " + e.getMessage());
        }
    }

    /** A burst of SIGHUPs and writes is one reload of the settled file; a refused file is logged once. */
    @Test
    void reloadsAreDebouncedAndARefusedFileIsLoggedOnce(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("hftfw.conf");
        Files.writeString(f, "lazy.barrier = 0.25\n");
        try (ReloadableConfig<Lazy> rc = ReloadableConfig.load(f, DEFAULTS, ReloadableConfigTest::map);
             org.hftfw.sync.LogCapture log = new org.hftfw.sync.LogCapture()) {
            List<Lazy> changes = new ArrayList<>();
            rc.onChange(changes::add);
            // the settle wait on virtual time (the file poll's period is never reached): a burst is one reload
            // however slowly the machine writes the two versions
            org.hftfw.common.VirtualScheduler time = new org.hftfw.common.VirtualScheduler();
            rc.reloadOnChange(time, java.time.Duration.ofDays(1));
            long settle = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(ReloadableConfig.SETTLE_MILLIS);
            Files.writeString(f, "lazy.barrier = 0.3\n");
            rc.reloadSoon();
            time.advance(settle - 1);
            Files.writeString(f, "lazy.barrier = 0.4\n");
            rc.reloadSoon();
            time.advance(settle - 1);
            assertEquals(List.of(), changes, "still settling: the second request restarted the wait");
            time.advance(1);
            assertEquals(List.of(new Lazy(0.4, 100)), changes);
            assertEquals(1, rc.reloads(), "one reload for the burst, of the settled file");

            Files.writeString(f, "lazy.barrier = 7\n");
            assertFalse(rc.reload());
            assertFalse(rc.reload(), "the same refused file again");
            assertEquals(1, rc.rejected());
            assertEquals(1, log.count("lazy.barrier must be in [0, 1]"), log.lines().toString());
            assertEquals(0.4, rc.get().barrier(), "the previous values stay");
        }
    }
}
