package org.hftfw.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hftfw.failover.FailoverLab;
import org.hftfw.failover.FailoverLab.Case;
import org.hftfw.failover.FailoverLab.Outcome;
import org.hftfw.failover.FailoverLab.Pair;
import org.hftfw.failover.OldBuild;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The failover lab on a small scale (10 long-lived flows, 20 new connections/s), with the daemons as separate
 * processes and keepalived configured from conf/keepalived, as {@code hftfw bench failover} runs it with 1 000 flows.
 *
 * <p>What the current code achieves, and so what is asserted: a predicted fault (case a) hands every flow over with
 * no INVALID drop of the long-lived flows, on an hFT-FW pair and on a mixed pair (the commit on the backup runs before the demotion); an
 * unplanned failure (links down, {@code kill -9} of the daemon) keeps every flow, but an hFT-FW backup with an
 * external cache commits only when keepalived's notify_master runs {@code hftfw commit}, after the VIPs moved, so
 * the new master dropped packets as INVALID until then. The always-committed backup (hFT-FW's default since; another
 * backup config can be passed in {@code -Dhftfw.failover.backup-conf=HOCON}) holds the flows in its kernel table
 * before the VIPs move, so the unplanned cases assert 0 INVALID too.
 */
@Tag("lab")
class FailoverLabTest {
    private static final int FLOWS = 10;
    private static final String BACKUP_CONF = System.getProperty("hftfw.failover.backup-conf", "");
    private static final int TRIALS = 3;
    /**
     * The build a rolling upgrade starts from: the last one landed before this session's work (session 7's end). Move
     * it forward to the shipped build at each release, as the frozen configs in compat/. {@code none} skips the test.
     */
    private static final String UPGRADE_FROM = System.getProperty("hftfw.upgrade-from",
            "b6b48eef72e200cb46e3ef5ea053ef5f7e6882d6");

    // assumptions per test, not in @BeforeAll: surefire drops a class aborted there from the counts (SUREFIRE-2300)
    @BeforeEach
    void capable() {
        FailoverLab.unavailable().ifPresent(Assumptions::abort);
    }

    /**
     * One trial of {@code kase}. A trial the lab marks DISTURBED (fw2 became VRRP master before the fault: fw1's
     * adverts, 0.1 s apart, were late on a saturated machine) did not start from the case's premise, so it is run
     * again, at most {@value #TRIALS} times in all; the outcome's assertions are never retried.
     */
    private static Outcome trial(Pair pair, Case kase) throws Exception {
        return trial(new FailoverLab.Spec(FLOWS, 20, 50, 0.1, 30, 30, List.of(kase), List.of(pair),
                BenchCommand.Failover.hftfwCommand(), BenchCommand.Failover.clientCommand(), confDir(), BACKUP_CONF));
    }

    private static Path confDir() {
        return FailoverLab.findConfDir().orElseThrow(() -> new AssertionError("conf/keepalived not found"));
    }

