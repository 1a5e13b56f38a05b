package org.hftfw.sidecar.sync;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The proactive path's commands for the running daemon, over its control socket: {@code hftfw policy status},
 * {@code hftfw policy manual COMMAND}, {@code hftfw migrate now}. They are registered under {@code hftfw policy} and
 * {@code hftfw migrate}.
 */
public final class ProactiveCommands {
    private ProactiveCommands() {}

    /** Rejects text the one-line control protocol cannot carry. */
    static String oneLine(String why, picocli.CommandLine.Model.CommandSpec spec) {
        String w = ControlRequests.why(why);
        if (w == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--why must be one line of text");
        }
        return w;
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "The running daemon's policy state, recent decisions with their evidence, noisy signals, "
                    + "fault sources and their availability, migrations with their Tprop, hooks.")
    public static final class Status extends SyncCommand.Client {
        @Override
        String command() {
            return "policy status";
        }
    }

    @Command(name = "manual", mixinStandardHelpOptions = true,
            description = {"Send an operator command to the running daemon's policy: a 'manual' trigger of its state "
                + "machine. The default machine knows migrate-now, migrate (orderly), demote and recover; a command "
                + "the current state does not allow is refused with the allowed ones."})
    public static final class Manual extends SyncCommand.Client {
        @Parameters(index = "0", paramLabel = "COMMAND", description = "e.g. migrate, migrate-now, demote, recover")
        String manual;

        @Option(names = "--why", paramLabel = "TEXT", defaultValue = "", description = "logged with the decision")
        String why;

        @Override
        String command() {
            return ControlRequests.policyManual(manual, oneLine(why, spec));
        }
    }

    @Command(name = "now", mixinStandardHelpOptions = true,
            description = {"Migrate the whole conntrack table to the backup now, through the running daemon's policy "
                + "(its 'migrate-now' command): dump, bulk send over FT-FW, wait for the ACKs, run "
                + "migration.commit-command; the policy then demotes this node (migration.demote-command). Returns "
                + "once the order is given; follow it with 'hftfw policy status'."})
    public static final class Now extends SyncCommand.Client {
        @Option(names = "--why", paramLabel = "TEXT", defaultValue = "", description = "logged with the decision")
        String why;

        @Override
        String command() {
            return ControlRequests.migrateNow(oneLine(why, spec));
        }
    }
}
