package org.hftfw.failover;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.hftfw.conntrack.lab.EchoFlows;
import org.hftfw.conntrack.lab.EchoServer;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.predictor.FakeSysfs;
import org.hftfw.predictor.FaultInjector;
import org.hftfw.predictor.FaultKind;

/**
 * One pair and one fault case on a fresh lab. The order of a trial:
 * <ol>
 *   <li>the topology and the echo server; fw2's daemon, then fw1's (hFT-FW: fw1 runs the proactive path over a
 *       fake sysfs tree, its commit hook commits on fw2, its demote hook writes fw1's drain track file);</li>
 *   <li>keepalived on both (conf/keepalived); wait until fw1 is master with both VIPs and both notify scripts ran;</li>
 *   <li>case c: loss on the sync link from here on;</li>
 *   <li>the long-lived flows; wait (bounded) until fw2 holds them all; then the short connections, and 2 s of
 *       steady traffic;</li>
 *   <li>case upgrade: fw2's daemon stopped and started again first (see {@link #upgradeBackup});</li>
 *   <li>the fault at T0; wait until both VIPs are on fw2, then until every flow has echoed a line sent after that
 *       (bounded by the observation time); case upgrade: then fw1's daemon started again (fw1 becomes VRRP
 *       backup), and the same wait after that; case failback: fw1's daemon started again, which takes the VIPs back
 *       once it holds fw2's table (see {@link #failBack}), and the same wait after that;</li>
 *   <li>the figures; everything is stopped and removed.</li>
 * </ol>
 */
final class Trial {
    /** A line counts as sent after the takeover if sent this long after the VIPs arrived (the GARPs' way). */
    private static final long GARP_MARGIN_NANOS = 10_000_000;
    private static final long STEADY_TRAFFIC_MILLIS = 2000;
    private static final long TAKEOVER_BOUND_MILLIS = 60_000;

    private final FailoverLab.Spec spec;
    private final FailoverLab.Pair pair;
    private final FailoverLab.Case kase;
    private final PrintStream out;

    Trial(FailoverLab.Spec spec, FailoverLab.Pair pair, FailoverLab.Case kase, PrintStream out) {
        this.spec = spec;
        this.pair = pair;
        this.kase = kase;
        this.out = out;
    }

