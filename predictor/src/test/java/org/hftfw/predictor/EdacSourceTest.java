package org.hftfw.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EdacSourceTest {

    @TempDir
    Path dir;

    @Test
    void readsControllerTotalsAndPerDimmCountsWithLabels() {
        FakeSysfs fake = FakeSysfs.create(dir).edacController(0, 2).edacController(1, 1);
        FaultInjector inj = new FaultInjector(fake.roots());
        inj.inject(FaultKind.EDAC_CE, 7, "mc0/dimm1");
        inj.inject(FaultKind.EDAC_UE, 1, "mc1/dimm0");
        SourceSample s = new EdacSource(fake.roots()).sample(1);
        assertTrue(s.availability().isAvailable(), s.availability().label());
        assertEquals(7, Samples.value(s, Metric.MEM_CE, "mc0"));
        assertEquals(0, Samples.value(s, Metric.MEM_UE, "mc0"));
        assertEquals(7, Samples.value(s, Metric.DIMM_CE, "mc0/dimm1"));
        assertEquals(0, Samples.value(s, Metric.DIMM_CE, "mc0/dimm0"));
        assertEquals(1, Samples.value(s, Metric.MEM_UE, "mc1"));
        assertEquals(86400, Samples.value(s, Metric.EDAC_SECONDS_SINCE_RESET, "mc0"));
        assertEquals("CPU_SrcID#0_MC#0_Chan#1_DIMM#0 (channel 1 slot 0)",
                Samples.find(s, Metric.DIMM_CE, "mc0/dimm1").orElseThrow().label());
    }

    @Test
    void legacyCsrowLayoutIsReadPerChannel() {
        FakeSysfs fake = FakeSysfs.create(dir).edacLegacyCsrow(0, 0, 2).edacLegacyCsrow(0, 1, 2);
        new FaultInjector(fake.roots()).inject(FaultKind.EDAC_CE, 3, "mc0/csrow1/ch0");
        SourceSample s = new EdacSource(fake.roots()).sample(1);
        assertTrue(s.availability().isAvailable(), s.availability().label());
        assertEquals(3, Samples.value(s, Metric.MEM_CE, "mc0"));
        assertEquals(3, Samples.value(s, Metric.DIMM_CE, "mc0/csrow1/ch0"));
        assertEquals(0, Samples.value(s, Metric.DIMM_CE, "mc0/csrow1/ch1"));
        assertEquals("DIMM_A1", Samples.find(s, Metric.DIMM_CE, "mc0/csrow1/ch0").orElseThrow().label());
        assertEquals(0, Samples.value(s, Metric.DIMM_UE, "mc0/csrow0"), "csrow ue_count when no chJ_ue_count");
    }

    @Test
    void missingEdacTreeIsUnavailableWithReason() {
        FakeSysfs fake = FakeSysfs.create(dir);
        SourceSample s = new EdacSource(fake.roots()).sample(1);
        Availability.Unavailable u = assertInstanceOf(Availability.Unavailable.class, s.availability());
        assertTrue(u.reason().contains("no memory controller"), u.reason());
        assertTrue(s.readings().isEmpty());
    }

    @Test
    void garbageInOneFileDegradesButKeepsTheRest() {
        FakeSysfs fake = FakeSysfs.create(dir).edacController(0, 2);
        fake.file("sys/devices/system/edac/mc/mc0/dimm0/dimm_ce_count", "lots");
        fake.file("sys/devices/system/edac/mc/mc0/ce_count", "12");
        SourceSample s = new EdacSource(fake.roots()).sample(1);
        Availability.Degraded d = assertInstanceOf(Availability.Degraded.class, s.availability());
        assertTrue(d.reason().contains("dimm0/dimm_ce_count: not a number: 'lots'"), d.reason());
        assertEquals(12, Samples.value(s, Metric.MEM_CE, "mc0"));
        assertEquals(0, Samples.value(s, Metric.DIMM_CE, "mc0/dimm1"));
        assertTrue(Samples.find(s, Metric.DIMM_CE, "mc0/dimm0").isEmpty());
    }

    @Test
    void unsignedSixtyFourBitCountersParse() {
        FakeSysfs fake = FakeSysfs.create(dir).edacController(0, 0);
        fake.file("sys/devices/system/edac/mc/mc0/ce_count", "18446744073709551615");
        SourceSample s = new EdacSource(fake.roots()).sample(1);
        assertEquals(1.8446744073709552e19, Samples.value(s, Metric.MEM_CE, "mc0"));
    }
}
