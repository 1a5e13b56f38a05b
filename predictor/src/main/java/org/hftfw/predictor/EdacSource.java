package org.hftfw.predictor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * EDAC memory-controller counters, {@code <sysfs>/devices/system/edac/mc/mcN/} (kernel
 * Documentation/ABI/testing/sysfs-devices-edac and Documentation/admin-guide/ras.rst; libraries.md §3).
 * Per controller: {@code ce_count}, {@code ue_count}, {@code ce_noinfo_count}, {@code ue_noinfo_count},
 * {@code seconds_since_reset}. Per DIMM or rank ({@code dimmM/} or {@code rankM/}): {@code dimm_ce_count},
 * {@code dimm_ue_count}, {@code dimm_label}, {@code dimm_location}. The deprecated {@code csrowK/} layout
 * (CONFIG_EDAC_LEGACY_SYSFS) gives {@code ce_count}, {@code ue_count} and {@code chJ_ce_count}/{@code chJ_ue_count}
 * with {@code chJ_dimm_label}; it is read only when the controller has no {@code dimmM}/{@code rankM} entries, so a
 * DIMM is never counted twice. The controller totals are the signal; DIMM counts are evidence (which DIMM).
 */
final class EdacSource implements FaultSource {

    static final String NAME = "edac";
    private static final Pattern MC = Pattern.compile("mc\\d+");
    private static final Pattern DIMM = Pattern.compile("(dimm|rank)\\d+");
    private static final Pattern CSROW = Pattern.compile("csrow\\d+");
    private static final Pattern CHANNEL_CE = Pattern.compile("ch(\\d+)_ce_count");

    private final Path mcRoot;

    EdacSource(SourceRoots roots) {
        this.mcRoot = roots.sysfs().resolve("devices/system/edac/mc");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SourceSample sample(long nowNanos) {
        List<Path> controllers;
        try {
            controllers = SampleCollector.list(mcRoot, MC);
        } catch (IOException e) {
            return SourceSample.unavailable(NAME, nowNanos, mcRoot + " unreadable: " + SampleCollector.describe(e));
        }
        if (controllers.isEmpty()) {
            return SourceSample.unavailable(NAME, nowNanos, "no memory controller under " + mcRoot
                    + " (EDAC driver not loaded, no ECC memory, a VM, or firmware-first RAS hiding the counters)");
        }
        SampleCollector c = new SampleCollector(NAME);
        for (Path mc : controllers) {
            readController(c, mc);
        }
        return c.build(nowNanos);
    }

    private static void readController(SampleCollector c, Path mc) {
        String id = mc.getFileName().toString();
        String mcName = c.text(mc.resolve("mc_name")).orElse("");
        boolean ce = c.counter(Metric.MEM_CE, id, mc.resolve("ce_count"), mcName);
        boolean ue = c.counter(Metric.MEM_UE, id, mc.resolve("ue_count"), mcName);
        if (!ce && !ue && c.problems().isEmpty()) {
            c.problem(id + " has neither ce_count nor ue_count");
        }
        c.counter(Metric.MEM_CE_NOINFO, id, mc.resolve("ce_noinfo_count"), mcName);
        c.counter(Metric.MEM_UE_NOINFO, id, mc.resolve("ue_noinfo_count"), mcName);
        c.number(mc.resolve("seconds_since_reset")).ifPresent(
                v -> c.add(Metric.EDAC_SECONDS_SINCE_RESET, id, v, mcName));
        try {
            List<Path> dimms = SampleCollector.list(mc, DIMM);
            if (!dimms.isEmpty()) {
                for (Path d : dimms) {
                    String comp = id + "/" + d.getFileName();
                    String label = dimmLabel(c, d);
                    c.counter(Metric.DIMM_CE, comp, d.resolve("dimm_ce_count"), label);
                    c.counter(Metric.DIMM_UE, comp, d.resolve("dimm_ue_count"), label);
                }
                return;
            }
            for (Path row : SampleCollector.list(mc, CSROW)) {
                readCsrow(c, id + "/" + row.getFileName(), row);
            }
        } catch (IOException e) {
            c.problem(id + " unreadable: " + SampleCollector.describe(e));
        }
    }

    private static String dimmLabel(SampleCollector c, Path dimm) {
        String label = c.text(dimm.resolve("dimm_label")).orElse("");
        String location = c.text(dimm.resolve("dimm_location")).orElse("");
        if (label.isEmpty()) {
            return location;
        }
        return location.isEmpty() ? label : label + " (" + location + ")";
    }

    private static void readCsrow(SampleCollector c, String comp, Path row) throws IOException {
        boolean anyChannel = false;
        boolean anyChannelUe = false;
        try (var files = Files.list(row)) {
            for (Path f : files.sorted(SampleCollector::naturalOrder).toList()) {
                var m = CHANNEL_CE.matcher(f.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                anyChannel = true;
                String ch = "ch" + m.group(1);
                String label = c.text(row.resolve(ch + "_dimm_label")).orElse("");
                c.counter(Metric.DIMM_CE, comp + "/" + ch, f, label);
                anyChannelUe |= c.counter(Metric.DIMM_UE, comp + "/" + ch, row.resolve(ch + "_ue_count"), label);
            }
        }
        if (!anyChannel) {
            c.counter(Metric.DIMM_CE, comp, row.resolve("ce_count"), "");
        }
        if (!anyChannelUe) {
            c.counter(Metric.DIMM_UE, comp, row.resolve("ue_count"), "");
        }
    }
}
