package org.hftfw.predictor;

import java.util.ArrayList;
import java.util.List;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;
import oshi.hardware.Sensors;

/**
 * The live host as OSHI ({@code oshi-common}, {@code oshi.nativefree.SystemInfo}, pure Java on Linux) sees it: CPU
 * temperature, fan speeds and core voltage from {@link Sensors}, and the interfaces from {@link NetworkIF}. Used only
 * for the host health report, never for fake trees: OSHI resolves its sysfs root once per JVM (the
 * {@code oshi.util.sys.path} property / {@code GlobalConfig} is read into a static final at first use, libraries.md
 * §2), so it cannot follow a per-source root. OSHI says "no value" with 0 or NaN (temperature, voltage) and an empty
 * array (fans); that is reported as "no reading", never as a healthy value.
 */
final class OshiHostSensors {

    private OshiHostSensors() {}

    record View(String cpuTemperature, String fans, String cpuVoltage, List<String> interfaces) {}

    static View read() {
        HardwareAbstractionLayer hal = new oshi.nativefree.SystemInfo().getHardware();
        Sensors s = hal.getSensors();
        double t = s.getCpuTemperature();
        int[] fans = s.getFanSpeeds();
        double v = s.getCpuVoltage();
        List<String> nics = new ArrayList<>();
        for (NetworkIF nif : hal.getNetworkIFs()) {
            nics.add(nif.getName() + " oper=" + nif.getIfOperStatus() + " carrier=" + nif.isConnectorPresent()
                    + " inErr=" + nif.getInErrors() + " outErr=" + nif.getOutErrors() + " inDrops="
                    + nif.getInDrops());
        }
        return new View(
                Double.isNaN(t) || t <= 0 ? "no reading (OSHI found no coretemp/k10temp hwmon or CPU thermal zone)"
                        : String.format("%.1f °C", t),
                fans.length == 0 ? "no reading (no fan sensors)" : java.util.Arrays.toString(fans) + " RPM",
                Double.isNaN(v) || v <= 0 ? "no reading" : String.format("%.3f V", v),
                nics);
    }
}
