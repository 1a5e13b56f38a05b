package org.hftfw.predictor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.StringJoiner;
import java.util.regex.Pattern;

/**
 * NIC counters, {@code <sysfs>/class/net/<if>/} (kernel Documentation/ABI/testing/sysfs-class-net-statistics and
 * sysfs-class-net; libraries.md §3). {@code rx_errors + tx_errors} (the totals the detailed counters break down)
 * becomes {@link Metric#NIC_ERRORS}, with the non-zero counters in the label; drops are reported apart
 * ({@code rx_dropped} also counts frames for unknown protocols, so it is no fault signal on its own);
 * {@code carrier_changes} counts link flaps, a strong precursor; {@code operstate} gives up/down.
 * Loopback is skipped. OSHI's {@code NetworkIF} reads the same files but only under the JVM-wide {@code /sys}, so the
 * files are read directly here.
 */
final class NicSource implements FaultSource {

    static final String NAME = "nic";
    static final List<String> ERROR_COUNTERS = List.of("rx_errors", "tx_errors", "rx_crc_errors", "rx_frame_errors",
            "rx_fifo_errors", "rx_missed_errors", "rx_over_errors", "rx_length_errors", "tx_aborted_errors",
            "tx_carrier_errors", "tx_fifo_errors", "tx_heartbeat_errors", "tx_window_errors");
    /** The kernel's totals; the other counters break them down (rx_errors includes rx_crc_errors, ...). */
    private static final List<String> TOTALS = List.of("rx_errors", "tx_errors");
    private static final Pattern ANY = Pattern.compile("[^.].*");

    private final Path netRoot;

    NicSource(SourceRoots roots) {
        this.netRoot = roots.sysfs().resolve("class/net");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SourceSample sample(long nowNanos) {
        List<Path> ifaces;
        try {
            ifaces = SampleCollector.list(netRoot, ANY).stream().filter(p -> !p.getFileName().toString().equals("lo"))
                    .filter(java.nio.file.Files::isDirectory)
                    .toList();
        } catch (IOException e) {
            return SourceSample.unavailable(NAME, nowNanos, netRoot + " unreadable: " + SampleCollector.describe(e));
        }
        if (ifaces.isEmpty()) {
            return SourceSample.unavailable(NAME, nowNanos, "no network interface except lo under " + netRoot);
        }
        SampleCollector c = new SampleCollector(NAME);
        for (Path dev : ifaces) {
            String ifname = dev.getFileName().toString();
            Path stats = dev.resolve("statistics");
            double totals = 0;
            int totalsFound = 0;
            double details = 0;
            int found = 0;
            StringJoiner breakdown = new StringJoiner(", ");
            for (String counter : ERROR_COUNTERS) {
                OptionalDouble v = c.number(stats.resolve(counter));
                if (v.isEmpty()) {
                    continue;
                }
                found++;
                if (TOTALS.contains(counter)) {
                    totals += v.getAsDouble();
                    totalsFound++;
                } else {
                    details += v.getAsDouble();
                }
                if (v.getAsDouble() > 0) {
                    breakdown.add(counter + "=" + (long) v.getAsDouble());
                }
            }
            if (found > 0) {
                c.add(Metric.NIC_ERRORS, ifname, totalsFound > 0 ? totals : details, breakdown.toString());
            } else {
                c.problem(ifname + ": no error counters under statistics/");
            }
            OptionalDouble rxDrop = c.number(stats.resolve("rx_dropped"));
            OptionalDouble txDrop = c.number(stats.resolve("tx_dropped"));
            if (rxDrop.isPresent() || txDrop.isPresent()) {
                c.add(Metric.NIC_DROPS, ifname, rxDrop.orElse(0) + txDrop.orElse(0));
            }
            c.counter(Metric.NIC_CARRIER_CHANGES, ifname, dev.resolve("carrier_changes"), "");
            c.text(dev.resolve("operstate")).ifPresent(
                    s -> c.add(Metric.NIC_OPER_UP, ifname, s.equals("up") ? 1 : 0, s));
        }
        return c.build(nowNanos);
    }
}
