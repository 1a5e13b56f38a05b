package org.hftfw.sidecar;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code hftfw} command line. Each capability is a subcommand; subcommand classes live beside the
 * module wiring they drive and are registered here.
 */
@Command(name = "hftfw",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = {
            "hFT-FW: keeps a Linux stateful firewall cluster's connections alive through failures.",
            "Predicts hardware faults and migrates the whole conntrack table before they hit; between faults it",
            "replicates only stable conntrack states to the backup over conntrackd's FT-FW protocol."},
        subcommands = {
            CommandLine.HelpCommand.class,
            DemoCommand.class,
            ConntrackCommand.class,
            HealthCommand.class,
            MigrateCommand.class,
            PolicyCommand.class,
            FaultCommand.class,
            LabCommand.class,
            BenchCommand.class,
            org.hftfw.sidecar.sync.SyncCommand.class, org.hftfw.sidecar.sync.CommitCommand.class,
            org.hftfw.sidecar.models.TrainCommand.class,
            org.hftfw.sidecar.models.EvaluateCommand.class,
            org.hftfw.sidecar.models.ModelCommand.class,
        })
public final class Hftfw implements Runnable {

    /** Commands that print their own account of what happens. */
    private static final java.util.Set<String> NARRATING = java.util.Set.of("demo", "policy");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // offline commands narrate what happens themselves; their components' logs would say it twice
        // (--verbose shows them)
        if (System.getProperty("hftfw.log.level") == null && args.length > 0 && NARRATING.contains(args[0])
                && !java.util.Arrays.asList(args).contains("--verbose")) {
            System.setProperty("hftfw.log.level", "OFF");
        }
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (no System.exit, for tests). */
    public static int run(String... args) {
        // the sync daemon (and sync's client commands) build picocli's model of their own command only
        CommandLine cl = new CommandLine(args.length > 0 && args[0].equals("sync") ? new SyncCli() : new Hftfw());
        cl.setExecutionExceptionHandler(new Failures());
        cl.setUsageHelpWidth(110);
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
