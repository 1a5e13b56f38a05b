package org.hftfw.predictor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Injects faults for tests and the demo. On a fake tree ({@link FakeSysfs}) it rewrites the counter files the way
 * the kernel would have updated them (an EDAC CE on a DIMM raises both {@code dimm_ce_count} and the controller's
 * {@code ce_count}; an AER error raises its line and the TOTAL; a NIC CRC error raises {@code rx_crc_errors} and
 * {@code rx_errors}). On the real host it cannot write counters; for EDAC kinds it uses the EDAC core's own
 * injection, {@code <debugfs>/edac/mcN/fake_inject} (CONFIG_EDAC_DEBUG, drivers/edac/debugfs.c: set
 * {@code fake_inject_ue} and {@code fake_inject_count}, then write to {@code fake_inject}; the error goes through the
 * normal EDAC path, so counters and the kernel log change as for a real one), and refuses with the reason otherwise.
 * Driver-specific files ({@code mcN/inject_*} of amd64_edac, i7core_edac ...) are detected and named, not driven.
 */
public final class FaultInjector {

    private static final Pattern MC_TARGET = Pattern.compile("mc(\\d+)(?:/((?:dimm|rank)\\d+|csrow\\d+(?:/ch\\d+)?))?");

    private final SourceRoots roots;

    public FaultInjector(SourceRoots roots) {
        this.roots = roots;
    }

    /** What the host offers for EDAC error injection (used by the CLI and the health report). */
    public record EdacInjection(Optional<Path> fakeInject, List<Path> driverFiles, String description) {}

    public EdacInjection detectEdacInjection() {
        Path debugMc = roots.debugfs().resolve("edac");
        Optional<Path> fake = Optional.empty();
        try {
            for (Path mc : SampleCollector.list(debugMc, Pattern.compile("mc\\d+"))) {
                if (Files.exists(mc.resolve("fake_inject"))) {
                    fake = Optional.of(mc);
                    break;
                }
            }
            List<Path> driver = new java.util.ArrayList<>();
            for (Path mc : SampleCollector.list(roots.sysfs().resolve("devices/system/edac/mc"),
                    Pattern.compile("mc\\d+"))) {
                try (var files = Files.list(mc)) {
                    files.filter(f -> f.getFileName().toString().startsWith("inject_")).sorted().forEach(driver::add);
                }
            }
            String d = fake.map(p -> "EDAC core fake_inject at " + p)
                    .orElse("no EDAC fake_inject under " + debugMc + " (needs CONFIG_EDAC_DEBUG, debugfs mounted and "
                            + "an EDAC driver)")
                    + (driver.isEmpty() ? "" : "; driver-specific injection files: " + driver);
            return new EdacInjection(fake, List.copyOf(driver), d);
        } catch (IOException e) {
            return new EdacInjection(Optional.empty(), List.of(), "cannot inspect " + debugMc + ": " + e);
        }
    }

    /**
     * Injects {@code count} faults of {@code kind} into {@code target} (see {@link FaultKind} for the target forms;
     * an empty target picks the first DIMM, device, sensor or interface). Returns what was done, for the operator.
     *
     * @throws IllegalArgumentException for a bad count or target
     * @throws UnsupportedOperationException on the real host when no injection mechanism exists
     */
    public String inject(FaultKind kind, long count, String target) {
        if (count < 0 || (count == 0 && kind != FaultKind.FAN_FAILURE && kind != FaultKind.TEMPERATURE)) {
            throw new IllegalArgumentException("count must be >= 1, got " + count);
        }
        String t = target == null ? "" : target.strip();
        if (roots.isHost()) {
            return injectOnHost(kind, count, t);
        }
        return switch (kind) {
            case EDAC_CE -> edac(count, t, true);
            case EDAC_UE -> edac(count, t, false);
            case AER_CORRECTABLE -> aer(count, t, "aer_dev_correctable", FakeSysfs.AER_COR_NAMES, "TOTAL_ERR_COR",
                    "Receiver Error", "aer_rootport_total_err_cor");
            case AER_NONFATAL -> aer(count, t, "aer_dev_nonfatal", FakeSysfs.AER_UNCOR_NAMES, "TOTAL_ERR_NONFATAL",
                    "Completion Timeout", "aer_rootport_total_err_nonfatal");
            case AER_FATAL -> aer(count, t, "aer_dev_fatal", FakeSysfs.AER_UNCOR_NAMES, "TOTAL_ERR_FATAL",
                    "Malformed TLP", "aer_rootport_total_err_fatal");
            case TEMPERATURE -> temperature(count, t);
            case FAN_FAILURE -> fan(t);
            case NIC_ERRORS -> nic(count, t);
            case CARRIER_FLAP -> flap(count, t);
        };
    }

