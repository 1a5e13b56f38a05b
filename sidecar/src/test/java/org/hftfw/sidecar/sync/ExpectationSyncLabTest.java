package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hftfw.sync.ExpectationWriter;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ExpectationSync with the kernel's FTP helper: a client's PASV through fw makes fw's kernel expect the data
 * connection; the expectation must appear in the backup's kernel table ({@code conntrack -L expect} in bk), with its
 * master. Between two hFT-FW daemons (always committed, as it arrives; external cache, at {@code commit}), and with a
 * stock conntrackd 1.4.x on either side.
 */
@Tag("lab")
class ExpectationSyncLabTest {
    private static final Logger LOG = LoggerFactory.getLogger(ExpectationSyncLabTest.class);
    private static final String MASTER = "dport=" + FtpLab.CONTROL_PORT + " ";

    // assumptions per test, not in @BeforeAll: surefire drops a class aborted there from the counts (SUREFIRE-2300)
    @BeforeEach
    void capable() {
        SyncLab.assumeCapable();
    }

    /** Waits until {@code ns} expects the data connection; returns the line. */
    private static String awaitExpectation(org.hftfw.conntrack.lab.NetnsLab.Netns ns, String where)
            throws InterruptedException {
        String[] seen = {null};
        SyncLab.await("the data connection is expected in " + where, 10_000, () -> {
            List<String> e = FtpLab.expectations(ns);
            seen[0] = e.isEmpty() ? null : e.getFirst();
            return seen[0] != null;
        });
        return seen[0];
    }

    /** A stock conntrackd config with {@code ExpectationSync On} in its Sync section. */
    private static Path withExpectationSync(Path conf) throws java.io.IOException {
        String text = Files.readString(conf);
        return Files.writeString(conf, text.replaceFirst("Sync \\{\n", "Sync {\n\tOptions { ExpectationSync On }\n"));
    }

    /** A conntrackd.conf for the stock client only: its UNIX Path is an hFT-FW daemon's control socket. */
    private static Path clientConf(Path dir, String name, Path socket) throws java.io.IOException {
        return Files.writeString(dir.resolve(name + "-conntrackd.conf"), """
                Sync {
                	Mode FTFW { }
                	UDP { IPv4_address 127.0.0.1
                	      IPv4_Destination_Address 127.0.0.2
                	      Port 3780
                	      Interface lo }
                }
                General {
                	UNIX { Path %s }
                	LockFile %s
                	Syslog off
                }
                """.formatted(socket, dir.resolve(name + "-conntrackd.lock")));
    }

