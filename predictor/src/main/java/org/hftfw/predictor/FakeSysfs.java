package org.hftfw.predictor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Builds fake sysfs/procfs trees with the kernel's real file layouts (see src/test/resources/README.md for where each
 * layout comes from), for tests and for the demo. Values are written as the kernel prints them (decimal + newline,
 * millidegrees for temperatures). Files are replaced atomically, so a concurrent reader sees the old or the new value.
 */
public final class FakeSysfs {

    /** Line names as in Documentation/ABI/testing/sysfs-bus-pci-devices-aer (names contain spaces). */
    static final List<String> AER_COR_NAMES = List.of("Receiver Error", "Bad TLP", "Bad DLLP", "RELAY_NUM Rollover",
            "Replay Timer Timeout", "Advisory Non-Fatal", "Corrected Internal Error", "Header Log Overflow");
    static final List<String> AER_UNCOR_NAMES = List.of("Undefined", "Data Link Protocol", "Surprise Down Error",
            "Poisoned TLP", "Flow Control Protocol", "Completion Timeout", "Completer Abort", "Unexpected Completion",
            "Receiver Overflow", "Malformed TLP", "ECRC", "Unsupported Request", "ACS Violation",
            "Uncorrectable Internal Error", "MC Blocked TLP", "AtomicOp Egress Blocked", "TLP Prefix Blocked Error");

    private final Path base;
    private final SourceRoots roots;

    private FakeSysfs(Path base) {
        this.base = base;
        this.roots = SourceRoots.under(base);
    }

    /** Creates empty {@code sys}, {@code proc}, {@code dev} and {@code var} directories under {@code base}. */
    public static FakeSysfs create(Path base) {
        FakeSysfs f = new FakeSysfs(base);
        for (Path p : List.of(f.roots.sysfs(), f.roots.procfs(), f.roots.dev(), f.roots.var())) {
            mkdirs(p);
        }
        return f;
    }

    public SourceRoots roots() {
        return roots;
    }

    public Path base() {
        return base;
    }

    /** {@code devices/system/edac/mc/mcN} with zeroed counters and {@code dimms} DIMMs labelled as sb_edac does. */
    public FakeSysfs edacController(int mc, int dimms) {
        Path dir = mcDir(mc);
        write(dir.resolve("mc_name"), "Skylake Socket#" + mc + " IMC#0");
        write(dir.resolve("size_mb"), String.valueOf(16384 * Math.max(dimms, 1)));
        for (String f : List.of("ce_count", "ue_count", "ce_noinfo_count", "ue_noinfo_count")) {
            write(dir.resolve(f), "0");
        }
        write(dir.resolve("seconds_since_reset"), "86400");
        for (int d = 0; d < dimms; d++) {
            Path dimm = dir.resolve("dimm" + d);
            write(dimm.resolve("dimm_ce_count"), "0");
            write(dimm.resolve("dimm_ue_count"), "0");
            write(dimm.resolve("dimm_label"), "CPU_SrcID#" + mc + "_MC#0_Chan#" + d + "_DIMM#0");
            write(dimm.resolve("dimm_location"), "channel " + d + " slot 0");
            write(dimm.resolve("dimm_mem_type"), "Registered-DDR4");
            write(dimm.resolve("size"), "16384");
        }
        return this;
    }

    /** The deprecated layout {@code mcN/csrowK/} with {@code chJ_ce_count}/{@code chJ_dimm_label}. */
    public FakeSysfs edacLegacyCsrow(int mc, int csrow, int channels) {
        Path dir = mcDir(mc);
        if (!Files.exists(dir.resolve("ce_count"))) {
            write(dir.resolve("ce_count"), "0");
            write(dir.resolve("ue_count"), "0");
        }
        Path row = dir.resolve("csrow" + csrow);
        write(row.resolve("ce_count"), "0");
        write(row.resolve("ue_count"), "0");
        write(row.resolve("size_mb"), "8192");
        for (int ch = 0; ch < channels; ch++) {
            write(row.resolve("ch" + ch + "_ce_count"), "0");
            write(row.resolve("ch" + ch + "_dimm_label"), "DIMM_" + (char) ('A' + ch) + csrow);
        }
        return this;
    }

    /** {@code bus/pci/devices/<bdf>/aer_dev_*} with zero counts; root ports also get the totals. */
    public FakeSysfs aerDevice(String bdf, boolean rootPort) {
        Path dev = pciDir(bdf);
        write(dev.resolve("aer_dev_correctable"), aerText(AER_COR_NAMES, "TOTAL_ERR_COR", new long[8], 0));
        write(dev.resolve("aer_dev_nonfatal"), aerText(AER_UNCOR_NAMES, "TOTAL_ERR_NONFATAL", new long[17], 0));
        write(dev.resolve("aer_dev_fatal"), aerText(AER_UNCOR_NAMES, "TOTAL_ERR_FATAL", new long[17], 0));
        if (rootPort) {
            for (String s : List.of("cor", "fatal", "nonfatal")) {
                write(dev.resolve("aer_rootport_total_err_" + s), "0");
            }
        }
        return this;
    }

    /** A PCI device without AER files (what virtio devices look like). */
    public FakeSysfs pciDeviceWithoutAer(String bdf) {
        write(pciDir(bdf).resolve("vendor"), "0x1af4");
        return this;
    }

