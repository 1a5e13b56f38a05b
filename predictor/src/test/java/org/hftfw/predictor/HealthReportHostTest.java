package org.hftfw.predictor;

import org.hftfw.common.Clock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The health report on the machine running the tests. What is asserted follows from the filesystem, so it holds on
 * a VM without RAS hardware (this one: no EDAC, hwmon, AER, thermal zones) as well as on a server that has them.
 */
class HealthReportHostTest {

    @Test
    void everySourceIsListedAndAbsentInterfacesAreUnavailableNotHealthy() throws IOException {
        HealthReport r = HealthReport.collect(SourceRoots.host(), Clock.system());
        String text = r.format();
        for (String name : java.util.List.of("edac", "aer", "hwmon", "thermal", "nic", "kmsg", "machine-check",
                "rasdaemon", "mcelog")) {
            assertTrue(r.source(name).isPresent(), name + " missing from\n" + text);
        }
        if (!Files.isDirectory(Path.of("/sys/devices/system/edac/mc"))) {
            assertFalse(r.source("edac").orElseThrow().availability().givesSignal(), text);
            assertTrue(text.contains("edac           UNAVAILABLE: no memory controller"), text);
        }
        if (!Files.isDirectory(Path.of("/sys/class/hwmon")) || isEmpty(Path.of("/sys/class/hwmon"))) {
            assertTrue(r.unavailable().contains("hwmon"), text);
        }
        if (isEmpty(Path.of("/sys/class/thermal"))) {
            assertTrue(r.unavailable().contains("thermal"), text);
        }
        if (!Files.exists(Path.of("/var/log/mcelog"))) {
            assertTrue(r.unavailable().contains("mcelog"), text);
        }
        assertTrue(r.source("nic").orElseThrow().availability().givesSignal(), "sysfs net counters exist\n" + text);
        if (!r.unavailable().isEmpty()) {
            assertTrue(text.contains("no signal is not the same as healthy"), text);
        }
        assertTrue(text.contains("OSHI view of this host"), text);
        assertTrue(text.contains("EDAC error injection:"), text);
    }

    private static boolean isEmpty(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        try (var s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    @Test
    void reportPrintsAtLeastOneLinePerSource() {
        HealthReport r = HealthReport.collect(SourceRoots.host(), Clock.system());
        long lines = r.format().lines().filter(l -> l.matches("^[a-z-]+\\s+(AVAILABLE|UNAVAILABLE|DEGRADED).*")).count();
        assertEquals(r.sources().size(), lines, r.format());
    }
}
