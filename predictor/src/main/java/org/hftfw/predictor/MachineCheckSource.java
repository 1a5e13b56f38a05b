package org.hftfw.predictor;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * x86 machine-check interrupt counters in {@code <proc>/interrupts} (libraries.md §3 "Machine checks"): rows
 * {@code MCE:} (machine check exceptions), {@code MCP:} (machine check polls), {@code THR:} (threshold APIC
 * interrupts) and {@code DFR:} (AMD deferred errors), each one column per CPU, summed here; plus the
 * {@code HardwareCorrupted:} line of {@code <proc>/meminfo} (memory poisoned by memory-failure handling). Guests and
 * non-x86 hosts have none of these rows, which makes the source unavailable rather than "zero errors".
 */
final class MachineCheckSource implements FaultSource {

    static final String NAME = "machine-check";
    private static final Map<String, Metric> ROWS = Map.of("MCE", Metric.MCE_EXCEPTIONS, "MCP", Metric.MCE_POLLS,
            "THR", Metric.THRESHOLD_INTERRUPTS, "DFR", Metric.DEFERRED_ERROR_INTERRUPTS);

    private final Path interrupts;
    private final Path meminfo;

    MachineCheckSource(SourceRoots roots) {
        this.interrupts = roots.procfs().resolve("interrupts");
        this.meminfo = roots.procfs().resolve("meminfo");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SourceSample sample(long nowNanos) {
        SampleCollector c = new SampleCollector(NAME);
        Optional<String> text = c.text(interrupts);
        if (text.isEmpty() && c.problems().isEmpty()) {
            return SourceSample.unavailable(NAME, nowNanos, interrupts + " does not exist");
        }
        int rows = 0;
        for (String line : text.orElse("").split("\n", -1)) {
            String t = line.strip();
            int colon = t.indexOf(':');
            if (colon < 0) {
                continue;
            }
            Metric m = ROWS.get(t.substring(0, colon));
            if (m == null) {
                continue;
            }
            rows++;
            double sum = 0;
            int cpus = 0;
            for (String tok : t.substring(colon + 1).strip().split("\\s+", -1)) {
                var v = SampleCollector.parseNumber(tok);
                if (v.isEmpty()) {
                    break;
                }
                sum += v.getAsDouble();
                cpus++;
            }
            if (cpus == 0) {
                c.problem("interrupts row " + t.substring(0, colon) + " has no per-CPU counts");
            } else {
                c.add(m, t.substring(0, colon), sum, cpus + " CPUs");
            }
        }
        c.text(meminfo).flatMap(MachineCheckSource::hardwareCorruptedKb)
                .ifPresent(kb -> c.add(Metric.MEM_POISONED_KB, "meminfo", kb));
        if (rows == 0 && c.problems().isEmpty()) {
            return SourceSample.unavailable(NAME, nowNanos, "no MCE/MCP/THR/DFR rows in " + interrupts
                    + " (machine-check counters are not exposed: a VM or a non-x86 host)");
        }
        return c.build(nowNanos);
    }

    static Optional<Double> hardwareCorruptedKb(String meminfoText) {
        for (String line : meminfoText.split("\n", -1)) {
            if (line.startsWith("HardwareCorrupted:")) {
                String[] f = line.substring("HardwareCorrupted:".length()).strip().split("\\s+", -1);
                var v = SampleCollector.parseNumber(f[0]);
                if (v.isPresent()) {
                    return Optional.of(v.getAsDouble());
                }
            }
        }
        return Optional.empty();
    }
}
