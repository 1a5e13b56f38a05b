package org.hftfw.sidecar;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.hftfw.predictor.FakeSysfs;
import org.hftfw.predictor.FaultInjector;
import org.hftfw.predictor.FaultKind;
import org.hftfw.predictor.SourceRoots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hftfw fault …}: fault injection for tests, drills and the demo. */
@Command(name = "fault", mixinStandardHelpOptions = true, description = "Inject hardware faults (for drills and tests).",
        subcommands = {FaultCommand.Inject.class, FaultCommand.FakeTree.class})
final class FaultCommand {

    @Command(name = "inject", mixinStandardHelpOptions = true,
            description = {"Inject COUNT faults of KIND. With --root, rewrites the counters of a fake tree the way the "
                + "kernel would; on the host, only EDAC errors can be injected, through the EDAC core's debugfs "
                + "fake_inject when the kernel offers it.",
                "KIND: edac-ce, edac-ue, aer-cor, aer-nonfatal, aer-fatal, temp, fan-fail, nic-errors, carrier-flap.",
                "TARGET: mcN[/dimmM] for EDAC, a PCI address for AER, hwmonN/tempY or thermal_zoneN for temp "
                + "(COUNT = °C), hwmonN/fanY, an interface name; empty = the first one."})
    static final class Inject implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "KIND")
        String kind;
        @Option(names = "--count", defaultValue = "1", description = "how many (default: ${DEFAULT-VALUE})")
        long count;
        @Option(names = "--target", defaultValue = "", description = "where (default: the first one)")
        String target;
        @Option(names = "--root", description = "fake tree base directory (default: the real host)")
        Path root;

        @Override
        public Integer call() {
            FaultKind k;
            try {
                k = FaultKind.parse(kind);
            } catch (IllegalArgumentException e) {
                throw new Failures.UserError(e.getMessage());
            }
            if (root != null && !Files.isDirectory(root)) {
                throw new Failures.UserError("--root " + root + " is not a directory");
            }
            FaultInjector injector = new FaultInjector(root == null ? SourceRoots.host() : SourceRoots.under(root));
            try {
                System.out.println(injector.inject(k, count, target));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                throw new Failures.UserError(e.getMessage());
            }
            return 0;
        }
    }

    @Command(name = "fake-tree", mixinStandardHelpOptions = true,
            description = "Create a fake sysfs/procfs tree under DIR with the kernel's real layouts: an EDAC controller "
                    + "with 2 DIMMs, a PCIe root port and endpoint with AER, a coretemp hwmon chip with a fan, a thermal "
                    + "zone, a NIC and /proc/interrupts. Point the predictor (--root) at it and inject faults into it.")
    static final class FakeTree implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR")
        Path dir;

        @Override
        public Integer call() {
            build(dir);
            System.out.println("fake tree created under " + dir + "; try: hftfw health --root " + dir);
            return 0;
        }

        static FakeSysfs build(Path dir) {
            return FakeSysfs.create(dir)
                    .edacController(0, 2)
                    .aerDevice("0000:00:01.0", true)
                    .aerDevice("0000:01:00.0", false)
                    .hwmonChip(0, "coretemp")
                    .hwmonTemp(0, 1, 45, 85, 100, "Package id 0")
                    .hwmonFan(0, 1, 2400, 600)
                    .thermalZone(0, "x86_pkg_temp", 45, 85, 100)
                    .nic("eth0")
                    .procInterrupts(0, 0, 0);
        }
    }
}
