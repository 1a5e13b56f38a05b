package org.hftfw.predictor;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Builds the standard set of fault sources over one set of filesystem roots. */
public final class FaultSources {

    private FaultSources() {}

    /** Every source: EDAC, AER, hwmon, thermal, NIC, kernel log, machine-check rows, rasdaemon, mcelog. */
    public static List<FaultSource> standard(SourceRoots roots) {
        return standard(roots, roots.isHost() ? RasdaemonSource.findOnPath() : Optional.empty());
    }

    /** As {@link #standard(SourceRoots)} with an explicit {@code ras-mc-ctl} (tests give a script). */
    public static List<FaultSource> standard(SourceRoots roots, Optional<java.nio.file.Path> rasMcCtl) {
        return List.of(new EdacSource(roots), new AerSource(roots), new HwmonSource(roots), new ThermalSource(roots),
                new NicSource(roots), new KmsgSource(roots), new MachineCheckSource(roots),
                new RasdaemonSource(roots, rasMcCtl, Duration.ofSeconds(60).toNanos()), new McelogFileSource(roots));
    }

    /** Sampling-only sources over sysfs (no kernel log thread, no external command): what fake trees exercise. */
    public static List<FaultSource> sysfsOnly(SourceRoots roots) {
        return List.of(new EdacSource(roots), new AerSource(roots), new HwmonSource(roots), new ThermalSource(roots),
                new NicSource(roots));
    }
}
