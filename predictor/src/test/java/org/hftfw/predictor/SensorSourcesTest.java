package org.hftfw.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hwmon, thermal zones and NIC counters on fake trees. */
class SensorSourcesTest {

    @TempDir
    Path dir;

    @Test
    void hwmonFindsSensorsAcrossIndexGapsAndConvertsUnits() {
        FakeSysfs fake = FakeSysfs.create(dir).hwmonChip(0, "coretemp")
                .hwmonTemp(0, 1, 61.0, 84.0, 100.0, "Package id 0")
                .hwmonTemp(0, 3, 55.5, 84.0, 100.0, "Core 2")
                .hwmonChip(1, "nct6775").hwmonFan(1, 2, 1250, 600).hwmonVoltage(1, 0, 1104, 1000, 1300);
        SourceSample s = new HwmonSource(fake.roots()).sample(1);
        assertTrue(s.availability().isAvailable(), s.availability().label());
        assertEquals(61.0, Samples.value(s, Metric.TEMP_C, "hwmon0/temp1"));
        assertEquals(55.5, Samples.value(s, Metric.TEMP_C, "hwmon0/temp3"));
        assertEquals(100.0, Samples.value(s, Metric.TEMP_CRIT_C, "hwmon0/temp3"));
        assertEquals("coretemp Core 2", Samples.find(s, Metric.TEMP_C, "hwmon0/temp3").orElseThrow().label());
        assertEquals(1250, Samples.value(s, Metric.FAN_RPM, "hwmon1/fan2"));
        assertEquals(600, Samples.value(s, Metric.FAN_MIN_RPM, "hwmon1/fan2"));
        assertEquals(1104, Samples.value(s, Metric.VOLT_MV, "hwmon1/in0"));
    }

    @Test
    void unreadableSensorFileDegradesOnlyThatSensor() throws Exception {
        FakeSysfs fake = FakeSysfs.create(dir).hwmonChip(0, "k10temp").hwmonTemp(0, 1, 50, 0, 0, null);
        // a read() error on one attribute (the kernel answers ENODATA for a disabled sensor): reading a directory
        // fails with an IOException the same way
        Files.createDirectories(fake.roots().sysfs().resolve("class/hwmon/hwmon0/temp2_input"));
        SourceSample s = new HwmonSource(fake.roots()).sample(1);
        var d = assertInstanceOf(Availability.Degraded.class, s.availability());
        assertTrue(d.reason().contains("temp2_input unreadable"), d.reason());
        assertEquals(50, Samples.value(s, Metric.TEMP_C, "hwmon0/temp1"));
    }

    @Test
    void physicallyImpossibleValuesDegradeTheSourceInsteadOfLookingHealthy() {
        FakeSysfs fake = FakeSysfs.create(dir).hwmonChip(0, "coretemp")
                .hwmonTemp(0, 1, 1e9, 84.0, 100.0, "forged")
                .hwmonTemp(0, 2, 50.0, 84.0, 100.0, "Core 1");
        SourceSample s = new HwmonSource(fake.roots()).sample(1);
        var d = assertInstanceOf(Availability.Degraded.class, s.availability());
        assertTrue(d.reason().contains("TEMP_C") && d.reason().contains("°C"), d.reason());
        assertTrue(Samples.find(s, Metric.TEMP_C, "hwmon0/temp1").isEmpty(), "the impossible reading is not used");
        assertEquals(50.0, Samples.value(s, Metric.TEMP_C, "hwmon0/temp2"));
        assertEquals(null, PhysicalRange.check(Metric.NIC_ERRORS, 0));
        assertTrue(PhysicalRange.check(Metric.NIC_ERRORS, -5).contains("negative"));
        assertTrue(PhysicalRange.check(Metric.FAN_RPM, Double.NaN).contains("finite"));
    }

