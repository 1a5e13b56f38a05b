package org.hftfw.sidecar;

import java.util.concurrent.Callable;
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
                    + "conntrackd pair doing the same (-B, then -c) in the same run. Needs root.")
    static final class Bench implements Callable<Integer> {
        @Option(names = "--entries", defaultValue = "25000", description = "table size (default: ${DEFAULT-VALUE}, the seed's)")
        int entries;
        @Option(names = "--rounds", defaultValue = "3", description = "rounds per implementation (default: ${DEFAULT-VALUE})")
        int rounds;
        @Option(names = "--loss", defaultValue = "0", description = "random loss on the sync link, percent (default: ${DEFAULT-VALUE})")
        int loss;

        @Override
        public Integer call() throws Exception {
            if (entries <= 0 || entries > 1_000_000 || rounds <= 0 || rounds > 20 || loss < 0 || loss > 90) {
                throw new Failures.UserError("--entries 1..1000000, --rounds 1..20, --loss 0..90");
            }
            MigrationBench.run(entries, rounds, loss);
            return 0;
        }
    }
}
