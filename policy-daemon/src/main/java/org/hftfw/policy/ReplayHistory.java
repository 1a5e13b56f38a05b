package org.hftfw.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hftfw.predictor.Availability;
import org.hftfw.predictor.Metric;
import org.hftfw.predictor.Reading;
import org.hftfw.predictor.SourceSample;

/**
 * A recorded error history for the replay evaluator. Text, one record per line, {@code #} comments:
 * <pre>
 * # time_s,source,metric,component,value[,label]
 * 0,edac,MEM_CE,mc0,0
 * 60,edac,DIMM_CE,mc0/dimm1,3,CPU_SrcID#0_MC#0_Chan#1_DIMM#0
 * 9180,FAILURE,host crashed (uncorrected memory error)
 * </pre>
 * {@code time_s} is seconds (decimals allowed) from the start of the recording, non-decreasing; {@code metric} is a
 * {@link Metric} name and values are raw readings as the sources report them (cumulative counters, °C, RPM).
 * All rows of one source with the same time form one sample. {@code FAILURE} rows mark the known failure times: the
 * node is considered rebooted there, so counters in later rows start again from their reset values.
 */
public record ReplayHistory(String name, List<SourceSample> samples, List<Failure> failures) {

    /** A known failure at {@code timeNanos}. */
    public record Failure(long timeNanos, String description) {}

    public static ReplayHistory parse(Path file) throws IOException {
        return parse(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Parses the text; throws {@link IllegalArgumentException} naming the line for any malformed row. */
    public static ReplayHistory parse(String name, String text) {
        TreeMap<Long, Map<String, List<Reading>>> byTime = new TreeMap<>();
        List<Failure> failures = new ArrayList<>();
        long lastTime = Long.MIN_VALUE;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String at = name + ":" + (i + 1) + ": ";
            String[] f = line.split(",", -1);
            long t;
            try {
                t = Math.round(Double.parseDouble(f[0].strip()) * 1e9);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(at + "time '" + f[0] + "' is not a number");
            }
            if (t < lastTime) {
                throw new IllegalArgumentException(at + "time goes backwards");
            }
            lastTime = t;
            if (f.length >= 2 && f[1].strip().equals("FAILURE")) {
                failures.add(new Failure(t, f.length > 2 ? line.substring(line.indexOf("FAILURE,") + 8) : ""));
                byTime.computeIfAbsent(t, k -> new LinkedHashMap<>());
                continue;
            }
            if (f.length < 5) {
                throw new IllegalArgumentException(at + "want time_s,source,metric,component,value[,label], got "
                        + f.length + " fields");
            }
            Metric metric;
            try {
                metric = Metric.valueOf(f[2].strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(at + "unknown metric '" + f[2] + "'");
            }
            double value;
            try {
                value = Double.parseDouble(f[4].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(at + "value '" + f[4] + "' is not a number");
            }
            String label = f.length > 5 ? String.join(",", java.util.Arrays.copyOfRange(f, 5, f.length)).strip() : "";
            byTime.computeIfAbsent(t, k -> new LinkedHashMap<>()).computeIfAbsent(f[1].strip(), k -> new ArrayList<>())
                    .add(new Reading(metric, f[3].strip(), value, label));
        }
        List<SourceSample> samples = new ArrayList<>();
        byTime.forEach((t, bySource) -> bySource.forEach((src, readings) -> samples.add(
                new SourceSample(src, t, Availability.AVAILABLE, readings))));
        return new ReplayHistory(name, samples, failures);
    }

    /** Distinct times at which something happens (samples or failures), in order. */
    List<Long> times() {
        TreeMap<Long, Boolean> t = new TreeMap<>();
        samples.forEach(s -> t.put(s.timeNanos(), true));
        failures.forEach(f -> t.put(f.timeNanos(), true));
        return new ArrayList<>(t.keySet());
    }
}