    private String injectOnHost(FaultKind kind, long count, String target) {
        if (kind != FaultKind.EDAC_CE && kind != FaultKind.EDAC_UE) {
            throw new UnsupportedOperationException(kind.cliName() + " cannot be injected on the real host (its "
                    + "counters are kernel-owned); use a fake tree (--sysfs-root) for the demo");
        }
        EdacInjection inj = detectEdacInjection();
        if (inj.fakeInject().isEmpty()) {
            throw new UnsupportedOperationException("no EDAC error injection on this host: " + inj.description());
        }
        if (count > 0xffff) {
            throw new IllegalArgumentException("EDAC fake_inject_count is a u16; count " + count + " too large");
        }
        Path mc = inj.fakeInject().get();
        Matcher m = MC_TARGET.matcher(target);
        if (!target.isEmpty() && m.matches()) {
            mc = mc.resolveSibling("mc" + m.group(1));
        }
        try {
            Files.writeString(mc.resolve("fake_inject_ue"), kind == FaultKind.EDAC_UE ? "1" : "0");
            Files.writeString(mc.resolve("fake_inject_count"), String.valueOf(count));
            Files.writeString(mc.resolve("fake_inject"), "1");
        } catch (IOException e) {
            throw new UncheckedIOException("EDAC fake_inject at " + mc + " failed", e);
        }
        return "injected " + count + " " + (kind == FaultKind.EDAC_UE ? "UE" : "CE") + " via " + mc.resolve(
                "fake_inject");
    }

