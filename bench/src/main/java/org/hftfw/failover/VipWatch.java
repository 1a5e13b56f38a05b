package org.hftfw.failover;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * Times a takeover: {@code ip -ts monitor address} in the new master's namespace, at real-time priority, stamps each
 * address the kernel adds as it arrives; the takeover is the later of the two VIPs. (A Java thread polling the
 * interfaces was late by hundreds of milliseconds on a saturated machine, and so were its figures.)
 */
final class VipWatch {
    private static final Pattern LINE = Pattern.compile("^\\[([0-9T:.-]+)\\].*inet (\\S+)/");

    private final Path file;

    VipWatch(NetnsLab.Netns fw, Path file) {
        this.file = file;
        fw.spawn(file, "chrt", "-r", "40", "ip", "-ts", "-o", "monitor", "address");
    }

    /** The epoch time (seconds) at which both VIPs had been added after {@code afterEpoch}, or -1 if they have not. */
    double bothAt(double afterEpoch) {
        double lan = -1;
        double wan = -1;
        List<String> lines;
        try {
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return -1;
        }
        for (String l : lines) {
            Matcher m = LINE.matcher(l);
            if (!m.find() || l.contains("Deleted")) {
                continue;
            }
            double t = LocalDateTime.parse(m.group(1)).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli() / 1e3
                    + micros(m.group(1));
            if (t <= afterEpoch) {
                continue;
            }
            if (m.group(2).equals(Topology.LAN_VIP) && lan < 0) {
                lan = t;
            } else if (m.group(2).equals(Topology.WAN_VIP) && wan < 0) {
                wan = t;
            }
        }
        return lan < 0 || wan < 0 ? -1 : Math.max(lan, wan);
    }

    /** The microseconds below the millisecond in ip's {@code .ffffff} fraction. */
    private static double micros(String stamp) {
        int dot = stamp.lastIndexOf('.');
        String frac = (stamp.substring(dot + 1) + "000000").substring(0, 6);
        return Integer.parseInt(frac.substring(3)) / 1e6;
    }
}