    static String aerText(List<String> names, String totalKey, long[] counts, long total) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            sb.append(names.get(i)).append(' ').append(counts[i]).append('\n');
        }
        return sb.append(totalKey).append(' ').append(total).append('\n').toString();
    }

    /** {@code class/hwmon/hwmonN/name}. */
    public FakeSysfs hwmonChip(int n, String name) {
        write(hwmonDir(n).resolve("name"), name);
        return this;
    }

    /** {@code tempY_input/_max/_crit} in millidegrees; a limit ≤ 0 is left out. */
    public FakeSysfs hwmonTemp(int n, int index, double celsius, double maxC, double critC, String label) {
        Path d = hwmonDir(n);
        write(d.resolve("temp" + index + "_input"), milli(celsius));
        if (maxC > 0) {
            write(d.resolve("temp" + index + "_max"), milli(maxC));
        }
        if (critC > 0) {
            write(d.resolve("temp" + index + "_crit"), milli(critC));
            write(d.resolve("temp" + index + "_crit_alarm"), "0");
        }
        if (label != null) {
            write(d.resolve("temp" + index + "_label"), label);
        }
        return this;
    }

    /** {@code fanY_input/_min}. */
    public FakeSysfs hwmonFan(int n, int index, int rpm, int minRpm) {
        Path d = hwmonDir(n);
        write(d.resolve("fan" + index + "_input"), String.valueOf(rpm));
        if (minRpm > 0) {
            write(d.resolve("fan" + index + "_min"), String.valueOf(minRpm));
        }
        write(d.resolve("fan" + index + "_fault"), "0");
        return this;
    }

    /** {@code inY_input/_min/_max} in mV. */
    public FakeSysfs hwmonVoltage(int n, int index, int mv, int minMv, int maxMv) {
        Path d = hwmonDir(n);
        write(d.resolve("in" + index + "_input"), String.valueOf(mv));
        write(d.resolve("in" + index + "_min"), String.valueOf(minMv));
        write(d.resolve("in" + index + "_max"), String.valueOf(maxMv));
        return this;
    }

    /** {@code class/thermal/thermal_zoneN} with a passive and a critical trip point. */
    public FakeSysfs thermalZone(int n, String type, double celsius, double passiveC, double criticalC) {
        Path z = roots.sysfs().resolve("class/thermal/thermal_zone" + n);
        write(z.resolve("type"), type);
        write(z.resolve("mode"), "enabled");
        write(z.resolve("temp"), milli(celsius));
        write(z.resolve("trip_point_0_temp"), milli(passiveC));
        write(z.resolve("trip_point_0_type"), "passive");
        write(z.resolve("trip_point_1_temp"), milli(criticalC));
        write(z.resolve("trip_point_1_type"), "critical");
        return this;
    }

    /** {@code class/net/<if>} with zeroed statistics, {@code carrier_changes} and {@code operstate up}. */
    public FakeSysfs nic(String ifname) {
        Path dev = roots.sysfs().resolve("class/net/" + ifname);
        for (String c : NicSource.ERROR_COUNTERS) {
            write(dev.resolve("statistics/" + c), "0");
        }
        for (String c : List.of("rx_dropped", "tx_dropped", "rx_bytes", "tx_bytes", "rx_packets", "tx_packets")) {
            write(dev.resolve("statistics/" + c), "0");
        }
        write(dev.resolve("carrier_changes"), "2");
        write(dev.resolve("carrier_up_count"), "1");
        write(dev.resolve("carrier_down_count"), "1");
        write(dev.resolve("carrier"), "1");
        write(dev.resolve("operstate"), "up");
        return this;
    }

    /** {@code proc/interrupts} of a 2-CPU x86 host with MCE/MCP/THR/DFR rows, and {@code proc/uptime}. */
    public FakeSysfs procInterrupts(long mce, long thr, long dfr) {
        write(roots.procfs().resolve("interrupts"), String.join("\n",
                "           CPU0       CPU1",
                "  0:         35          0   IO-APIC   2-edge      timer",
                "NMI:          0          0   Non-maskable interrupts",
                "THR:          " + thr + "          0   Threshold APIC interrupts",
                "DFR:          " + dfr + "          0   Deferred Error APIC interrupts",
                "MCE:          " + mce + "          0   Machine check exceptions",
                "MCP:         12         12   Machine check polls",
                "ERR:          0",
                "MIS:          0"));
        return this;
    }

    /** Writes {@code content} (a newline is appended) at {@code path}, relative to the base when not absolute. */
    public FakeSysfs file(String relative, String content) {
        write(base.resolve(relative), content);
        return this;
    }

    Path mcDir(int mc) {
        return roots.sysfs().resolve("devices/system/edac/mc/mc" + mc);
    }

    Path pciDir(String bdf) {
        return roots.sysfs().resolve("bus/pci/devices/" + bdf);
    }

    Path hwmonDir(int n) {
        return roots.sysfs().resolve("class/hwmon/hwmon" + n);
    }

    static String milli(double celsius) {
        return String.valueOf(Math.round(celsius * 1000));
    }

    static void write(Path file, String value) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), ".fake", ".tmp");
            Files.writeString(tmp, value.endsWith("\n") ? value : value + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + p, e);
        }
    }
}
