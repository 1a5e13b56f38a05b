package org.hftfw.sidecar;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.hftfw.predictor.HealthReport;
import org.hftfw.predictor.SourceRoots;
import org.hftfw.common.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hftfw health}: every hardware-health source, its availability and current readings. */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = "Print every fault source (EDAC, PCIe AER, hwmon, thermal, NIC, machine checks, kernel log, "
                + "rasdaemon, mcelog) with its availability and current readings, like 'sensors' plus EDAC. A source "
                + "the host does not have is shown as UNAVAILABLE with the reason: no signal is never 'healthy'.")
final class HealthCommand implements Callable<Integer> {
    @Option(names = "--root", description = "read a fake tree (sys/, proc/, dev/, var/ below DIR, as made by "
            + "'hftfw fault fake-tree') instead of the host")
    Path root;

    @Override
    public Integer call() {
        SourceRoots roots;
        if (root == null) {
            roots = SourceRoots.host();
        } else if (Files.isDirectory(root)) {
            roots = SourceRoots.under(root);
        } else {
            throw new Failures.UserError("--root " + root + " is not a directory");
        }
        System.out.print(HealthReport.collect(roots, Clock.system()).format());
        return 0;
    }
}