    private String edac(long count, String target, boolean ce) {
        Path mcRoot = roots.sysfs().resolve("devices/system/edac/mc");
        String t = target.isEmpty() ? firstDimm(mcRoot) : target;
        Matcher m = MC_TARGET.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("EDAC target must look like mc0, mc0/dimm1 or mc0/csrow0/ch1, got '"
                    + target + "'");
        }
        Path mc = mcRoot.resolve("mc" + m.group(1));
        requireDir(mc, "memory controller");
        String total = ce ? "ce_count" : "ue_count";
        add(mc.resolve(total), count);
        String where = "mc" + m.group(1);
        if (m.group(2) == null) {
            add(mc.resolve(ce ? "ce_noinfo_count" : "ue_noinfo_count"), count);
            where += " (no DIMM info)";
        } else if (m.group(2).startsWith("csrow")) {
            String[] parts = m.group(2).split("/", -1);
            Path row = mc.resolve(parts[0]);
            requireDir(row, "csrow");
            add(row.resolve(total), count);
            if (parts.length > 1 && ce) {
                add(row.resolve(parts[1] + "_ce_count"), count);
            }
            where += "/" + m.group(2);
        } else {
            Path dimm = mc.resolve(m.group(2));
            requireDir(dimm, "DIMM");
            add(dimm.resolve(ce ? "dimm_ce_count" : "dimm_ue_count"), count);
            where += "/" + m.group(2);
        }
        return "injected " + count + " " + (ce ? "CE" : "UE") + " on " + where;
    }

    private static String firstDimm(Path mcRoot) {
        try {
            for (Path mc : SampleCollector.list(mcRoot, Pattern.compile("mc\\d+"))) {
                List<Path> dimms = SampleCollector.list(mc, Pattern.compile("(dimm|rank)\\d+"));
                return mc.getFileName() + (dimms.isEmpty() ? "" : "/" + dimms.getFirst().getFileName());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalArgumentException("no EDAC memory controller under " + mcRoot);
    }

    private String aer(long count, String target, String file, List<String> names, String totalKey, String line,
            String rootPortFile) {
        Path dev = target.isEmpty() ? first(roots.sysfs().resolve("bus/pci/devices"), file)
                : roots.sysfs().resolve("bus/pci/devices/" + target);
        Path f = dev.resolve(file);
        if (!Files.exists(f)) {
            throw new IllegalArgumentException("no " + file + " for PCI device " + dev.getFileName());
        }
        long[] counts = new long[names.size()];
        long total = 0;
        for (String l : read(f).split("\n", -1)) {
            int sp = l.lastIndexOf(' ');
            if (sp < 0) {
                continue;
            }
            OptionalDouble v = SampleCollector.parseNumber(l.substring(sp + 1));
            String name = l.substring(0, sp).strip();
            if (name.equals(totalKey)) {
                total = (long) v.orElse(0);
            } else if (names.contains(name)) {
                counts[names.indexOf(name)] = (long) v.orElse(0);
            }
        }
        counts[names.indexOf(line)] += count;
        FakeSysfs.write(f, FakeSysfs.aerText(names, totalKey, counts, total + count));
        if (Files.exists(dev.resolve(rootPortFile))) {
            add(dev.resolve(rootPortFile), count);
        }
        return "injected " + count + " " + line + " on " + dev.getFileName();
    }

    private String temperature(long celsius, String target) {
        Path file;
        if (target.startsWith("thermal_zone")) {
            file = roots.sysfs().resolve("class/thermal/" + target + "/temp");
        } else {
            String t = target.isEmpty() ? "hwmon0/temp1" : target;
            file = roots.sysfs().resolve("class/hwmon/" + t + "_input");
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("no temperature file " + file);
        }
        FakeSysfs.write(file, FakeSysfs.milli((double) celsius));
        return "set " + (target.isEmpty() ? "hwmon0/temp1" : target) + " to " + celsius + " °C";
    }

    private String fan(String target) {
        String t = target.isEmpty() ? "hwmon0/fan1" : target;
        Path file = roots.sysfs().resolve("class/hwmon/" + t + "_input");
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("no fan file " + file);
        }
        FakeSysfs.write(file, "0");
        return "stopped fan " + t;
    }

    private String nic(long count, String target) {
        Path dev = nicDir(target);
        add(dev.resolve("statistics/rx_crc_errors"), count);
        add(dev.resolve("statistics/rx_errors"), count);
        return "injected " + count + " rx CRC errors on " + dev.getFileName();
    }

    private String flap(long count, String target) {
        Path dev = nicDir(target);
        add(dev.resolve("carrier_changes"), 2 * count);
        for (String f : List.of("carrier_up_count", "carrier_down_count")) {
            if (Files.exists(dev.resolve(f))) {
                add(dev.resolve(f), count);
            }
        }
        return "injected " + count + " carrier flap(s) on " + dev.getFileName();
    }

    private Path nicDir(String target) {
        Path net = roots.sysfs().resolve("class/net");
        Path dev = target.isEmpty() ? first(net, "statistics") : net.resolve(target);
        requireDir(dev.resolve("statistics"), "network interface statistics");
        return dev;
    }

    private static Path first(Path dir, String mustContain) {
        try (var s = Files.list(dir)) {
            return s.filter(p -> Files.exists(p.resolve(mustContain))).sorted().findFirst().orElseThrow(
                    () -> new IllegalArgumentException("nothing with " + mustContain + " under " + dir));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void requireDir(Path p, String what) {
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException("no " + what + " at " + p);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void add(Path counter, long n) {
        long v = Files.exists(counter) ? (long) SampleCollector.parseNumber(read(counter)).orElseThrow(
                () -> new IllegalArgumentException("counter " + counter + " holds no number")) : 0;
        FakeSysfs.write(counter, String.valueOf(v + n));
    }
}
