package org.hftfw.sync;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.ftfw.ExpectationCache;
import org.hftfw.policy.Action;
import org.hftfw.policy.Decision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's control commands, one request line in, one {@link Reply} out, whatever carries them (the sidecar's UNIX
 * control socket, the demo's own calls): {@code commit}, {@code stats}, {@code flush}, {@code resync}, {@code bulk}
 * (conntrackd's {@code -c -s -f -n -B}), {@code policy status}, {@code policy manual COMMAND [WHY]} and
 * {@code migrate now [WHY]}. The transport serialises requests, so a commit and a flush never interleave.
 */
public final class NodeCommands {
    private static final Logger LOG = LoggerFactory.getLogger(NodeCommands.class);

    private final SyncNode node;
    private final Supplier<String> processStats;

    /**
     * @param processStats lines the process running the node adds to {@code stats} (e.g. its configuration reloads);
     *                     empty for none
     */
    public NodeCommands(SyncNode node, Supplier<String> processStats) {
        this.node = Objects.requireNonNull(node);
        this.processStats = Objects.requireNonNull(processStats);
    }

    /** Serves one command line. */
    public Reply handle(String request) {
        String[] words = request.trim().split("\\s+", 3);
        String first = words[0].toLowerCase(Locale.ROOT);
        if (first.equals("policy") || first.equals("migrate")) {
            return proactive(words);
        }
        String cmd = request.trim().toLowerCase(Locale.ROOT);
        return switch (cmd) {
            case "commit" -> commit();
            case "stats" -> Reply.ok(StatsReport.format(node) + processStats.get());
            case "flush" -> {
                SyncNode.Flush f = node.flushExternalCache();
                int held = node.publisher().stats().backupHolds();
                node.publisher().flush();
                yield Reply.ok("flushed the external cache (" + f.flows() + " flows"
                        + (f.deletedFromKernel() ? ", deleted them from the kernel table" : "")
                        + ") and the internal cache (" + held + " flows)");
            }
            case "resync" -> {
                // keepalived's notify_backup runs it: a node that took over stands by again
                node.requestPeerTable();
                yield Reply.ok("asked the peer " + node.ftfwConfig().peer() + " to resend its table");
            }
            case "bulk" -> {
                if (!node.role().publishes()) {
                    yield Reply.error("a backup has no table to bulk-send (run as primary or both)");
                }
                node.channel().sendBulk();
                yield Reply.ok("bulk send of the table to " + node.ftfwConfig().peer() + " started");
            }
            default -> Reply.error("unknown command '" + request + "' (commit, stats, flush, resync, bulk, policy "
                    + "status, policy manual COMMAND [WHY], migrate now [WHY])");
        };
    }

    /** {@code policy status}, {@code policy manual COMMAND [WHY]}, {@code migrate now [WHY]}. */
    private Reply proactive(String[] words) {
        ProactivePath proactive = node.proactive().orElse(null);
        if (proactive == null) {
            return Reply.error("the proactive path is not running here (it needs predictor.enabled = true and the role "
                    + "primary or both; this node is " + node.role().label()
                    + (node.settings().proactive().enabled() ? "" : ", predictor.enabled = false") + ")");
        }
        String sub = words.length > 1 ? words[1].toLowerCase(Locale.ROOT) : "";
        String rest = words.length > 2 ? words[2] : "";
        if (words[0].equalsIgnoreCase("policy") && sub.equals("status")) {
            return Reply.ok(PolicyStatusReport.format(proactive));
        }
        String command;
        String why;
        if (words[0].equalsIgnoreCase("migrate") && sub.equals("now")) {
            command = "migrate-now";
            why = rest;
        } else if (words[0].equalsIgnoreCase("policy") && sub.equals("manual") && !rest.isBlank()) {
            String[] cw = rest.split("\\s+", 2);
            command = cw[0];
            why = cw.length > 1 ? cw[1] : "";
        } else {
            return Reply.error("unknown command '" + String.join(" ", words)
                    + "' (policy status, policy manual COMMAND [WHY], migrate now [WHY])");
        }
        try {
            Decision d = proactive.manual(command, why);
            boolean dry = proactive.settings().policy().dryRun() && d.action() != Action.NONE;
            return Reply.ok(d + (dry ? "\n(dry-run: nothing was done)" : "") + "\n");
        } catch (IllegalStateException e) {
            return Reply.error(e.getMessage());
        }
    }

    private Reply commit() {
        if (node.committedBackup().isPresent()) {
            return takeover();
        }
        SyncNode.CommitSummary c = node.commit();
        ConntrackTable.BatchResult r = c.result();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "committed %d flows from the external cache in %d ms: %d created, "
                + "%d updated, %d failed", r.requested(), c.millis(), r.created(), r.updated(), r.failed()));
        for (String e : r.firstErrors()) {
            sb.append("\n  ").append(e);
        }
        ExpectationCache.CommitResult x = c.expectations();
        if (x != null) {
            sb.append(String.format(Locale.ROOT, "\nthen %d of the peer's expectations: %d created, %d expired, "
                    + "%d failed", x.requested(), x.created(), x.expired(), x.failed()));
            for (String e : x.firstErrors()) {
                sb.append("\n  ").append(e);
            }
        }
        LOG.info("{}", sb);
        return c.allSucceeded() ? Reply.ok(sb.toString()) : Reply.error(sb.toString());
    }

    /** {@code commit} on an always-committed backup: the flows are in the table; only their timeouts change. */
    private Reply takeover() {
        CommittedBackup.Takeover t = node.takeover();
        ConntrackTable.WriteResult r = t.result();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "takeover: the %d flows of the peer were already in the kernel table; "
                + "set their timeouts in %.1f ms: %d updated, %d absent, %d failed", t.flows(), t.nanos() / 1e6,
                r.updated(), r.absent(), r.failed()));
        for (String e : r.firstErrors()) {
            sb.append("\n  ").append(e);
        }
        LOG.info("{}", sb);
        return r.allSucceeded() ? Reply.ok(sb.toString()) : Reply.error(sb.toString());
    }
}
