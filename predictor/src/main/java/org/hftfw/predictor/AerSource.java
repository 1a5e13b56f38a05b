package org.hftfw.predictor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * PCIe Advanced Error Reporting counters per device, {@code <sysfs>/bus/pci/devices/<BDF>/} (kernel
 * Documentation/ABI/testing/sysfs-bus-pci-devices-aer, kernel ≥ 4.19; libraries.md §3). {@code aer_dev_correctable},
 * {@code aer_dev_nonfatal} and {@code aer_dev_fatal} hold one {@code "<error name with spaces> <count>"} line per
 * error type and a {@code TOTAL_ERR_COR|TOTAL_ERR_NONFATAL|TOTAL_ERR_FATAL <n>} line; the count is the last token.
 * TOTAL is used as the value (one ERR_* message can carry several errors, so it need not equal the sum of the lines),
 * the non-zero lines become the label. Root ports also have {@code aer_rootport_total_err_{cor,fatal,nonfatal}},
 * cumulative for the hierarchy below them: errors are often counted at the link partner, not at the faulty endpoint.
 */
final class AerSource implements FaultSource {

    static final String NAME = "aer";
    private static final Pattern BDF = Pattern.compile("[0-9a-fA-F]{4,}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");

    private final Path devices;

    AerSource(SourceRoots roots) {
        this.devices = roots.sysfs().resolve("bus/pci/devices");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SourceSample sample(long nowNanos) {
        List<Path> all;
        try {
            all = SampleCollector.list(devices, BDF);
        } catch (IOException e) {
            return SourceSample.unavailable(NAME, nowNanos, devices + " unreadable: " + SampleCollector.describe(e));
        }
        if (all.isEmpty()) {
            return SourceSample.unavailable(NAME, nowNanos, "no PCI devices under " + devices);
        }
        SampleCollector c = new SampleCollector(NAME);
        int withAer = 0;
        for (Path dev : all) {
            String bdf = dev.getFileName().toString();
            boolean any = readDevFile(c, bdf, dev.resolve("aer_dev_correctable"), "TOTAL_ERR_COR", Metric.AER_CORRECTABLE);
            any |= readDevFile(c, bdf, dev.resolve("aer_dev_nonfatal"), "TOTAL_ERR_NONFATAL", Metric.AER_NONFATAL);
            any |= readDevFile(c, bdf, dev.resolve("aer_dev_fatal"), "TOTAL_ERR_FATAL", Metric.AER_FATAL);
            any |= c.counter(Metric.AER_ROOTPORT_CORRECTABLE, bdf, dev.resolve("aer_rootport_total_err_cor"), "root port");
            any |= c.counter(Metric.AER_ROOTPORT_NONFATAL, bdf, dev.resolve("aer_rootport_total_err_nonfatal"), "root port");
            any |= c.counter(Metric.AER_ROOTPORT_FATAL, bdf, dev.resolve("aer_rootport_total_err_fatal"), "root port");
            if (any) {
                withAer++;
            }
        }
        if (withAer == 0 && c.problems().isEmpty()) {
            return SourceSample.unavailable(NAME, nowNanos, all.size() + " PCI devices, none exposes aer_dev_* "
                    + "(no AER capability, kernel < 4.19, or firmware-first AER)");
        }
        return c.build(nowNanos);
    }

    /** Parses one aer_dev_* file; adds the TOTAL (or the sum when TOTAL is missing). */
    private static boolean readDevFile(SampleCollector c, String bdf, Path file, String totalKey, Metric metric) {
        Optional<String> text = c.text(file);
        if (text.isEmpty()) {
            return Files.exists(file);
        }
        ParsedAer parsed = parse(text.get(), totalKey);
        if (parsed.error() != null) {
            c.problem(bdf + "/" + file.getFileName() + ": " + parsed.error());
        }
        if (parsed.total().isPresent()) {
            c.add(metric, bdf, parsed.total().getAsDouble(), parsed.breakdown());
        }
        return true;
    }

    record ParsedAer(OptionalDouble total, String breakdown, String error) {}

    static ParsedAer parse(String text, String totalKey) {
        double sum = 0;
        double total = Double.NaN;
        StringJoiner breakdown = new StringJoiner(", ");
        String error = null;
        int lines = 0;
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            String name = sp < 0 ? "" : line.substring(0, sp).strip();
            OptionalDouble v = SampleCollector.parseNumber(sp < 0 ? line : line.substring(sp + 1));
            if (sp < 0 || v.isEmpty()) {
                error = error == null ? "unparsable line '" + SampleCollector.abbreviate(line) + "'" : error;
                continue;
            }
            lines++;
            if (name.equals(totalKey)) {
                total = v.getAsDouble();
            } else {
                sum += v.getAsDouble();
                if (v.getAsDouble() > 0) {
                    breakdown.add(name + "=" + (long) v.getAsDouble());
                }
            }
        }
        if (lines == 0) {
            return new ParsedAer(OptionalDouble.empty(), "", error == null ? "empty" : error);
        }
        if (Double.isNaN(total)) {
            error = error == null ? "no " + totalKey + " line, using the sum of the lines" : error;
            total = sum;
        }
        return new ParsedAer(OptionalDouble.of(total), breakdown.toString(), error);
    }
}
