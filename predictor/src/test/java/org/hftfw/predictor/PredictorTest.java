package org.hftfw.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Predictor thresholds on hand-made samples and virtual time. */
class PredictorTest {

    private static final long S = 1_000_000_000L;

    private final Predictor p = new Predictor(PredictorConfig.builder().ceWindow(Duration.ofMinutes(10)).ceWarning(10)
            .ceCritical(50).realert(Duration.ofMinutes(5)).build());

    private static SourceSample edac(long t, double ce, double ue, double dimm1Ce) {
        return new SourceSample("edac", t * S, Availability.AVAILABLE, List.of(
                new Reading(Metric.MEM_CE, "mc0", ce), new Reading(Metric.MEM_UE, "mc0", ue),
                new Reading(Metric.DIMM_CE, "mc0/dimm1", dimm1Ce, "DIMM_B1")));
    }

    @Test
    void ceBelowThresholdIsQuietThenBurstWarnsThenStormIsCritical() {
        assertEquals(List.of(), p.observe(edac(0, 100, 0, 100)), "baseline: history before start is not a burst");
        assertEquals(List.of(), p.observe(edac(60, 109, 0, 109)), "9 in the window: below 10");
        List<Alert> a = p.observe(edac(120, 110, 0, 110));
        assertEquals(1, a.size());
        assertEquals(Severity.WARNING, a.getFirst().severity());
        assertEquals("corrected memory error burst", a.getFirst().reason());
        assertTrue(a.getFirst().evidence().contains("mc0/dimm1 DIMM_B1 +1"), a.getFirst().evidence());
        assertEquals(List.of(), p.observe(edac(180, 111, 0, 111)), "same condition: not re-alerted within 5 min");
        List<Alert> storm = p.observe(edac(240, 160, 0, 160));
        assertEquals(Severity.CRITICAL, storm.getFirst().severity(), "worse: alerted at once");
        assertEquals("corrected memory error storm", storm.getFirst().reason());
    }

    @Test
    void windowSlidesCesOut() {
        p.observe(edac(0, 0, 0, 0));
        assertEquals(Severity.WARNING, p.observe(edac(60, 10, 0, 10)).getFirst().severity());
        assertEquals(List.of(), p.observe(edac(700, 10, 0, 10)), "window empty after 10 min");
        assertEquals(List.of(), p.observe(edac(760, 15, 0, 15)), "5 in window");
        assertEquals(1, p.observe(edac(820, 20, 0, 20)).size(), "10 again: new condition, alerted");
    }

    @Test
    void anyUeIsCriticalAndUePresentAtStartIsAWarningOnce() {
        List<Alert> start = p.observe(edac(0, 0, 2, 0));
        assertEquals(Severity.WARNING, start.getFirst().severity());
        assertTrue(start.getFirst().reason().contains("before monitoring started"));
        assertEquals(List.of(), p.observe(edac(10, 0, 2, 0)));
        List<Alert> ue = p.observe(edac(20, 0, 3, 0));
        assertEquals(Severity.CRITICAL, ue.getFirst().severity());
        assertEquals("uncorrected memory error", ue.getFirst().reason());
        assertEquals("edac:MEM_UE:mc0", ue.getFirst().signal());
    }

    @Test
    void counterResetCountsTheNewValue() {
        p.observe(edac(0, 100, 0, 100));
        List<Alert> a = p.observe(edac(10, 12, 0, 12));
        assertEquals(Severity.WARNING, a.getFirst().severity(), "reset to 12: 12 new CEs");
    }

    private static SourceSample aer(long t, double cor, double nonfatal, double fatal) {
        return new SourceSample("aer", t * S, Availability.AVAILABLE, List.of(
                new Reading(Metric.AER_CORRECTABLE, "0000:03:00.0", cor),
                new Reading(Metric.AER_NONFATAL, "0000:03:00.0", nonfatal),
                new Reading(Metric.AER_FATAL, "0000:03:00.0", fatal)));
    }

