package org.hftfw.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AerSourceTest {

    @TempDir
    Path dir;

    @Test
    void parsesLastTokenOfNamesWithSpacesAndUsesTotal() {
        var p = AerSource.parse("Receiver Error 2\nBad TLP 1\nRELAY_NUM Rollover 0\nTOTAL_ERR_COR 2\n", "TOTAL_ERR_COR");
        assertEquals(2, p.total().getAsDouble(), "TOTAL, not the sum 3: one message can carry several errors");
        assertEquals("Receiver Error=2, Bad TLP=1", p.breakdown());
        assertEquals(null, p.error());
    }

    @Test
    void missingTotalFallsBackToSumAndSaysSo() {
        var p = AerSource.parse("Receiver Error 2\nBad TLP 1\n", "TOTAL_ERR_COR");
        assertEquals(3, p.total().getAsDouble());
        assertTrue(p.error().contains("no TOTAL_ERR_COR"), p.error());
    }

    @Test
    void devicesAndRootPortTotals() {
        FakeSysfs fake = FakeSysfs.create(dir).aerDevice("0000:00:1c.0", true).aerDevice("0000:03:00.0", false)
                .pciDeviceWithoutAer("0000:00:02.0");
        FaultInjector inj = new FaultInjector(fake.roots());
        inj.inject(FaultKind.AER_CORRECTABLE, 5, "0000:03:00.0");
        inj.inject(FaultKind.AER_FATAL, 1, "0000:00:1c.0");
        SourceSample s = new AerSource(fake.roots()).sample(1);
        assertTrue(s.availability().isAvailable(), s.availability().label());
        assertEquals(5, Samples.value(s, Metric.AER_CORRECTABLE, "0000:03:00.0"));
        assertEquals("Receiver Error=5", Samples.find(s, Metric.AER_CORRECTABLE, "0000:03:00.0").orElseThrow().label());
        assertEquals(1, Samples.value(s, Metric.AER_FATAL, "0000:00:1c.0"));
        assertEquals(1, Samples.value(s, Metric.AER_ROOTPORT_FATAL, "0000:00:1c.0"));
        assertEquals(0, Samples.value(s, Metric.AER_NONFATAL, "0000:03:00.0"));
    }

    @Test
    void devicesWithoutAerFilesAreUnavailableNotHealthy() {
        FakeSysfs fake = FakeSysfs.create(dir).pciDeviceWithoutAer("0000:00:01.0").pciDeviceWithoutAer("0000:00:02.0");
        var u = assertInstanceOf(Availability.Unavailable.class, new AerSource(fake.roots()).sample(1).availability());
        assertTrue(u.reason().contains("2 PCI devices, none exposes aer_dev_*"), u.reason());
    }

    @Test
    void garbageLineDegradesThatDeviceOnly() {
        FakeSysfs fake = FakeSysfs.create(dir).aerDevice("0000:00:1c.0", false).aerDevice("0000:03:00.0", false);
        fake.file("sys/bus/pci/devices/0000:03:00.0/aer_dev_fatal", "Malformed TLP many\nTOTAL_ERR_FATAL 0");
        SourceSample s = new AerSource(fake.roots()).sample(1);
        var d = assertInstanceOf(Availability.Degraded.class, s.availability());
        assertTrue(d.reason().contains("0000:03:00.0/aer_dev_fatal: unparsable line 'Malformed TLP many'"), d.reason());
        assertEquals(0, Samples.value(s, Metric.AER_FATAL, "0000:03:00.0"));
        assertEquals(0, Samples.value(s, Metric.AER_FATAL, "0000:00:1c.0"));
    }
}