    private static Outcome trial(FailoverLab.Spec spec) throws Exception {
        Outcome o = null;
        for (int i = 0; i < TRIALS && (o == null || o.note().contains("DISTURBED")); i++) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            List<Outcome> all;
            try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
                all = FailoverLab.run(spec, out);
            }
            System.out.print(buf.toString(StandardCharsets.UTF_8));
            assertEquals(1, all.size());
            o = all.getFirst();
        }
        if (o.note().contains("DISTURBED")) {
            Assumptions.abort(TRIALS + " trials disturbed by VRRP flaps before the fault (a saturated machine): " + o);
        }
        assertEquals(FLOWS, o.established(), "every flow was echoing when the fault came: " + o);
        assertTrue(o.takeover() > 0, "fw2 took both VIPs: " + o);
        return o;
    }

    @Test
    void aPredictedFaultOnAnHftfwPairHandsEveryFlowOverWithoutInvalidDrops() throws Exception {
        Outcome o = trial(Pair.HFTFW, Case.A);
        assertEquals(FLOWS, o.survived(), o.toString());
        assertEquals(0, o.invalidLongLived(), "the backup committed before the VIPs moved: " + o);
        assertTrue(o.tprop().endsWith("entries)"), "the migration was logged with its Tprop: " + o);
    }

    @Test
    void aPredictedFaultOnAMixedPairCommitsInTheStockConntrackdBeforeTheDemotion() throws Exception {
        Outcome o = trial(Pair.MIXED, Case.A);
        assertEquals(FLOWS, o.survived(), o.toString());
        assertEquals(0, o.invalidLongLived(), o.toString());
        assertTrue(o.tprop().endsWith("entries)"), o.toString());
    }

    /**
     * conntrack-tools' stock primary-backup.sh, unchanged, as fw2's keepalived notify (issue 11): its backup
     * transition (-s, -t, -n) and, when fw1's daemon is killed, its primary transition (-c, -f, -R, -B) through the
     * stock conntrackd client against hFT-FW's control socket; every flow survives with no INVALID drop.
     */
    @Test
    void theStockPrimaryBackupScriptDrivesAnHftfwNodeThroughATakeover() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(Path.of("/usr/share/doc/conntrackd/examples/sync/primary-backup.sh"))
                && Files.isRegularFile(Path.of("/etc/conntrackd/conntrackd.conf")),
                "needs the conntrackd package's primary-backup.sh and /etc/conntrackd/conntrackd.conf");
        Outcome o = trial(Pair.STOCK_SCRIPT, Case.B_KILL);
        assertEquals(FLOWS, o.survived(), o.toString());
        assertCommittedBackupDropsNothing(o);
        assertFalse(o.commitAfterVips() < 0, "fw2's notify_master ran primary-backup.sh primary: " + o);
    }

    @Test
    void everyFlowSurvivesWhenThePrimarysLinksGoDown() throws Exception {
        Outcome o = trial(Pair.HFTFW, Case.B_LINKS);
        assertEquals(FLOWS, o.survived(), o.toString());
        assertCommittedBackupDropsNothing(o);
    }

    @Test
    void killingThePrimaryDaemonMovesTheVipsAndEveryFlowSurvives() throws Exception {
        Outcome o = trial(Pair.HFTFW, Case.B_KILL);
        assertEquals(FLOWS, o.survived(), o.toString());
        assertFalse(o.commitAfterVips() < 0, "fw2's notify_master committed: " + o);
        assertCommittedBackupDropsNothing(o);
    }

    /**
     * A rolling upgrade keeps every flow: through the backup's restart, through the takeover when the master's daemon
     * stops, and after the old master's daemon starts again and pushes its (stale) table to the new master, whose
     * kernel table then no longer follows the peer (CommittedBackup: not applied as master). Before that, the lab
     * saw 10, 7 and 0 of the 10 long-lived flows dropped there as INVALID in three runs. Both daemons stop with exit 0
     * and agree on the extensions again.
     */
    @Test
    void aRollingUpgradeKeepsEveryFlow() throws Exception {
        Outcome o = trial(Pair.HFTFW, Case.UPGRADE);
        assertTrue(o.note().contains("fw2 stopped: exit 0;") && o.note().contains("fw1 stopped: exit 0;"),
                "each daemon stopped cleanly on SIGTERM: " + o);
        assertTrue(o.note().contains(FLOWS + "/" + FLOWS + " echoed through fw2;"),
                "every flow survived fw2's restart and the takeover: " + o);
        assertTrue(o.note().contains("fw1 started again, VRRP backup, fw2 keeps the VIPs, extensions negotiated;"),
                o.toString());
        assertTrue(o.note().contains("INVALID on fw2 since fw1's return 0 (0)"), "fw1's return drops nothing: " + o);
        assertEquals(FLOWS, o.survived(), "every flow echoes after fw1's return: " + o);
    }

    /**
     * The rolling upgrade between two different builds (issue 12 item 7): both nodes start on {@link #UPGRADE_FROM}
     * (the build before, from this checkout's history), fw2 is upgraded first; in that skew window (fw1 old, fw2 new)
     * the extensions are agreed again, fw2 holds every flow again, and new long-lived flows opened through fw1 reach
     * fw2's kernel table through the old daemon's replication to the new one; then fw1's daemon stops (the takeover
     * to fw2, both sets of flows echo through it) and fw1 starts on the new build. Every flow established before the
     * upgrade and every one opened in the skew window echoes after fw1's return, with no packet of theirs dropped as
     * INVALID on fw2.
     *
     * <p>Skipped, with the reason, where the old build cannot be made: a shallow clone without that commit, no mvn,
     * or a local Maven repository that lacks what it needs offline. It costs one offline build of the old tree the
     * first time on a machine (92 s at load 8-11 on the 2-core CI machine), kept in {@code hftfw-old-builds} under
     * the temporary folder, then one trial.
     */
    @Test
    void aRollingUpgradeFromTheEarlierBuildKeepsEveryFlow() throws Exception {
        Assumptions.assumeFalse(UPGRADE_FROM.equals("none"), "-Dhftfw.upgrade-from=none: no upgrade from another build");
        OldBuild old;
        try {
            old = OldBuild.of(confDir().toAbsolutePath().getParent().getParent(), UPGRADE_FROM,
                    BenchCommand.Failover.defaultOldBuilds(), System.out);
        } catch (OldBuild.Unavailable e) {
            Assumptions.abort("no earlier build to upgrade from: " + e.getMessage());
            return;
        }
        Outcome o = trial(new FailoverLab.Spec(FLOWS, 20, 50, 0.1, 30, 30, List.of(Case.UPGRADE),
                List.of(Pair.HFTFW), BenchCommand.Failover.hftfwCommand(), BenchCommand.Failover.clientCommand(),
                confDir(), BACKUP_CONF).upgradingFrom(old));
        assertTrue(o.note().contains("fw2 stopped: exit 0;") && o.note().contains("fw1 stopped: exit 0;"),
                "the old daemons stopped cleanly on SIGTERM: " + o);
        assertTrue(o.note().contains("skew window (fw1 old, fw2 new): fw2's peer: hftfw ["),
                "the new fw2 and the old fw1 agreed their extensions: " + o);
        assertTrue(o.note().contains("fw2's kernel table held " + 2 * FLOWS + "/" + 2 * FLOWS + " established flows;"),
                "the flows opened while fw1 ran the old build reached the new fw2's kernel table: " + o);
        assertTrue(o.note().contains("the old build's client on fw2 (new daemon): exit 0, peer: hftfw ["),
                "the old build's own client reads the new daemon's stats: " + o);
        assertTrue(o.note().contains(FLOWS + "/" + FLOWS + " flows opened in the skew window echoed through fw2;")
                && o.note().contains(FLOWS + "/" + FLOWS + " echoed through fw2;"), "the takeover kept every flow: " + o);
        assertTrue(o.note().contains("fw1 started again, VRRP backup, fw2 keeps the VIPs, extensions negotiated;"),
                o.toString());
        assertTrue(o.note().contains(FLOWS + "/" + FLOWS + " of them after fw1's return;"), o.toString());
        // the long-lived flows' packets: a short connection that timed out on a saturated machine leaves a few
        // INVALID packets of its own (2 and 15 in two runs at load 16-35, each with one failed short connection)
        assertTrue(o.note().matches("(?s).*INVALID on fw2 since fw1's return \\d+ \\(0\\);.*"),
                "fw1's return drops no packet of a long-lived flow: " + o);
        assertEquals(0, o.invalidLongLived(), "no long-lived flow's packet dropped as INVALID on fw2: " + o);
        assertEquals(FLOWS, o.survived(), "every flow of before the upgrade echoes after fw1's return: " + o);
    }

    /**
     * Preempt failback (issue 10): fw1's daemon stops, fw2 takes over and serves the flows; fw1's daemon starts
     * again, stays VRRP backup while its resync track file holds 1, gets fw2's table (its entries written over the
     * ones of before the takeover), and only then does keepalived let it preempt. Every flow echoes through fw1 after
     * it took the VIPs back, with no INVALID drop of a long-lived flow on either node. Before, fw1 took the VIPs back
     * as soon as its daemon answered and dropped every long-lived flow as INVALID (docs/deploy.md, three runs).
     */
    @Test
    void aReturningMasterTakesTheVipsBackOnlyOnceItHoldsThePeersTable() throws Exception {
        Outcome o = trial(Pair.HFTFW, Case.FAILBACK);
        assertTrue(o.note().contains("fw1 stopped: exit 0;"), o.toString());
        assertTrue(o.note().contains(FLOWS + "/" + FLOWS + " echoed through fw2;"), "the takeover kept every flow: " + o);
        assertTrue(o.note().contains("fw1 took the VIPs back after it held fw2's table;"), o.toString());
        assertEquals(FLOWS, o.survived(), "every flow echoes through fw1 after the failback: " + o);
        assertEquals(0, o.invalidLongLived(), "no long-lived flow dropped as INVALID, on fw2 after the takeover nor "
                + "on fw1 after the failback: " + o);
    }

    private static void assertCommittedBackupDropsNothing(Outcome o) {
        assertEquals(0, o.invalidLongLived(), "an always-committed backup (the default, or the config in "
                + "-Dhftfw.failover.backup-conf) holds the flows before the VIPs move: " + o);
    }
}