    @Test
    void aerFatalIsCriticalNonFatalWarningCorrectableByRate() {
        p.observe(aer(0, 0, 0, 0));
        assertEquals(List.of(), p.observe(aer(1, 19, 0, 0)));
        assertEquals(Severity.WARNING, p.observe(aer(2, 20, 0, 0)).getFirst().severity());
        assertEquals(Severity.WARNING, p.observe(aer(3, 20, 1, 0)).getFirst().severity());
        List<Alert> fatal = p.observe(aer(4, 20, 1, 1));
        assertEquals(Severity.CRITICAL, fatal.getFirst().severity());
        assertEquals("fatal PCIe error", fatal.getFirst().reason());
    }

    private static SourceSample temp(long t, double c) {
        return new SourceSample("hwmon", t * S, Availability.AVAILABLE, List.of(
                new Reading(Metric.TEMP_C, "hwmon0/temp1", c, "coretemp Package id 0"),
                new Reading(Metric.TEMP_MAX_C, "hwmon0/temp1", 84), new Reading(Metric.TEMP_CRIT_C, "hwmon0/temp1", 100)));
    }

    @Test
    void temperatureTripPointsAndMargin() {
        assertEquals(List.of(), p.observe(temp(0, 60)));
        assertEquals(Severity.WARNING, p.observe(temp(60, 85)).getFirst().severity());
        assertEquals(Severity.CRITICAL, p.observe(temp(120, 100)).getFirst().severity());
        assertEquals(List.of(), p.observe(temp(180, 60)).stream().filter(a -> a.reason().contains("trip")).toList());
        Predictor noMax = new Predictor(PredictorConfig.defaults());
        SourceSample near = new SourceSample("thermal", 0, Availability.AVAILABLE, List.of(
                new Reading(Metric.TEMP_C, "thermal_zone0", 96), new Reading(Metric.TEMP_CRIT_C, "thermal_zone0", 100)));
        assertTrue(noMax.observe(near).getFirst().evidence().contains("within 5.0 °C of critical"));
    }

    @Test
    void temperatureRisingFastWarnsBeforeAnyTripPoint() {
        Predictor q = new Predictor(PredictorConfig.defaults());
        double c = 50;
        List<Alert> all = new java.util.ArrayList<>();
        for (int i = 0; i <= 12; i++) {
            all.addAll(q.observe(temp(i * 10L, c)));
            c += 1.5; // 9 °C/min
        }
        List<Alert> slope = all.stream().filter(a -> a.reason().equals("temperature rising fast")).toList();
        assertEquals(1, slope.size(), all.toString());
        assertTrue(slope.getFirst().evidence().contains("+9.0 °C/min"), slope.getFirst().evidence());
    }

    @Test
    void singleSpikeDoesNotLookLikeAFastRise() {
        Predictor q = new Predictor(PredictorConfig.defaults());
        List<Alert> all = new java.util.ArrayList<>();
        for (int i = 0; i <= 24; i++) {
            all.addAll(q.observe(temp(i * 10L, i == 20 ? 70 : 55)));
        }
        assertEquals(List.of(), all.stream().filter(a -> a.reason().equals("temperature rising fast")).toList());
    }

    @Test
    void fanStopIsCriticalBelowMinWarning() {
        SourceSample ok = new SourceSample("hwmon", 0, Availability.AVAILABLE, List.of(
                new Reading(Metric.FAN_RPM, "hwmon1/fan1", 1200), new Reading(Metric.FAN_MIN_RPM, "hwmon1/fan1", 600)));
        SourceSample slow = new SourceSample("hwmon", S, Availability.AVAILABLE, List.of(
                new Reading(Metric.FAN_RPM, "hwmon1/fan1", 500), new Reading(Metric.FAN_MIN_RPM, "hwmon1/fan1", 600)));
        SourceSample stop = new SourceSample("hwmon", 2 * S, Availability.AVAILABLE, List.of(
                new Reading(Metric.FAN_RPM, "hwmon1/fan1", 0), new Reading(Metric.FAN_MIN_RPM, "hwmon1/fan1", 600)));
        assertEquals(List.of(), p.observe(ok));
        assertEquals(Severity.WARNING, p.observe(slow).getFirst().severity());
        assertEquals(Severity.CRITICAL, p.observe(stop).getFirst().severity());
        SourceSample fault = new SourceSample("hwmon", 3 * S, Availability.AVAILABLE,
                List.of(new Reading(Metric.FAN_FAULT, "hwmon1/fan2", 1)));
        assertEquals("fan failure", p.observe(fault).getFirst().reason());
    }

