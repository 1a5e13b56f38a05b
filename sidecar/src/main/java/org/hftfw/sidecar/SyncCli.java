package org.hftfw.sidecar;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line of {@code hftfw sync ...} alone: the root {@link Hftfw} with only the {@code sync} subcommand. The
 * daemon runs for months; picocli builds the model of every registered command (its classes, their options) at start
 * and keeps it, so the daemon registers only its own (issue #12's footprint goal; docs/daemon.md, "Footprint"). The
 * usage and the errors read as with the whole tree: the root's name is the same.
 */
@Command(name = "hftfw",
        subcommands = {CommandLine.HelpCommand.class, org.hftfw.sidecar.sync.SyncCommand.class})
final class SyncCli {
}
