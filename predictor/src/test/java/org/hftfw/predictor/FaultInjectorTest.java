package org.hftfw.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultInjectorTest {

    @TempDir
    Path dir;

    @Test
    void edacCeOnControllerWithoutDimmCountsAsNoInfo() {
        FakeSysfs fake = FakeSysfs.create(dir).edacController(0, 1);
        String what = new FaultInjector(fake.roots()).inject(FaultKind.parse("edac-ce"), 4, "mc0");
        assertEquals("injected 4 CE on mc0 (no DIMM info)", what);
        SourceSample s = new EdacSource(fake.roots()).sample(0);
        assertEquals(4, Samples.value(s, Metric.MEM_CE, "mc0"));
        assertEquals(4, Samples.value(s, Metric.MEM_CE_NOINFO, "mc0"));
        assertEquals(0, Samples.value(s, Metric.DIMM_CE, "mc0/dimm0"));
    }

    @Test
    void defaultTargetIsTheFirstDimm() {
        FakeSysfs fake = FakeSysfs.create(dir).edacController(0, 2);
        assertEquals("injected 2 CE on mc0/dimm0", new FaultInjector(fake.roots()).inject(FaultKind.EDAC_CE, 2, ""));
    }

    @Test
    void badTargetsAndCountsAreRejectedClearly() {
        FakeSysfs fake = FakeSysfs.create(dir).edacController(0, 1).nic("eth0");
        FaultInjector inj = new FaultInjector(fake.roots());
        var e = assertThrows(IllegalArgumentException.class, () -> inj.inject(FaultKind.EDAC_CE, 1, "dimm7"));
        assertTrue(e.getMessage().contains("must look like mc0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> inj.inject(FaultKind.EDAC_CE, 1, "mc3/dimm0"));
        assertThrows(IllegalArgumentException.class, () -> inj.inject(FaultKind.NIC_ERRORS, 0, "eth0"));
        assertThrows(IllegalArgumentException.class, () -> inj.inject(FaultKind.AER_FATAL, 1, ""));
        assertThrows(IllegalArgumentException.class, () -> FaultKind.parse("cosmic-ray"));
    }

    @Test
    void onTheHostOnlyEdacFakeInjectIsUsedAndItsAbsenceIsExplained() {
        FaultInjector host = new FaultInjector(SourceRoots.host());
        var e = assertThrows(UnsupportedOperationException.class, () -> host.inject(FaultKind.NIC_ERRORS, 1, "eth0"));
        assertTrue(e.getMessage().contains("kernel-owned"), e.getMessage());
        if (host.detectEdacInjection().fakeInject().isEmpty()) {
            var u = assertThrows(UnsupportedOperationException.class, () -> host.inject(FaultKind.EDAC_CE, 1, ""));
            assertTrue(u.getMessage().contains("no EDAC error injection on this host"), u.getMessage());
        }
    }

    @Test
    void debugfsFakeInjectIsDrivenWhenPresent() throws Exception {
        FakeSysfs fake = FakeSysfs.create(dir).edacController(0, 1)
                .file("sys/devices/system/edac/mc/mc0/inject_section", "0");
        Path mc = fake.roots().debugfs().resolve("edac/mc0");
        Files.createDirectories(mc);
        Files.writeString(mc.resolve("fake_inject"), "");
        var inj = new FaultInjector(fake.roots()).detectEdacInjection();
        assertEquals(mc, inj.fakeInject().orElseThrow());
        assertEquals(1, inj.driverFiles().size());
        assertTrue(inj.description().contains("inject_section"), inj.description());
    }
}