    @Test
    void nicErrorBurstAndCarrierFlaps() {
        Predictor q = new Predictor(PredictorConfig.defaults());
        java.util.function.BiFunction<Long, double[], SourceSample> nic = (t, v) -> new SourceSample("nic", t * S,
                Availability.AVAILABLE, List.of(new Reading(Metric.NIC_ERRORS, "eth0", v[0]),
                new Reading(Metric.NIC_CARRIER_CHANGES, "eth0", v[1])));
        q.observe(nic.apply(0L, new double[] {5, 2}));
        assertEquals(List.of(), q.observe(nic.apply(10L, new double[] {90, 4})));
        List<Alert> a = q.observe(nic.apply(20L, new double[] {200, 6}));
        assertEquals(List.of("NIC error burst", "carrier flapping"), a.stream().map(Alert::reason).toList());
    }

    @Test
    void availabilityChangesAreAlertedSoLosingASignalIsNeverSilent() {
        Predictor q = new Predictor(PredictorConfig.defaults());
        List<Alert> first = q.observe(SourceSample.unavailable("edac", 0, "no memory controller"));
        assertEquals(Severity.INFO, first.getFirst().severity());
        assertTrue(first.getFirst().reason().contains("starts UNAVAILABLE"));
        assertEquals(List.of(), q.observe(SourceSample.unavailable("edac", S, "no memory controller")));
        List<Alert> degraded = q.observe(new SourceSample("edac", 2 * S, Availability.degraded("x"), List.of()));
        assertTrue(degraded.getFirst().reason().contains("now DEGRADED"));
        assertEquals(2, q.counters().count(Severity.INFO), "two INFO alerts counted");
    }

    @Test
    void logEventsBySeverityAndCorrectedByRate() {
        Predictor q = new Predictor(PredictorConfig.defaults());
        java.util.function.BiFunction<Long, double[], SourceSample> log = (t, v) -> new SourceSample("kmsg", t * S,
                Availability.AVAILABLE, List.of(new Reading(Metric.LOG_EVENTS, "MCE_CORRECTED", v[0]),
                new Reading(Metric.LOG_EVENTS, "AER_FATAL", v[1])));
        q.observe(log.apply(0L, new double[] {0, 0}));
        assertEquals(List.of(), q.observe(log.apply(1L, new double[] {9, 0})));
        assertEquals(Severity.WARNING, q.observe(log.apply(2L, new double[] {10, 0})).getFirst().severity());
        assertEquals(Severity.CRITICAL, q.observe(log.apply(3L, new double[] {10, 1})).getFirst().severity());
    }

    @Test
    void configValidationNamesEveryBadField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PredictorConfig.builder()
                .ceWarning(0).ceCritical(0).ceWindow(Duration.ZERO).tempSlopeCPerMin(Double.NaN).build());
        assertTrue(e.getMessage().contains("ceWindow must be a positive duration"), e.getMessage());
        assertTrue(e.getMessage().contains("ceWarning must be >= 1"), e.getMessage());
        assertTrue(e.getMessage().contains("ceCritical (0) must be greater than ceWarning (0)"), e.getMessage());
        assertTrue(e.getMessage().contains("tempSlopeCPerMin must be a finite number > 0"), e.getMessage());
    }
}
