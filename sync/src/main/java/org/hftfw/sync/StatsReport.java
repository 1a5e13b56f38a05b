package org.hftfw.sync;

import java.util.Locale;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.ftfw.ExternalCache;
import org.hftfw.lazy.ReplicatorMetrics;

/** The text of the {@code stats} command ({@code hftfw sync stats}), in the spirit of {@code conntrackd -s}. */
final class StatsReport {
    private StatsReport() {}

    static String format(SyncNode d) {
        StringBuilder sb = new StringBuilder(2048);
        sb.append(String.format(Locale.ROOT, "hftfw sync %s, up %d s, FT-FW %s -> %s (mtu %d)%n", d.role().label(),
                d.uptime().toSeconds(), d.ftfwConfig().bind(), d.ftfwConfig().peer(), d.ftfwConfig().mtu()));

        ConntrackTable.SourceStats ev = d.table().stats();
        sb.append(String.format(Locale.ROOT, "event source:%n%12d events %10d overruns %8d resyncs "
                + "%8d malformed %8d errors%n", ev.events(), ev.overruns(), ev.resyncs(), ev.malformed(), ev.errors()));

        if (d.role().publishes()) {
            Publisher.Stats p = d.publisher().stats();
            FlowFilter f = d.publisher().filter();
            sb.append(String.format(Locale.ROOT, "replication (internal cache):%n%12d events %10d filtered "
                    + "(%d by address, %d by protocol), %d by TCP state %10d published%n%12d flows held by the backup %6d resyncs "
                    + "(%d updates, %d destroys, %d unchanged not resent) %6d bulk sends %6d forced destroys %6d stale deferred dropped%n",
                    p.events(), p.filtered(), f.ignoredByAddress(), f.ignoredByProtocol(), f.ignoredByState(), p.published(),
                    p.backupHolds(), p.resyncs(), p.resyncUpdates(), p.resyncDestroys(), p.resyncUnchanged(),
                    p.bulkSnapshots(),
                    p.destroysForced(), p.staleDeferredDropped()));
            switch (d.publisher().replication()) {
                case Replication.EveryChange e -> sb.append("lazy replicator: off (every change is replicated)\n");
                case Replication.Lazy l -> {
                    ReplicatorMetrics m = l.metrics();
                    sb.append(String.format(Locale.ROOT, "lazy replicator: %s, model %s%n%12d events %10d sent "
                            + "%8.1f%% saved %8d wrong (%.2f%%) %8d deferred then sent %6d resets%n%12d tuples known "
                            + "%8d live flows %8d fallback decisions %8d without knowledge; exposure %.4f, lost at "
                            + "failover %.4f%n", l.describe(), d.modelStatus(), m.events(), m.sent(), 100 * m.saved(),
                            m.wrong(), 100 * m.wrongRate(), m.deferredThenSent(), m.resets(), m.knowledgeBaseSize(),
                            m.liveFlows(), m.fallbackDecisions(), m.noKnowledge(), m.exposure(), m.lostAtFailover()));
                }
            }
        }

        sb.append(d.channel().stats().format()).append('\n');
        d.channel().tcpConnections().ifPresent(c -> sb.append("TCP connections: ").append(c.describe())
                .append(" (replaced ").append(c.replaced()).append(")\n"));

        ExternalCache.Stats c = d.channel().externalCache().stats();
        sb.append(String.format(Locale.ROOT, "external cache:%n%12d flows %10d new %10d updated %10d destroyed "
                + "(%d unknown) %6d commits %6d dropped (full: limit %d)%n", c.size(), c.news(), c.updates(),
                c.deletes(), c.deletesUnknown(), c.commits(), c.overflows(), d.ftfwConfig().cacheLimit()));
        if (d.role().keepsPeerStates()) {
            long held = d.peerTableMillis();
            sb.append(held < 0 ? "peer table: waiting for the peer's table since start (not ready to be master)\n"
                    : String.format(Locale.ROOT, "peer table: held %d ms after start%n", held));
        }
        d.committedBackup().ifPresent(cb -> {
            CommittedBackup.Stats b = cb.stats();
            long[] echo = d.echoCounts();
            sb.append(String.format(Locale.ROOT, "kernel table (always committed, %s):%n%12d states received %8d "
                    + "coalesced %8d batches %10d writes (%d created, %d updated, %d deleted, %d absent, %d failed)%n"
                    + "%12.1f ms max lag %8.1f ms last lag %8.1f ms writer CPU %6d standby re-arms %6d purged %6d "
                    + "not held %6d own events dropped %6d peer expiries dropped %6d adopted at start (%d released as "
                    + "own) %6d peer states not applied as master%n",
                    b.tookOver() ? "took over" : "standing by", b.received(), b.coalesced(), b.batches(), b.writes(),
                    b.created(), b.updated(), b.deleted(), b.absent(), b.failed(), b.maxLagNanos() / 1e6,
                    b.lastLagNanos() / 1e6, b.writerCpuNanos() / 1e6, b.refreshes(), b.purged(), b.notHeld(), echo[0],
                    echo[1], b.adopted(), b.released(), b.asMaster()));
            CommittedBackup.Takeover t = d.lastTakeover();
            if (t != null) {
                sb.append(String.format(Locale.ROOT, "last takeover: %d flows in %.1f ms (%d updated, %d absent, "
                        + "%d failed)%n", t.flows(), t.nanos() / 1e6, t.result().updated(), t.result().absent(),
                        t.result().failed()));
            }
        });
        SyncNode.CommitSummary lc = d.lastCommit();
        if (lc != null) {
            sb.append(String.format(Locale.ROOT, "last commit: %d flows in %d ms (%d created, %d updated, %d failed)%n",
                    lc.result().requested(), lc.millis(), lc.result().created(), lc.result().updated(),
                    lc.result().failed()));
        }
        d.proactive().ifPresent(pp -> sb.append(String.format(Locale.ROOT, "proactive path: policy %s%s, %d "
                + "decisions, %d migrations handed over, %d failed%s ('hftfw policy status' for details)%n",
                pp.policy().state(), pp.settings().policy().dryRun() ? " (dry-run)" : "", pp.decisionsTotal(),
                pp.migrator().completed(), pp.migrator().failed(),
                pp.replicatingAll() ? "; replicating every change" : "")));
        return sb.toString();
    }
}
