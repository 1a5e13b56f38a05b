package org.hftfw.predictor;

import org.hftfw.common.ManualScheduler;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fake tree + fault injection + sampling loop on a hand-driven scheduler and virtual clock. */
class SamplingLoopTest {

    @TempDir
    Path dir;

    @Test
    void injectedFaultsBecomeAlertsAndABrokenSourceDoesNotStopTheOthers() throws Exception {
        FakeSysfs fake = FakeSysfs.create(dir).edacController(0, 2).aerDevice("0000:03:00.0", false)
                .hwmonChip(0, "coretemp").hwmonTemp(0, 1, 55, 84, 100, "Package id 0").hwmonFan(0, 1, 1500, 500)
                .thermalZone(0, "acpitz", 40, 90, 105).nic("eth0");
        AtomicLong clock = new AtomicLong();
        List<List<Alert>> rounds = new ArrayList<>();
        FaultSource broken = new FaultSource() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public SourceSample sample(long now) {
                throw new IllegalStateException("boom");
            }
        };
        List<FaultSource> sources = new ArrayList<>(FaultSources.sysfsOnly(fake.roots()));
        sources.add(broken);
        ManualScheduler sched = new ManualScheduler();
        try (SamplingLoop loop = new SamplingLoop(sources, new Predictor(PredictorConfig.defaults()), clock::get,
                (now, alerts) -> rounds.add(alerts))) {
            loop.start(sched, Duration.ofSeconds(10));
            assertEquals(Duration.ofSeconds(10), sched.period());
            sched.round();
            List<Alert> first = rounds.getLast();
            assertEquals(1, first.size(), first.toString());
            assertTrue(first.getFirst().reason().contains("broken starts DEGRADED"), first.toString());

            FaultInjector inj = new FaultInjector(fake.roots());
            inj.inject(FaultKind.EDAC_CE, 12, "mc0/dimm1");
            inj.inject(FaultKind.TEMPERATURE, 101, "hwmon0/temp1");
            inj.inject(FaultKind.FAN_FAILURE, 0, "hwmon0/fan1");
            clock.addAndGet(10_000_000_000L);
            sched.round();
            List<String> reasons = rounds.getLast().stream().map(a -> a.severity() + " " + a.reason()).toList();
            assertEquals(List.of("WARNING corrected memory error burst", "CRITICAL fan failure",
                    "CRITICAL temperature above trip point"), reasons);

            inj.inject(FaultKind.EDAC_UE, 1, "mc0/dimm1");
            inj.inject(FaultKind.AER_FATAL, 1, "");
            clock.addAndGet(10_000_000_000L);
            sched.round();
            assertEquals(List.of("uncorrected memory error", "fatal PCIe error"),
                    rounds.getLast().stream().map(Alert::reason).toList());
            assertTrue(loop.latest().get("edac").availability().isAvailable());
            assertTrue(loop.latest().get("broken").availability().label().contains("boom"));
        }
        assertFalse(sched.round(), "closing the loop cancels the schedule");
    }
}