    FailoverLab.Outcome run() throws Exception {
        Path dir = Files.createTempDirectory("hfo-failover");
        try (NetnsLab lab = new NetnsLab("hfo", Duration.ofSeconds(60))) {
            // Ctrl-C or SIGTERM of the command: the daemons, keepalived and the namespaces go too
            Thread cleanup = new Thread(lab::close, "hfo-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            try {
                Topology topo = new Topology(lab);
                try (EchoServer _ = new EchoServer(topo.server, Topology.SERVER, EchoServer.Ending.QUIT_LINE,
                        Topology.ECHO_PORT, Topology.SHORT_PORT)) {
                    return run(topo, dir);
                }
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException e) {
                    // the JVM is shutting down: the hook is closing the lab
                }
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private FailoverLab.Outcome run(Topology topo, Path dir) throws Exception {
        NetnsLab.Netns fw1 = topo.fw(1);
        NetnsLab.Netns fw2 = topo.fw(2);
        Path drain1 = dir.resolve("fw1").resolve("drain");
        FaultInjector injector = null;
        // the upgrade runs each node as docs/deploy.md does: 'sync both', and keepalived with nopreempt, so fw1 does
        // not take the VIPs back when it returns: its own entries of the long-lived flows keep the TCP windows of
        // before the takeover, and taking the VIPs back dropped every one of them as INVALID in this lab (the known
        // gap, docs/deploy.md "Upgrade"); fw1's table bulk on its return leaves fw2's entries alone (fw2 took over)
        boolean upgrade = kase == FailoverLab.Case.UPGRADE;
        // the failback case runs the same roles with keepalived's preempt: fw1 takes the VIPs back, once its
        // resync track file says it holds fw2's table
        boolean failback = kase == FailoverLab.Case.FAILBACK;
        String both = upgrade || failback ? "both" : null;
        // the upgrade from an earlier build: both nodes run it until each is upgraded (docs/deploy.md section 8)
        boolean skew = upgrade && !spec.upgradeFrom().isEmpty();
        List<String> firstBuild = skew ? spec.upgradeFrom() : spec.hftfw();
        Replicator r2 = switch (pair) {
            case HFTFW -> new HftfwNode(fw2, 2, both != null ? both : "backup", firstBuild, spec.client(), dir,
                    spec.backupConf());
            case STOCK_SCRIPT -> {
                if (!Files.isRegularFile(Keepalived.PRIMARY_BACKUP_SH) || !Files.isRegularFile(Keepalived.STOCK_CONF)) {
                    throw new IllegalStateException("the stock-script pair needs the conntrackd package's "
                            + Keepalived.PRIMARY_BACKUP_SH + " and " + Keepalived.STOCK_CONF);
                }
                yield new HftfwNode(fw2, 2, "backup", spec.hftfw(), spec.client(), dir, spec.backupConf())
                        .drivenByStockScript();
            }
            case MIXED, CONNTRACKD -> new ConntrackdNode(fw2, 2, dir);
        };
        Replicator r1;
        if (pair == FailoverLab.Pair.CONNTRACKD) {
            r1 = new ConntrackdNode(fw1, 1, dir);
        } else {
            Path tree = dir.resolve("tree");
            injector = new FaultInjector(FakeSysfs.create(tree).edacController(0, 2).roots());
            // an hFT-FW backup is told to commit over its control socket by the migrating daemon itself (no hook
            // process: migration.commit-socket); a stock conntrackd backup through its client, as a hook
            String commit = r2 instanceof HftfwNode h ? "commit-socket = \"" + h.socket() + "\""
                    : "commit-command = " + HftfwNode.hocon(((ConntrackdNode) r2).commitCommand());
            r1 = new HftfwNode(fw1, 1, both != null ? both : "primary", firstBuild, spec.client(), dir, """
                    predictor { enabled = true, fake-tree = "%s", interval = 200ms, sources = sysfs }
                    migration { %s, demote-command = %s, command-timeout = 30s }
                    """.formatted(tree, commit, HftfwNode.hocon(List.of("sh", "-c", "echo 1 > '" + drain1 + "'"))));
        }
        startBoth(r1, r2);

        Keepalived ka1 = new Keepalived(fw1, 1, spec.confDir(), dir, spec.advert(), r1, upgrade);
        Keepalived ka2 = new Keepalived(fw2, 2, spec.confDir(), dir, spec.advert(), r2, upgrade);
        // fw1 first: if fw2's keepalived came up first on a busy machine it would be master for a moment
        ka1.start();
        Await.until("fw1 is VRRP master with both VIPs", 60_000, () -> holdsVips(fw1) && ka1.notified("master"));
        ka2.start();
        Await.until("fw2 is VRRP backup and no notify script runs", 60_000,
                () -> ka2.notified("backup") && ka1.idle() && ka2.idle());
        if (holdsVips(fw2)) {
            throw new IllegalStateException("fw2 holds a VIP too (split brain): " + ka2.notifyLines());
        }
        if (kase == FailoverLab.Case.C) {
            topo.syncLoss(spec.lossPercent());
        }

        try (EchoFlows flows = new EchoFlows(topo.client, Topology.SERVER, Topology.ECHO_PORT, spec.flows(),
                spec.intervalMillis())) {
            Await.within(20_000, () -> r2.externalFlows() >= spec.flows());
            VipWatch watch = new VipWatch(fw2, dir.resolve("fw2-addresses.txt"));
            EchoFlows skewFlows = null;
            try (ShortConnections shorts = new ShortConnections(topo.client, spec.rate(), 120)) {
                Thread.sleep(STEADY_TRAFFIC_MILLIS);              // the experiment's schedule: traffic in steady state
                // the upgrade's first half (the backup) comes before the takeover's T0; the flows that must survive
                // the whole upgrade are those established when it began
                int upgradeEstablished = -1;
                String upgradeNote = "";
                if (kase == FailoverLab.Case.UPGRADE) {
                    upgradeEstablished = flows.fault(System.nanoTime());
                    upgradeNote = upgradeBackup((HftfwNode) r2, ka2);
                    if (skew) {
                        skewFlows = new EchoFlows(topo.client, Topology.SERVER, Topology.ECHO_PORT, spec.flows(),
                                spec.intervalMillis());
                        upgradeNote += skewWindow((HftfwNode) r2, fw2, skewFlows);
                    }
                }
                long held = r2.externalFlows();
                Topology.Invalid invalid0 = Topology.invalidDrops(fw2);
                long flaps = ka2.transitions("master");
                boolean disturbed = flaps != 0 || holdsVips(fw2);
                String note = (upgradeNote + (!disturbed ? "" : " DISTURBED: fw2 became VRRP master " + flaps
                        + " time(s) before the fault (adverts late on a saturated machine)")).strip();
                String tprop = "-";
                long t0 = System.nanoTime();
                Instant wall0 = Instant.now();
                double t0Epoch = wall0.getEpochSecond() + wall0.getNano() / 1e9;
                int established = flows.fault(t0);
                switch (kase) {
                    case A -> tprop = predictedFault(injector, r1, r2, drain1, t0);
                    case B_LINKS, C -> topo.linksDown(1);
                    case B_KILL -> r1.process().destroyForcibly();   // SIGKILL
                    case UPGRADE, FAILBACK -> note = (note + " fw1 stopped: exit " + ((HftfwNode) r1).stop() + ";")
                            .strip();
                }
                boolean tookOver = Await.within(TAKEOVER_BOUND_MILLIS, () -> watch.bothAt(t0Epoch) > 0);
                double vipEpoch = watch.bothAt(t0Epoch);
                // what the new master held for the long-lived flows as the VIPs arrived, and its backup writer's
                // counters then: named in the outcome if it dropped their packets as INVALID
                String atVips = !tookOver ? "" : Topology.longLivedEntries(fw2)
                        + (r2 instanceof HftfwNode h ? ", backup writer: " + h.backupWriterStats() : "");
                if (!tookOver) {
                    note = (note + " no takeover within " + TAKEOVER_BOUND_MILLIS / 1000 + " s").strip();
                }
                if (kase == FailoverLab.Case.A && tookOver && vipEpoch < writtenSince(drain1, t0Epoch)) {
                    // case a's premise is that fw1 hands over (its demote hook's drain file moves the VIPs); fw2
                    // taking them earlier means fw1's adverts were late during the migration
                    note = (note + " DISTURBED: fw2 took the VIPs before fw1's demote hook wrote its drain file "
                            + "(adverts late on a saturated machine)").strip();
                }
                long vipsAt = tookOver ? t0 + (long) ((vipEpoch - t0Epoch) * 1e9) + GARP_MARGIN_NANOS : Long.MAX_VALUE;
                Await.within(spec.observeSeconds() * 1000L, () -> flows.allEchoedAfter(vipsAt));
                long after = vipsAt;
                // the commit in fw2's notify_master may still run (a JVM start) when the flows already echo
                Await.within(spec.observeSeconds() * 1000L, () -> ka2.notified("master"));
                if (kase == FailoverLab.Case.UPGRADE && tookOver) {
                    int viaFw2 = flows.summary(upgradeEstablished, vipsAt).survived();
                    if (skewFlows != null) {
                        EchoFlows late = skewFlows;
                        Await.within(spec.observeSeconds() * 1000L, () -> late.echoedAfter(vipsAt) == late.size());
                        note = String.format(Locale.ROOT, "%s %d/%d flows opened in the skew window echoed through "
                                + "fw2;", note, late.echoedAfter(vipsAt), late.size());
                        ((HftfwNode) r1).upgradeTo(spec.hftfw());
                    }
                    Topology.Invalid beforeReturn = Topology.invalidDrops(fw2);
                    note = String.format(Locale.ROOT, "%s %d/%d echoed through fw2; %s", note, viaFw2,
                            upgradeEstablished, restartPrimary((HftfwNode) r1, fw2, ka1, ka2));
                    long back = System.nanoTime() + GARP_MARGIN_NANOS;
                    Await.within(spec.observeSeconds() * 1000L, () -> flows.allEchoedAfter(back));
                    if (skewFlows != null) {
                        EchoFlows late = skewFlows;
                        Await.within(spec.observeSeconds() * 1000L, () -> late.echoedAfter(back) == late.size());
                        note = String.format(Locale.ROOT, "%s %d/%d of them after fw1's return;", note,
                                late.echoedAfter(back), late.size());
                    }
                    after = back;                   // a survivor echoed after the takeover and after fw1 came back
                    Topology.Invalid sinceReturn = Topology.invalidDrops(fw2).minus(beforeReturn);
                    note = String.format(Locale.ROOT, "%s INVALID on fw2 since fw1's return %d (%d);", note,
                            sinceReturn.all(), sinceReturn.longLived());
                }
                Topology.Invalid fw1SinceReturn = new Topology.Invalid(0, 0);
                if (failback && tookOver) {
                    int viaFw2 = flows.summary(established, vipsAt).survived();
                    Topology.Invalid fw1AtReturn = Topology.invalidDrops(fw1);
                    Topology.Invalid fw2AtReturn = Topology.invalidDrops(fw2);
                    VipWatch back1 = new VipWatch(fw1, dir.resolve("fw1-addresses.txt"));
                    Instant returned = Instant.now();
                    double returnEpoch = returned.getEpochSecond() + returned.getNano() / 1e9;
                    long returnNanos = System.nanoTime();
                    String fb = failBack((HftfwNode) r1, ka1, ka2, back1, returnEpoch);
                    double backEpoch = back1.bothAt(returnEpoch);
                    long back = backEpoch < 0 ? Long.MAX_VALUE
                            : returnNanos + (long) ((backEpoch - returnEpoch) * 1e9) + GARP_MARGIN_NANOS;
                    Await.within(spec.observeSeconds() * 1000L, () -> flows.allEchoedAfter(back));
                    after = back;                   // a survivor echoed after the takeover and after the failback
                    fw1SinceReturn = Topology.invalidDrops(fw1).minus(fw1AtReturn);
                    Topology.Invalid fw2SinceReturn = Topology.invalidDrops(fw2).minus(fw2AtReturn);
                    note = String.format(Locale.ROOT, "%s %d/%d echoed through fw2; %s INVALID since fw1's return: "
                            + "on fw1 %d (%d), on fw2 %d (%d);", note, viaFw2, established, fb, fw1SinceReturn.all(),
                            fw1SinceReturn.longLived(), fw2SinceReturn.all(), fw2SinceReturn.longLived());
                }
                EchoFlows.Summary s = flows.summary(kase == FailoverLab.Case.UPGRADE ? upgradeEstablished
                        : established, after);
                if (kase == FailoverLab.Case.A && r1 instanceof HftfwNode h) {
                    tprop = h.tprop().orElse("no migration logged");
                }
                // failback: fw1 is the master again at the end, and its drops since its return count too
                Topology.Invalid fw2Invalid = Topology.invalidDrops(fw2).minus(invalid0);
                if (fw2Invalid.longLived() > 0 && !atVips.isEmpty()) {
                    note = (note + " fw2's kernel table when the VIPs arrived: " + atVips
                            + (r2 instanceof HftfwNode h ? "; at the end: " + h.backupWriterStats() : "") + ";").strip();
                }
                Topology.Invalid invalid = new Topology.Invalid(fw2Invalid.all() + fw1SinceReturn.all(),
                        fw2Invalid.longLived() + fw1SinceReturn.longLived());
                for (Keepalived ka : List.of(ka1, ka2)) {
                    out.println("    " + ka + ", notify (from the fault): " + ka.notifyLines().stream()
                            .map(l -> l.split(" ", 2))
                            .filter(f -> f.length == 2 && (Double.parseDouble(f[0]) > t0Epoch || disturbed))
                            .map(f -> String.format(Locale.ROOT, "%+.0f ms %s",
                                    (Double.parseDouble(f[0]) - t0Epoch) * 1e3, f[1]))
                            .collect(java.util.stream.Collectors.joining("; ")));
                }
                String commitStep = r2.notifyScript().equals(Keepalived.STOCK_SCRIPT_NOTIFY)
                        ? "primary-backup.sh primary" : r2 instanceof HftfwNode ? "hftfw commit" : "conntrackd -c";
                double commitEpoch = ka2.stepDone("master", commitStep, t0Epoch);
                long race = commitEpoch < 0 || !tookOver ? -1 : (long) ((commitEpoch - vipEpoch) * 1e9);
                shorts.stop();
                return new FailoverLab.Outcome(pair, kase, s.established(), s.survived(), invalid.all(),
                        invalid.longLived(), s.longestStallNanos(), tookOver ? (long) ((vipEpoch - t0Epoch) * 1e9) : -1,
                        tprop, race, held, shorts.counts(), note);
            } finally {
                if (skewFlows != null) {
                    skewFlows.close();
                }
            }
        }
    }

    /**
     * Case upgrade, the backup's half: fw2's daemon is stopped as systemd stops it (SIGTERM, exit status 0 expected),
     * then started again, as a package upgrade does (stop, install, start; here the same build stands for the next
     * version); it must negotiate the extensions with fw1 again, hold every long-lived flow again and be VRRP
     * backup again before fw1 is touched. Returns the note of what happened.
     */
    private String upgradeBackup(HftfwNode r2, Keepalived ka2) throws IOException, InterruptedException {
        long backups = ka2.transitions("backup");
        long t = System.nanoTime();
        int exit = r2.stop();
        if (!spec.upgradeFrom().isEmpty()) {
            r2.upgradeTo(spec.hftfw());
        }
        r2.start();
        Await.until("fw2's new daemon negotiated the extensions with fw1", 60_000, r2::negotiated);
        Await.until("fw2's new daemon holds every long-lived flow", 60_000, () -> r2.externalFlows() >= spec.flows());
        Await.until("fw2 is VRRP backup again", 60_000, () -> ka2.transitions("backup") > backups && ka2.idle());
        return String.format(Locale.ROOT, "fw2 stopped: exit %d; fw2 back in %.1f s;", exit, (System.nanoTime() - t) / 1e9);
    }

    /**
     * Case upgrade from an earlier build, the skew window: fw1 runs the old build, fw2 already the new one. The flows
     * {@code late} opened now reach fw2 only through the old daemon's replication to the new one, and fw2 (the
     * always-committed backup) must write them into its kernel table beside the flows it held before. Returns the
     * note: fw2's peer line (the extensions the two builds agreed) and how many of the long-lived flows' ESTABLISHED
     * entries fw2's kernel table held.
     */
    private String skewWindow(HftfwNode r2, NetnsLab.Netns fw2, EchoFlows late)
            throws IOException, InterruptedException {
        long want = (long) spec.flows() + late.size();
        Await.within(30_000, () -> Topology.kernelEstablished(fw2) >= want);
        return String.format(Locale.ROOT, " skew window (fw1 old, fw2 new): fw2's %s; fw2's kernel table held %d/%d "
                + "established flows; %s", r2.peerLine().strip(), Topology.kernelEstablished(fw2), want,
                oldClientOnNewDaemon(r2));
    }

    /**
     * The old build's own control client against the new daemon (as a node whose package was downgraded while its
     * newer daemon runs, or a copy of the old client left in a script): {@code hftfw sync stats} of the old CLI on
     * fw2's control socket. Returns the note: its exit status and the {@code peer:} line it printed, or what it said.
     */
    private String oldClientOnNewDaemon(HftfwNode r2) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(spec.upgradeFrom());
        cmd.addAll(List.of("sync", "stats", "--socket", r2.socket().toString()));
        Path out = Files.createTempFile("hftfw-old-client", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return "the old build's client on fw2 (new daemon): no answer within 60 s;";
            }
            String text = Files.readString(out);
            String shown = text.lines().filter(l -> l.startsWith("peer:")).findFirst()
                    .orElse(text.strip().lines().findFirst().orElse("(nothing)"));
            return String.format(Locale.ROOT, "the old build's client on fw2 (new daemon): exit %d, %s;",
                    p.exitValue(), shown.strip());
        } finally {
            Files.delete(out);
        }
    }

