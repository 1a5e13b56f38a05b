package org.hftfw.predictor;

import org.hftfw.common.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Every fault source with its availability and current readings, as text in the spirit of {@code sensors} plus the
 * EDAC counters ({@code hftfw health}). A source that gives no signal is listed as UNAVAILABLE with its reason,
 * never as healthy. On the real host the report also shows what OSHI sees and whether EDAC error injection exists.
 */
public final class HealthReport {

    /** One source's state at report time. */
    public record SourceStatus(String name, Availability availability, List<Reading> readings) {}

    private final SourceRoots roots;
    private final List<SourceStatus> sources;
    private final Optional<OshiHostSensors.View> oshi;
    private final String injection;

    private HealthReport(SourceRoots roots, List<SourceStatus> sources, Optional<OshiHostSensors.View> oshi,
            String injection) {
        this.roots = roots;
        this.sources = List.copyOf(sources);
        this.oshi = oshi;
        this.injection = injection;
    }

    /** Reads every standard source once (the kernel log reader is given a moment to read the boot backlog). */
    public static HealthReport collect(SourceRoots roots, Clock clock) {
        return collect(roots, FaultSources.standard(roots), clock);
    }

    public static HealthReport collect(SourceRoots roots, List<FaultSource> list, Clock clock) {
        List<SourceStatus> out = new ArrayList<>();
        for (FaultSource s : list) {
            s.start();
        }
        for (FaultSource s : list) {
            SourceSample sample;
            try {
                sample = s.sample(clock.nanos());
            } catch (RuntimeException e) {
                sample = new SourceSample(s.name(), clock.nanos(), Availability.degraded("reader failed: " + e),
                        List.of());
            }
            out.add(new SourceStatus(s.name(), sample.availability(), sample.readings()));
            s.close();
        }
        Optional<OshiHostSensors.View> oshi = Optional.empty();
        if (roots.isHost()) {
            try {
                oshi = Optional.of(OshiHostSensors.read());
            } catch (RuntimeException | LinkageError e) {
                oshi = Optional.of(new OshiHostSensors.View("OSHI failed: " + e, "", "", List.of()));
            }
        }
        return new HealthReport(roots, out, oshi, new FaultInjector(roots).detectEdacInjection().description());
    }

    public List<SourceStatus> sources() {
        return sources;
    }

    public Optional<SourceStatus> source(String name) {
        return sources.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** Sources that give no signal at all. */
    public List<String> unavailable() {
        return sources.stream().filter(s -> !s.availability().givesSignal()).map(SourceStatus::name).toList();
    }

    public String format() {
        StringBuilder sb = new StringBuilder();
        sb.append("hFT-FW fault sources (sysfs=").append(roots.sysfs()).append(" proc=").append(roots.procfs())
                .append(" dev=").append(roots.dev()).append(")\n");
        for (SourceStatus s : sources) {
            String state = switch (s.availability()) {
                case Availability.Available a -> "AVAILABLE";
                case Availability.Unavailable u -> "UNAVAILABLE";
                case Availability.Degraded d -> "DEGRADED";
            };
            sb.append('\n').append(String.format("%-14s %s", s.name(), state));
            switch (s.availability()) {
                case Availability.Unavailable u -> sb.append(": ").append(u.reason());
                case Availability.Degraded d -> sb.append(": ").append(d.reason());
                case Availability.Available a -> { }
            }
            sb.append('\n');
            s.readings().stream()
                    .sorted(Comparator.comparing(Reading::component, HealthReport::natural)
                            .thenComparing(Reading::metric))
                    .forEach(r -> sb.append(String.format("  %-22s %-26s %s%s%n", r.component(),
                            r.metric().name().toLowerCase(java.util.Locale.ROOT), value(r),
                            r.label().isEmpty() ? "" : "  (" + r.label() + ")")));
        }
        oshi.ifPresent(v -> {
            sb.append("\nOSHI view of this host (oshi-common, native-free)\n");
            sb.append("  cpu temperature: ").append(v.cpuTemperature()).append('\n');
            sb.append("  fans:            ").append(v.fans()).append('\n');
            sb.append("  cpu voltage:     ").append(v.cpuVoltage()).append('\n');
            v.interfaces().forEach(i -> sb.append("  nic ").append(i).append('\n'));
        });
        sb.append("\nEDAC error injection: ").append(injection).append('\n');
        long signal = sources.stream().filter(s -> s.availability().givesSignal()).count();
        sb.append(String.format("%nSummary: %d of %d sources give a signal", signal, sources.size()));
        List<String> none = unavailable();
        if (!none.isEmpty()) {
            sb.append("; no signal from ").append(String.join(", ", none))
                    .append(" (no signal is not the same as healthy)");
        }
        return sb.append('\n').toString();
    }

    private static String value(Reading r) {
        double v = r.value();
        String num = v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format("%.1f", v);
        return r.metric().unit().isEmpty() ? num : num + " " + r.metric().unit();
    }

    private static int natural(String a, String b) {
        return SampleCollector.naturalOrder(java.nio.file.Path.of(a.replace('/', '_')),
                java.nio.file.Path.of(b.replace('/', '_')));
    }
}