    @Test
    void aDeviceOrFifoWhereAnAttributeShouldBeIsAProblemNotAHang() throws Exception {
        FakeSysfs fake = FakeSysfs.create(dir).hwmonChip(0, "k10temp").hwmonTemp(0, 1, 50, 0, 0, null);
        Path hw = fake.roots().sysfs().resolve("class/hwmon/hwmon0");
        Files.createSymbolicLink(hw.resolve("temp2_input"), Path.of("/dev/zero"));
        assertEquals(0, new ProcessBuilder("mkfifo", hw.resolve("temp3_input").toString()).start().waitFor());
        SourceSample s = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
                () -> new HwmonSource(fake.roots()).sample(1));
        var d = assertInstanceOf(Availability.Degraded.class, s.availability());
        assertTrue(d.reason().contains("temp2_input unreadable") && d.reason().contains("temp3_input unreadable"),
                d.reason());
        assertEquals(50, Samples.value(s, Metric.TEMP_C, "hwmon0/temp1"));
    }

    @Test
    void oldDriversKeepAttributesUnderDevice() {
        FakeSysfs fake = FakeSysfs.create(dir).file("sys/class/hwmon/hwmon0/device/name", "w83627hf")
                .file("sys/class/hwmon/hwmon0/device/fan1_input", "2000");
        SourceSample s = new HwmonSource(fake.roots()).sample(1);
        assertEquals(2000, Samples.value(s, Metric.FAN_RPM, "hwmon0/fan1"));
        assertEquals("w83627hf", Samples.find(s, Metric.FAN_RPM, "hwmon0/fan1").orElseThrow().label());
    }

    @Test
    void noHwmonIsUnavailable() {
        var u = assertInstanceOf(Availability.Unavailable.class,
                new HwmonSource(FakeSysfs.create(dir).roots()).sample(1).availability());
        assertTrue(u.reason().contains("no hwmon chip"), u.reason());
    }

    @Test
    void thermalZoneTripPointsBecomeLimits() {
        FakeSysfs fake = FakeSysfs.create(dir).thermalZone(0, "x86_pkg_temp", 47.0, 90.0, 105.0)
                .file("sys/class/thermal/thermal_zone0/trip_point_2_temp", "70000")
                .file("sys/class/thermal/thermal_zone0/trip_point_2_type", "active");
        SourceSample s = new ThermalSource(fake.roots()).sample(1);
        assertTrue(s.availability().isAvailable(), s.availability().label());
        assertEquals(47.0, Samples.value(s, Metric.TEMP_C, "thermal_zone0"));
        assertEquals(90.0, Samples.value(s, Metric.TEMP_MAX_C, "thermal_zone0"), "active trips only start fans");
        assertEquals(105.0, Samples.value(s, Metric.TEMP_CRIT_C, "thermal_zone0"));
    }

    @Test
    void emptyThermalClassIsUnavailable() throws Exception {
        FakeSysfs fake = FakeSysfs.create(dir);
        Files.createDirectories(fake.roots().sysfs().resolve("class/thermal"));
        var u = assertInstanceOf(Availability.Unavailable.class, new ThermalSource(fake.roots()).sample(1).availability());
        assertTrue(u.reason().contains("no thermal_zone*"), u.reason());
    }

    @Test
    void nicTotalsBreakdownCarrierAndOperstateLoopbackSkipped() {
        FakeSysfs fake = FakeSysfs.create(dir).nic("eth0").nic("lo");
        FaultInjector inj = new FaultInjector(fake.roots());
        inj.inject(FaultKind.NIC_ERRORS, 40, "eth0");
        inj.inject(FaultKind.CARRIER_FLAP, 3, "eth0");
        fake.file("sys/class/net/eth0/operstate", "down");
        SourceSample s = new NicSource(fake.roots()).sample(1);
        assertTrue(s.availability().isAvailable(), s.availability().label());
        assertEquals(40, Samples.value(s, Metric.NIC_ERRORS, "eth0"), "rx_errors already includes rx_crc_errors");
        assertEquals("rx_errors=40, rx_crc_errors=40", Samples.find(s, Metric.NIC_ERRORS, "eth0").orElseThrow().label());
        assertEquals(8, Samples.value(s, Metric.NIC_CARRIER_CHANGES, "eth0"));
        assertEquals(0, Samples.value(s, Metric.NIC_OPER_UP, "eth0"));
        assertTrue(Samples.find(s, Metric.NIC_ERRORS, "lo").isEmpty());
    }

    @Test
    void nicGarbageCounterDegrades() {
        FakeSysfs fake = FakeSysfs.create(dir).nic("eth0").nic("eth1").file("sys/class/net/eth1/carrier_changes", "x");
        SourceSample s = new NicSource(fake.roots()).sample(1);
        assertInstanceOf(Availability.Degraded.class, s.availability());
        assertEquals(2, Samples.value(s, Metric.NIC_CARRIER_CHANGES, "eth0"));
    }
}