    /**
     * Case upgrade, the primary's second half: fw1's daemon (stopped at T0) is started again; its check passes and
     * fw1 becomes VRRP backup (nopreempt: fw2 keeps the VIPs). Returns the note of what happened.
     */
    private static String restartPrimary(HftfwNode r1, NetnsLab.Netns fw2, Keepalived ka1, Keepalived ka2)
            throws IOException, InterruptedException {
        long backups = ka1.transitions("backup");
        r1.start();
        boolean back = Await.within(60_000, () -> ka1.transitions("backup") > backups && ka1.idle() && ka2.idle());
        boolean negotiated = Await.within(10_000, r1::negotiated);
        return "fw1 started again" + (back ? ", VRRP backup" : ", NOT VRRP backup within 60 s")
                + (holdsVips(fw2) ? ", fw2 keeps the VIPs" : ", fw2 LOST the VIPs")
                + (negotiated ? ", extensions negotiated;" : ", extensions NOT negotiated;");
    }

    /**
     * Case failback: fw1's daemon (stopped at T0) is started again. Its resync file holds 1 until it holds fw2's
     * table, so it comes back as VRRP backup; then keepalived preempts and fw1 takes both VIPs back. Returns the note:
     * when the file said 0 and when the VIPs were back (from the restart), and whether that was in this order.
     */
    private static String failBack(HftfwNode r1, Keepalived ka1, Keepalived ka2, VipWatch back1, double returnEpoch)
            throws IOException, InterruptedException {
        long masters = ka1.transitions("master");
        r1.start();
        boolean held = Await.within(60_000, r1::holdsPeerTable);
        // when the daemon wrote the 0 (the file's time, not when this poll saw it): on a busy machine a poll can be
        // late by more than keepalived takes to preempt
        double heldEpoch = held ? r1.resyncFileWritten() : -1;
        boolean back = Await.within(60_000, () -> back1.bothAt(returnEpoch) > 0 && ka1.transitions("master") > masters
                && ka1.idle() && ka2.idle());
        double backEpoch = back1.bothAt(returnEpoch);
        String order = !held || !back ? ";" : backEpoch > heldEpoch
                ? ", fw1 took the VIPs back after it held fw2's table;"
                : ", fw1 took the VIPs back BEFORE it held fw2's table;";
        return String.format(Locale.ROOT, "fw1 started again: resync file 0 %s, VIPs back on fw1 %s%s",
                held ? String.format(Locale.ROOT, "after %.0f ms", (heldEpoch - returnEpoch) * 1e3) : "NOT within 60 s",
                back ? String.format(Locale.ROOT, "after %.0f ms", (backEpoch - returnEpoch) * 1e3) : "NOT within 60 s",
                order);
    }

