package org.hftfw.predictor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Thermal zones, {@code <sysfs>/class/thermal/thermal_zoneN/} (kernel Documentation/ABI/testing/sysfs-class-thermal,
 * Documentation/driver-api/thermal/sysfs-api.rst; libraries.md §3): {@code type}, {@code temp} (m°C) and trip points
 * {@code trip_point_M_temp}/{@code trip_point_M_type} (active, passive, hot, critical). The lowest critical trip
 * becomes {@link Metric#TEMP_CRIT_C}; the lowest hot or passive trip (where throttling starts) becomes
 * {@link Metric#TEMP_MAX_C}. Active trips only switch fans on and are ignored.
 */
final class ThermalSource implements FaultSource {

    static final String NAME = "thermal";
    private static final Pattern ZONE = Pattern.compile("thermal_zone\\d+");
    private static final Pattern TRIP_TEMP = Pattern.compile("trip_point_(\\d+)_temp");

    private final Path thermalRoot;

    ThermalSource(SourceRoots roots) {
        this.thermalRoot = roots.sysfs().resolve("class/thermal");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SourceSample sample(long nowNanos) {
        List<Path> zones;
        try {
            zones = SampleCollector.list(thermalRoot, ZONE);
        } catch (IOException e) {
            return SourceSample.unavailable(NAME, nowNanos, thermalRoot + " unreadable: " + SampleCollector.describe(e));
        }
        if (zones.isEmpty()) {
            return SourceSample.unavailable(NAME, nowNanos, "no thermal_zone* under " + thermalRoot
                    + " (no ACPI/platform thermal driver, or a VM)");
        }
        SampleCollector c = new SampleCollector(NAME);
        for (Path zone : zones) {
            String id = zone.getFileName().toString();
            String type = c.text(zone.resolve("type")).orElse("");
            OptionalDouble temp = c.number(zone.resolve("temp"));
            temp.ifPresent(t -> c.add(Metric.TEMP_C, id, t / 1000.0, type));
            double crit = Double.NaN;
            double hot = Double.NaN;
            try {
                for (Path trip : SampleCollector.list(zone, TRIP_TEMP)) {
                    Matcher m = TRIP_TEMP.matcher(trip.getFileName().toString());
                    if (!m.matches()) {
                        continue;
                    }
                    OptionalDouble t = c.number(trip);
                    String tripType = c.text(zone.resolve("trip_point_" + m.group(1) + "_type")).orElse("");
                    if (t.isEmpty() || t.getAsDouble() <= 0) {
                        continue;
                    }
                    double celsius = t.getAsDouble() / 1000.0;
                    switch (tripType) {
                        case "critical" -> crit = Double.isNaN(crit) ? celsius : Math.min(crit, celsius);
                        case "hot", "passive" -> hot = Double.isNaN(hot) ? celsius : Math.min(hot, celsius);
                        case "active" -> { }
                        default -> c.problem(id + "/trip_point_" + m.group(1) + "_type: unknown '"
                                + SampleCollector.abbreviate(tripType) + "'");
                    }
                }
            } catch (IOException e) {
                c.problem(id + " unreadable: " + SampleCollector.describe(e));
            }
            if (!Double.isNaN(crit)) {
                c.add(Metric.TEMP_CRIT_C, id, crit, type);
            }
            if (!Double.isNaN(hot)) {
                c.add(Metric.TEMP_MAX_C, id, hot, type);
            }
        }
        return c.build(nowNanos);
    }
}
