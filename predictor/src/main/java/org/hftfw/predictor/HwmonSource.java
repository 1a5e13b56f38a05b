package org.hftfw.predictor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * hwmon sensors, {@code <sysfs>/class/hwmon/hwmonN/} (kernel Documentation/hwmon/sysfs-interface.rst; libraries.md
 * §3). Reads {@code tempY_input/_max/_crit/_alarm/_crit_alarm/_fault} (m°C), {@code fanY_input/_min/_fault/_alarm}
 * (RPM) and {@code inY_input/_min/_max/_alarm} (mV). Sensors are found by listing the directory, because index gaps
 * (temp1, temp3) are normal; old drivers keep their attributes in {@code hwmonN/device/}. Each file is read on its
 * own: a disabled sensor answers ENODATA, which degrades the sample but not the other sensors. Note that on many
 * chips reading {@code *_alarm} clears it, so only one reader should poll them.
 *
 * <p>OSHI's {@code Sensors} covers only the CPU temperature and fan speeds of the live host and resolves
 * {@code /sys} once per JVM ({@code oshi.util.sys.path} is read into a static final before first use), so this
 * reader goes to sysfs directly and works on any root; {@link OshiHostSensors} adds OSHI's view to the host report.
 */
final class HwmonSource implements FaultSource {

    static final String NAME = "hwmon";
    private static final Pattern HWMON = Pattern.compile("hwmon\\d+");
    private static final Pattern INPUT = Pattern.compile("(temp|fan|in)(\\d+)_input");

    private final Path hwmonRoot;

    HwmonSource(SourceRoots roots) {
        this.hwmonRoot = roots.sysfs().resolve("class/hwmon");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SourceSample sample(long nowNanos) {
        List<Path> chips;
        try {
            chips = SampleCollector.list(hwmonRoot, HWMON);
        } catch (IOException e) {
            return SourceSample.unavailable(NAME, nowNanos, hwmonRoot + " unreadable: " + SampleCollector.describe(e));
        }
        if (chips.isEmpty()) {
            return SourceSample.unavailable(NAME, nowNanos, "no hwmon chip under " + hwmonRoot
                    + " (no sensor driver loaded, or a VM)");
        }
        SampleCollector c = new SampleCollector(NAME);
        for (Path chip : chips) {
            try {
                readChip(c, chip);
            } catch (IOException e) {
                c.problem(chip.getFileName() + " unreadable: " + SampleCollector.describe(e));
            }
        }
        return c.build(nowNanos);
    }

    private static void readChip(SampleCollector c, Path chip) throws IOException {
        String id = chip.getFileName().toString();
        String chipName = c.text(chip.resolve("name")).or(() -> c.text(chip.resolve("device/name"))).orElse(id);
        Path dir = hasInputs(chip) ? chip : chip.resolve("device");
        TreeSet<String> sensors = new TreeSet<>((a, b) -> SampleCollector.naturalOrder(Path.of(a), Path.of(b)));
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                files.map(p -> INPUT.matcher(p.getFileName().toString())).filter(Matcher::matches)
                        .forEach(m -> sensors.add(m.group(1) + m.group(2)));
            }
        }
        for (String s : sensors) {
            String comp = id + "/" + s;
            String label = chipName + c.text(dir.resolve(s + "_label")).map(l -> " " + l).orElse("");
            if (s.startsWith("temp")) {
                milli(c, Metric.TEMP_C, comp, dir.resolve(s + "_input"), label);
                milli(c, Metric.TEMP_MAX_C, comp, dir.resolve(s + "_max"), label);
                milli(c, Metric.TEMP_CRIT_C, comp, dir.resolve(s + "_crit"), label);
                c.counter(Metric.TEMP_ALARM, comp, dir.resolve(s + "_alarm"), label);
                c.counter(Metric.TEMP_CRIT_ALARM, comp, dir.resolve(s + "_crit_alarm"), label);
                c.counter(Metric.TEMP_FAULT, comp, dir.resolve(s + "_fault"), label);
            } else if (s.startsWith("fan")) {
                c.counter(Metric.FAN_RPM, comp, dir.resolve(s + "_input"), label);
                c.counter(Metric.FAN_MIN_RPM, comp, dir.resolve(s + "_min"), label);
                c.counter(Metric.FAN_FAULT, comp, dir.resolve(s + "_fault"), label);
                c.counter(Metric.FAN_ALARM, comp, dir.resolve(s + "_alarm"), label);
            } else {
                c.counter(Metric.VOLT_MV, comp, dir.resolve(s + "_input"), label);
                c.counter(Metric.VOLT_MIN_MV, comp, dir.resolve(s + "_min"), label);
                c.counter(Metric.VOLT_MAX_MV, comp, dir.resolve(s + "_max"), label);
                c.counter(Metric.VOLT_ALARM, comp, dir.resolve(s + "_alarm"), label);
            }
        }
    }

    private static boolean hasInputs(Path chip) throws IOException {
        try (var files = Files.list(chip)) {
            return files.anyMatch(p -> INPUT.matcher(p.getFileName().toString()).matches());
        }
    }

    private static void milli(SampleCollector c, Metric metric, String comp, Path file, String label) {
        OptionalDouble v = c.number(file);
        v.ifPresent(x -> c.add(metric, comp, x / 1000.0, label));
    }
}