    /** Starts both daemons at once (each waits until it answers): two JVM starts overlap. */
    private static void startBoth(Replicator r1, Replicator r2) throws Exception {
        Exception[] failure = new Exception[1];
        Thread t = Thread.ofPlatform().name("hfo-start-fw2").start(() -> {
            try {
                r2.start();
            } catch (Exception e) {
                failure[0] = e;
            }
        });
        try {
            r1.start();
        } finally {
            t.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    /**
     * Case a. hFT-FW on fw1: inject an uncorrected memory error into its fake sysfs tree; its own predictor, policy
     * and migrator do the rest (migrate, commit hook, demote hook). A conntrackd pair has no predictor: the lab does
     * what the predictor would (conntrackd -B on fw1; wait until fw2 holds every long flow, since -B returns before
     * the bulk is sent; conntrackd -c on fw2; then fw1's drain file) and returns that Tprop.
     */
    private String predictedFault(FaultInjector injector, Replicator r1, Replicator r2, Path drain1, long t0)
            throws IOException, InterruptedException {
        if (injector != null) {
            out.println("    " + injector.inject(FaultKind.EDAC_UE, 1, "mc0/dimm0"));
            return "-";
        }
        ConntrackdNode c1 = (ConntrackdNode) r1;
        ConntrackdNode c2 = (ConntrackdNode) r2;
        c1.run("-B");
        Await.within(10_000, () -> c2.externalLongLivedFlows() >= spec.flows());
        c2.run("-c");
        long tprop = System.nanoTime() - t0;
        Files.writeString(drain1, "1\n");
        return String.format(Locale.ROOT, "%.1f ms", tprop / 1e6);
    }

    /**
     * When {@code file} was last written, in epoch seconds, if that was after {@code sinceEpoch}; +infinity otherwise
     * (keepalived's {@code init_file} wrote the drain file when it started, long before the fault).
     */
    private static double writtenSince(Path file, double sinceEpoch) throws IOException {
        if (!Files.exists(file)) {
            return Double.POSITIVE_INFINITY;
        }
        Instant m = Files.getLastModifiedTime(file).toInstant();
        double at = m.getEpochSecond() + m.getNano() / 1e9;
        return at > sinceEpoch ? at : Double.POSITIVE_INFINITY;
    }

    private static boolean holdsVips(NetnsLab.Netns fw) {
        String a = fw.exec("ip", "-4", "-o", "addr", "show").stdout();
        return a.contains(" " + Topology.LAN_VIP + "/") && a.contains(" " + Topology.WAN_VIP + "/");
    }
}
