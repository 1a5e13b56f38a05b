package org.hftfw.sidecar;

import java.util.concurrent.Callable;
import org.hftfw.migrator.ConntrackMax;
import org.hftfw.migrator.DaemonMigrationBench;
import org.hftfw.migrator.MigrationBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hftfw migrate …}: the proactive path's state migration. */
@Command(name = "migrate", mixinStandardHelpOptions = true, description = "Whole-table state migration.",
        subcommands = {MigrateCommand.Bench.class, org.hftfw.sidecar.sync.ProactiveCommands.Now.class})
final class MigrateCommand {

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Measure Tprop: migrate a kernel conntrack table of N entries between two namespaces over an "
                    + "FT-FW sync link (dump, bulk send, ACKs, commit into the backup's kernel table), beside the stock "
                    + "conntrackd pair doing the same (-B, then -c) in the same run. With --through-daemons: the "
                    + "running daemons (hftfw sync backup/primary in two namespaces), the order given on the control "
                    + "socket, timed until the backup's kernel table holds every flow. Needs root.")
    static final class Bench implements Callable<Integer> {
        @Option(names = "--entries", defaultValue = "25000", description = "table size (default: ${DEFAULT-VALUE}, the seed's)")
        int entries;
        @Option(names = "--rounds", defaultValue = "3", description = "rounds per implementation (default: ${DEFAULT-VALUE})")
        int rounds;
        @Option(names = "--loss", defaultValue = "0", description = "random loss on the sync link, percent (default: ${DEFAULT-VALUE})")
        int loss;
        @Option(names = "--through-daemons", description = "migrate through hftfw sync daemons and their control "
                + "sockets instead of in-process channels")
        boolean throughDaemons;
        @Option(names = "--raise-conntrack-max", description = "raise net.netfilter.nf_conntrack_max for the bench "
                + "when the table does not fit (restored at the end)")
        boolean raiseMax;
        @Option(names = "--jvm-options", paramLabel = "FILE|none",
                description = "with --through-daemons: the daemons' JVM options file (default: conf/daemon.jvm of "
                        + "this checkout, as deployed; none: JVM defaults)")
        String jvmOptions;
        @Option(names = "--backup-role", defaultValue = "backup", paramLabel = "backup|both",
                description = "with --through-daemons: run the backup as hftfw sync backup (default) or both (as "
                        + "docs/deploy.md deploys a node: it also listens to its table's events and publishes)")
        String backupRole;
        @Option(names = "--hftfw-only", description = "with --through-daemons: hFT-FW's rounds alone, without "
                + "conntrackd's and without the round at the original nf_conntrack_max (for profiling)")
        boolean hftfwOnly;

        @Override
        public Integer call() throws Exception {
            if (entries <= 0 || entries > 1_000_000 || rounds <= 0 || rounds > 20 || loss < 0 || loss > 90
                    || !java.util.List.of("backup", "both").contains(backupRole)) {
                throw new Failures.UserError("--entries 1..1000000, --rounds 1..20, --loss 0..90, --backup-role "
                        + "backup|both");
            }
            java.util.Optional<String> tooSmall = ConntrackMax.tooSmallFor(entries);
            if (tooSmall.isPresent() && !raiseMax) {
                throw new Failures.UserError(tooSmall.get());
            }
            if (throughDaemons) {
                DaemonMigrationBench.run(entries, rounds, loss, raiseMax, daemonJvmOptions(), backupRole,
                        hftfwOnly);
                return 0;
            }
            try (var _ = tooSmall.isPresent() ? ConntrackMax.raisedFor(entries) : null) {
                MigrationBench.run(entries, rounds, loss);
            }
            return 0;
        }

        private java.nio.file.Path daemonJvmOptions() {
            return DaemonJvmOptions.resolve(jvmOptions);
        }
    }
}
