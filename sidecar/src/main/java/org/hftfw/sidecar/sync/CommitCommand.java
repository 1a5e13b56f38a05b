package org.hftfw.sidecar.sync;

import picocli.CommandLine.Command;

/**
 * {@code hftfw commit}: the running sync daemon injects its external cache (the peer's replicated flows) into its
 * kernel table in batches, like {@code conntrackd -c}, and reports what was committed and how long it took.
 */
@Command(name = "commit", mixinStandardHelpOptions = true,
        description = "Commit the sync daemon's external cache to the kernel conntrack table (like 'conntrackd -c'); "
                + "run it on the backup when it takes over.")
public final class CommitCommand extends SyncCommand.Client {
    @Override
    String command() {
        return "commit";
    }
}