    @Test
    void hftfwPairAlwaysCommittedWritesTheExpectationAsItArrivesAndDeletesItOnceUsed() throws Exception {
        try (SyncLab l = new SyncLab(); FtpLab ftp = new FtpLab(l)) {
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP,
                    l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, ""));
            l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY,
                    l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, "sync.expectation-sync = [ftp]"));
            try (Socket control = ftp.pasv(l.topo)) {
                String primary = awaitExpectation(l.topo.fw, "fw");
                String copy = awaitExpectation(l.bk, "bk");
                assertTrue(copy.contains(MASTER) && copy.contains("ftp"), copy);
                assertEquals(SyncLab.normalise(primary).replaceFirst("^\\d+ ", ""),
                        SyncLab.normalise(copy).replaceFirst("^\\d+ ", ""), "the same expectation on both nodes");
                // the data connection uses fw's expectation: the kernel removes it, and the backup follows
                assertEquals("data", FtpLab.data(l.topo));
                SyncLab.await("the used expectation leaves bk too", 10_000, () -> FtpLab.expectations(l.bk).isEmpty());
                ExpectationWriter.Stats w = backup.node().expectationWriter().orElseThrow().stats();
                assertTrue(w.created() >= 1 && w.deleted() >= 1 && w.failed() == 0, w.toString());
                LOG.info("hFT-FW pair: fw {} | bk {} | writer {}", primary, copy, w);
                assertTrue(control.isConnected());
            }
        }
    }

    @Test
    void hftfwExternalCacheBackupCommitsTheExpectationAfterItsMaster() throws Exception {
        try (SyncLab l = new SyncLab(); FtpLab ftp = new FtpLab(l)) {
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP,
                    l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, "sync.backup.commit = on-takeover"));
            SyncDaemon primary = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY,
                    l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, "sync.expectation-sync = on"));
            try (Socket _ = ftp.pasv(l.topo)) {
                awaitExpectation(l.topo.fw, "fw");
                SyncLab.await("the backup's expectation cache holds it", 10_000,
                        () -> backup.node().channel().expectationCache().size() == 1);
                assertTrue(FtpLab.expectations(l.bk).isEmpty(), "nothing in bk's kernel before the commit");
                // a RESYNC request is answered with the expectations too (as conntrackd's -n)
                backup.node().channel().expectationCache().flush();
                SyncInteropLabTest.cli("sync", "resync", "--socket", backup.control().path().toString());
                SyncLab.await("bk's RESYNC brought the expectation back", 10_000,
                        () -> backup.node().channel().expectationCache().size() == 1);
                String out = SyncInteropLabTest.cli("commit", "--socket", backup.control().path().toString());
                String copy = awaitExpectation(l.bk, "bk after hftfw commit");
                assertTrue(copy.contains(MASTER), copy);
                assertEquals(1, backup.node().lastExpectationCommit().created(), out);
                LOG.info("hFT-FW external cache: {} | {}", out.strip(), copy);

                // the stock client's expectation verbs on fw: its internal cache is its kernel table
                Path client = clientConf(l.dir, "fw-client", primary.control().path());
                String internal = SyncLab.conntrackd(l.topo.fw, client, "-i", "expect");
                assertTrue(internal.contains(MASTER) && internal.contains("ftp"), internal);
                String stats = SyncLab.conntrackd(l.topo.fw, client, "-s", "expect");
                assertTrue(stats.startsWith("cache:internal\tactive objects:\t\t           1\n"), stats);
                String xml = SyncLab.conntrackd(l.topo.fw, client, "-i", "expect", "-x");
                assertTrue(xml.startsWith("<flow><layer3 protonum=\"2\" protoname=\"ipv4\"><expected>")
                        && xml.contains("<helper-name>ftp</helper-name>") && xml.endsWith("</meta></flow>\n"), xml);
                Path bkClient = clientConf(l.dir, "bk-client", backup.control().path());
                String external = SyncLab.conntrackd(l.bk, bkClient, "-e", "expect", "-x");
                assertTrue(external.contains("<helper-name>ftp</helper-name>"), external);
                // bk's expectation cache by the stock client: -e expect lists it, -c expect writes it again
                assertTrue(SyncLab.conntrackd(l.bk, bkClient, "-e", "expect").contains("dport=" + FtpLab.DATA_PORT));
                assertEquals(0, l.bk.exec("conntrack", "-F", "expect").exitCode());
                assertTrue(FtpLab.expectations(l.bk).isEmpty(), "bk's kernel expectation removed by hand");
                assertEquals("", SyncLab.conntrackd(l.bk, bkClient, "-c", "expect"));
                assertTrue(awaitExpectation(l.bk, "bk after conntrackd -c expect").contains(MASTER));
                assertEquals("", SyncLab.conntrackd(l.topo.fw, client, "-R", "expect"));
                assertEquals("", SyncLab.conntrackd(l.topo.fw, client, "-R"));
                assertEquals("", SyncLab.conntrackd(l.topo.fw, client, "-F", "expect"));
                assertTrue(FtpLab.expectations(l.topo.fw).isEmpty(), "-F expect flushed fw's kernel expectations");
                // -F flushes the expectation table too when expectations are replicated (src/ctnl.c); the kernel
                // would drop them with their master flow anyway, so the log's count is what shows it
                try (Socket _ = ftp.pasv(l.topo); org.hftfw.sync.LogCapture log = new org.hftfw.sync.LogCapture()) {
                    awaitExpectation(l.topo.fw, "fw, a second PASV");
                    assertEquals("", SyncLab.conntrackd(l.topo.fw, client, "-F"));
                    assertTrue(FtpLab.expectations(l.topo.fw).isEmpty(), "-F flushed fw's kernel expectations");
                    assertEquals(1, log.count("conntrackd -F: flushed 1 expectations from the kernel table"),
                            log.lines().toString());
                }
            }
        }
    }

    @Test
    void hftfwPrimaryToStockConntrackdBackup() throws Exception {
        try (SyncLab l = new SyncLab(); FtpLab ftp = new FtpLab(l)) {
            Path cconf = withExpectationSync(l.conntrackdConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC));
            l.startConntrackd(l.bk, cconf);
            l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY,
                    l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, "sync.expectation-sync = [ftp]"));
            try (Socket _ = ftp.pasv(l.topo)) {
                awaitExpectation(l.topo.fw, "fw");
                String[] cache = {""};
                SyncLab.await("conntrackd -e expect shows it", 10_000, () -> {
                    cache[0] = SyncLab.conntrackd(l.bk, cconf, "-e", "expect");
                    return cache[0].contains("dport=" + FtpLab.DATA_PORT);
                });
                SyncLab.conntrackd(l.bk, cconf, "-c");
                String copy = awaitExpectation(l.bk, "bk after conntrackd -c");
                assertTrue(copy.contains(MASTER), copy);
                LOG.info("hFT-FW -> conntrackd: -e expect: {} | committed: {}", cache[0].strip(), copy);
            }
        }
    }

    @Test
    void stockConntrackdPrimaryToHftfwBackup() throws Exception {
        try (SyncLab l = new SyncLab(); FtpLab ftp = new FtpLab(l)) {
            SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP,
                    l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, ""));
            Path cconf = withExpectationSync(l.conntrackdConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC));
            l.startConntrackd(l.topo.fw, cconf);
            try (Socket _ = ftp.pasv(l.topo)) {
                String primary = awaitExpectation(l.topo.fw, "fw");
                String copy = awaitExpectation(l.bk, "bk");
                assertTrue(copy.contains(MASTER), copy);
                LOG.info("conntrackd -> hFT-FW: fw {} | bk {} | {}", primary, copy,
                        backup.node().expectationWriter().orElseThrow().stats());
            }
        }
    }

    /** An always-committed hFT-FW backup and an hFT-FW primary, started by {@link #pair}. */
    private record Pair(SyncDaemon primary, SyncDaemon backup) {
        /**
         * Waits until bk's kernel expects the data connection, after fw's; on a timeout the message names the hop
         * that lost it: the primary's sends, bk's receipt, bk's writer (created, retried for an absent master,
         * failed, pending).
         */
        String awaitCopy(SyncLab l) throws InterruptedException {
            awaitExpectation(l.topo.fw, "fw");
            try {
                return awaitExpectation(l.bk, "bk");
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; fw sent "
                        + primary.node().channel().stats().expectationsTx() + " expectation messages, bk received "
                        + backup.node().channel().stats().expectationsRx()
                        + ", bk's writer " + backup.node().expectationWriter().orElseThrow().stats(), e);
            }
        }
    }

    /** Starts an always-committed hFT-FW backup and an hFT-FW primary with {@code expectationSync}, bk wired. */
    private static Pair pair(SyncLab l, String expectationSync) throws Exception {
        FtpLab.wireBackup(l);
        SyncDaemon backup = l.startHftfw(l.bk, SyncNode.Role.BACKUP,
                l.hftfwConf("bk", SyncLab.BK_SYNC, SyncLab.FW_SYNC, ""));
        SyncDaemon primary = l.startHftfw(l.topo.fw, SyncNode.Role.PRIMARY,
                l.hftfwConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC, "sync.expectation-sync = " + expectationSync));
        return new Pair(primary, backup);
    }

    @Test
    void anFtpDataConnectionAnnouncedBeforeATakeoverPassesTheBackupAfterIt() throws Exception {
        try (SyncLab l = new SyncLab(); FtpLab ftp = new FtpLab(l)) {
            Pair pair = pair(l, "[ftp]");
            try (Socket control = ftp.pasv(l.topo)) {
                pair.awaitCopy(l);
                String takeover = SyncInteropLabTest.cli("commit", "--socket",
                        pair.backup().control().path().toString());
                FtpLab.takeOver(l);
                assertEquals("502 not implemented", FtpLab.noop(l.topo, control), "the control connection crosses bk");
                assertEquals("data", FtpLab.data(l.topo), "the data connection is RELATED in bk");
                assertTrue(SyncLab.clientFlows(l.bk).stream().anyMatch(f -> f.contains("dport=" + FtpLab.DATA_PORT)),
                        "bk tracks the data connection");
                LOG.info("takeover: {}; data connection through bk", takeover.strip());
            }
        }
    }

    @Test
    void withoutExpectationSyncTheDataConnectionIsDroppedAfterATakeover() throws Exception {
        try (SyncLab l = new SyncLab(); FtpLab ftp = new FtpLab(l)) {
            SyncDaemon backup = pair(l, "off").backup();
            try (Socket control = ftp.pasv(l.topo)) {
                awaitExpectation(l.topo.fw, "fw");
                SyncLab.await("bk holds the control connection", 10_000, () -> SyncLab.clientFlows(l.bk).stream()
                        .anyMatch(f -> f.contains("dport=" + FtpLab.CONTROL_PORT + " ")));
                assertTrue(FtpLab.expectations(l.bk).isEmpty(), "nothing replicated the expectation");
                SyncInteropLabTest.cli("commit", "--socket", backup.control().path().toString());
                FtpLab.takeOver(l);
                assertEquals("502 not implemented", FtpLab.noop(l.topo, control), "the control connection crosses bk");
                assertThrows(RuntimeException.class, () -> FtpLab.data(l.topo),
                        "a new connection to the data port is neither established nor related in bk: dropped");
            }
        }
    }
}
