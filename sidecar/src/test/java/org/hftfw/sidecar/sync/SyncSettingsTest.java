package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.hftfw.conntrack.IpProto;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.Mode;
import org.hftfw.common.InvalidConfigException;
import org.hftfw.sidecar.config.ReloadableConfig;
import org.hftfw.sync.ProactiveSettings;
import org.junit.jupiter.api.Test;
import org.hftfw.ftfw.SyncTransport;
import org.hftfw.sync.NodeSettings;
import org.junit.jupiter.api.io.TempDir;

class SyncSettingsTest {
    private static final String MIN = "sync { local-address = \"10.0.0.1\", peer-address = \"10.0.0.2\" }\n";

    private static SyncSettings parse(String text) {
        return ReloadableConfig.parseString(text, SyncSettings.defaults(), SyncSettings.CHECKED_ELSEWHERE,
                c -> SyncSettings.from(c, Path.of("/etc/hftfw")));
    }

    private static String problems(String text) {
        return assertThrows(InvalidConfigException.class, () -> parse(text)).getMessage();
    }

    @Test
    void theSampleFileParsesAndItsValuesAreTheDefaults() throws Exception {
        Path sample = Path.of("..", "conf", "hftfw.conf");
        assertTrue(Files.exists(sample), "conf/hftfw.conf ships with the project");
        try (ReloadableConfig<SyncSettings> rc = SyncCommand.load(sample)) {
            SyncSettings s = rc.get();
            SyncSettings d = parse("sync { local-address = \"192.168.100.1\", peer-address = \"192.168.100.2\" }");
            assertEquals(d, s, "every value in the sample is the built-in default");
            assertEquals(3780, s.node().link().local().getPort());
            assertEquals(1500, s.node().link().mtu());
            assertEquals(300, s.node().link().ackWindow());
            assertEquals(4 << 20, s.node().link().socketBuffer());
            assertEquals(64 << 20, s.events().bufferBytes());
            assertFalse(s.node().lazy().enabled());
            assertEquals(LazyConfig.defaults(), s.node().lazy().config());
            assertNull(s.node().lazy().modelFile());
            assertEquals(Path.of("/run/hftfw/sync.ctl"), s.control().socket());
            assertTrue(s.node().filter().protocols().containsAll(Set.of(IpProto.TCP, IpProto.UDP)));
        }
    }

    @Test
    void lazySectionMapsOntoLazyConfigAndModelPathIsRelativeToTheFile() {
        SyncSettings s = parse(MIN + """
                lazy { enabled = true, barrier = 0.5, latency = 250ms, mode = defer, min-observations = 3,
                       model-file = "model.bin", save-on-exit = true, tick = 5ms }
                sync.mtu = auto
                sync.interface = sync0
                """);
        assertTrue(s.node().lazy().enabled());
        assertEquals(LazyConfig.defaults().withBarrier(0.5).withLatency(Duration.ofMillis(250)).withMode(Mode.DEFER)
                .withMinObservations(3), s.node().lazy().config());
        assertEquals(Path.of("/etc/hftfw/model.bin"), s.node().lazy().modelFile());
        assertEquals(Duration.ofMillis(5), s.node().lazy().tick());
        assertEquals(0, s.node().link().mtu(), "auto: read from the interface at start");
    }

    @Test
    void syncLinkDefencesMapOntoTheChannelConfig() {
        SyncSettings d = parse(MIN);
        assertEquals(262_144, d.node().link().ftfw(1500).cacheLimit(), "conntrackd's HashLimit default");
        assertEquals(Duration.ofSeconds(1), d.node().link().ftfw(1500).resyncInterval());
        assertEquals("", d.node().link().ftfw(1500).iface());
        SyncSettings s = parse(MIN + """
                sync { interface = sync0, external-cache-limit = 1000, resync-interval = 5s }
                """);
        org.hftfw.ftfw.FtfwConfig c = s.node().link().ftfw(9000);
        assertEquals("sync0", c.iface());
        assertEquals(1000, c.cacheLimit());
        assertEquals(Duration.ofSeconds(5), c.resyncInterval());
        assertEquals(9000, c.mtu());
        assertTrue(problems(MIN + "sync.external-cache-limit = 0").contains("sync.external-cache-limit must be in"));
        assertTrue(problems(MIN + "sync.resync-interval = -1s").contains("sync.resync-interval must not be negative"));
        assertTrue(problems(MIN + "sync.interface = \"a-very-long-interface-name\"")
                .contains("sync.interface must be an interface name of at most 15 characters"));
    }

    @Test
    void theAuthKeyFileIsBoundAndRefusedWhenOthersMayReadItOrItIsShort(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        assertEquals(null, parse(MIN).node().link().ftfw(1500).auth(), "no key: no authentication");
        assertTrue(parse(MIN).node().link().ftfw(1500).extensions(), "the handshake is on by default");
        Path key = dir.resolve("sync.key");
        java.nio.file.Files.write(key, new byte[32]);
        java.nio.file.Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        org.hftfw.ftfw.FtfwConfig c = parse(MIN + "sync.auth { key-file = \"" + key + "\", require = true }\n")
                .node().link().ftfw(1500);
        assertTrue(c.auth().require());
        java.nio.file.Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(problems(MIN + "sync.auth.key-file = \"" + key + "\"").contains("sync.auth.key-file: "),
                "a key others can read is refused");
        java.nio.file.Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        java.nio.file.Files.write(key, new byte[16]);
        assertTrue(problems(MIN + "sync.auth.key-file = \"" + key + "\"").contains("holds 16 bytes, at least 32"));
        assertTrue(problems(MIN + "sync.auth.require = true").contains("sync.auth.require = true needs sync.auth.key-file"));
        assertTrue(problems(MIN + "sync { extensions = false, auth.key-file = \"" + key + "\" }")
                .contains("sync.auth.key-file needs sync.extensions = true"));
    }

    @Test
    void theBackupIsAlwaysCommittedUnlessTheConfigSaysOnTakeover() {
        assertEquals(NodeSettings.Backup.DEFAULT, parse(MIN).node().backup());
        NodeSettings.Backup b = parse(MIN + "sync.backup { commit = on-takeover, standby-timeout = 1d, "
                + "takeover-grace = 2m }\n").node().backup();
        assertEquals(new NodeSettings.Backup(NodeSettings.Commit.ON_TAKEOVER, Duration.ofDays(1), Duration.ofMinutes(2)),
                b);
        assertTrue(problems(MIN + "sync.backup.commit = sometimes")
                .contains("sync.backup.commit must be always or on-takeover, got 'sometimes'"));
        assertTrue(problems(MIN + "sync.backup.standby-timeout = 1s").contains("sync.backup.standby-timeout must be in"));
        assertTrue(problems(MIN + "sync.backup.takeover-grace = 0s").contains("sync.backup.takeover-grace"));
    }

    /** sync.transport: udp (default), tcp, or multicast with its group; the channel gets the same transport. */
    @Test
    void theTransportAndItsGroupMapOntoTheChannel() {
        assertEquals(SyncTransport.udp(), parse(MIN).node().link().transport());
        assertEquals(SyncTransport.tcp(), parse(MIN + "sync.transport = tcp").node().link().ftfw(1500).link());
        SyncSettings m = parse(MIN + "sync { transport = multicast, multicast-group = \"225.0.0.50\" }");
        assertEquals(new SyncTransport.Multicast(java.net.InetAddress.ofLiteral("225.0.0.50")),
                m.node().link().ftfw(1500).link());
        assertTrue(problems(MIN + "sync.transport = multicast").contains("needs sync.multicast-group"));
        assertTrue(problems(MIN + "sync.transport = carrier-pigeon").contains("sync.transport must be udp, multicast "
                + "or tcp"));
        assertTrue(problems(MIN + "sync.multicast-group = \"225.0.0.50\"").contains("sync.transport is udp"));
        assertTrue(problems(MIN + "sync { transport = multicast, multicast-group = \"10.0.0.9\" }")
                .contains("must be a multicast group"));
        assertTrue(problems(MIN + "sync { transport = multicast, multicast-group = \"ff02::1:5\" }")
                .contains("same family"));
        assertTrue(problems("sync { transport = multicast, multicast-group = \"ff02::1:5\", peer-address = "
                + "\"fe80::2\" }").contains("needs sync.interface"));
        var v6 = parse("sync { transport = multicast, multicast-group = \"ff02::1:5\", peer-address = \"fe80::2\", "
                + "interface = sync }").node().link();
        assertTrue(v6.local().getAddress().isAnyLocalAddress(), "no local address needed for an IPv6 group");
        assertTrue(problems("sync { transport = multicast, multicast-group = \"225.0.0.50\", local-address = "
                + "\"10.0.0.1\" }").contains("sync.peer-address is required with sync.transport = multicast"));
        assertEquals(List.of(org.hftfw.sync.Cidr.parse("10.0.0.0/8")),
                parse(MIN + "filter.accept-addresses = [\"10.0.0.0/8\"]").node().filter().accept());
    }

    @Test
    void everyProblemIsReportedWithItsKey() {
        String p = problems("""
                sync { local-address = "not-an-ip", port = 0, ack-window = 0 }
                lazy { barrier = 1.5, mode = sometimes, latency = -1s }
                filter { protocols = [tcp, carrier-pigeon], ignore-addresses = ["10.0.0.0/33"] }
                metrics.address = "localhost"
                """);
        for (String key : new String[] {"sync.local-address", "sync.peer-address is required", "sync.port",
            "sync.ack-window", "lazy.barrier", "lazy.mode", "lazy.latency", "filter.protocols: unknown protocol "
                + "'carrier-pigeon'", "filter.ignore-addresses", "metrics.address"}) {
            assertTrue(p.contains(key), "mentions " + key + ": " + p);
        }
        assertTrue(problems(MIN + "sync.alive-interval = often").contains("sync.alive-interval"));
        assertTrue(problems(MIN + "sync.mtu = auto").contains("sync.mtu = auto needs sync.interface"));
        assertTrue(problems(MIN + "lazy.save-on-exit = true").contains("lazy.model-file"));
        assertTrue(problems(MIN + "sync.peer-address = \"::1\"").contains("same family"));
    }

    @Test
    void proactiveSectionsMapOntoPredictorPolicyAndMigration() {
        SyncSettings s = parse(MIN + """
                predictor { enabled = true, fake-tree = "drill", sources = sysfs, interval = 250ms, ce-warning = 3,
                            ce-critical = 30, temp-margin = 2.5, realert = 1m }
                policy { dry-run = true, noisy-signal.alerts = 4 }
                migration { commit-command = ["hftfw", "commit", "--socket", "/run/hftfw/bk.ctl"],
                            demote-command = ["sh", "-c", "echo 1 > /run/hftfw/drain"], command-timeout = 3s,
                            ack-timeout = 20s }
                """);
        ProactiveSettings p = s.node().proactive();
        assertTrue(p.enabled());
        assertEquals(org.hftfw.predictor.SourceRoots.under(Path.of("/etc/hftfw/drill")), p.roots());
        assertFalse(p.allSources());
        assertEquals(Duration.ofMillis(250), p.interval());
        assertEquals(org.hftfw.predictor.PredictorConfig.defaults().toBuilder().ceWarning(3).ceCritical(30)
                .tempMarginC(2.5).realert(Duration.ofMinutes(1)).build(), p.predictor());
        assertTrue(p.policy().dryRun());
        assertEquals(4, p.policy().noisyAlerts());
        assertEquals(org.hftfw.policy.PolicyConfig.defaultTransitions(), p.policy().transitions());
        assertEquals(java.util.List.of("hftfw", "commit", "--socket", "/run/hftfw/bk.ctl"),
                p.migration().commitCommand());
        assertEquals(Duration.ofSeconds(3), p.migration().commandTimeout());
        assertEquals(Duration.ofSeconds(20), p.migration().migrator().ackTimeout());

        SyncSettings d = parse(MIN);
        assertFalse(d.node().proactive().enabled());
        assertTrue(d.node().proactive().roots().isHost());
        assertEquals(org.hftfw.policy.PolicyConfig.defaults(), d.node().proactive().policy());
        assertTrue(d.node().proactive().migration().commitCommand().isEmpty());
    }

    @Test
    void proactiveProblemsNameTheirKeys() {
        String p = problems(MIN + """
                predictor { sources = some, interval = 0s, ce-warning = 10, ce-critical = 5, temp-slope = -1,
                            fake-tree = "x", sysfs-root = "/elsewhere" }
                policy { dry-run = maybe, colour = blue }
                migration { commit-command = [""], command-timeout = never }
                """);
        for (String key : new String[] {"predictor.sources", "predictor.interval", "predictor.ce-critical",
            "predictor.temp-slope", "predictor.fake-tree", "policy config", "migration.commit-command",
            "migration.command-timeout"}) {
            assertTrue(p.contains(key), "mentions " + key + ": " + p);
        }
        assertTrue(problems(MIN + "policy { transitions = [ { from = HEALTHY, to = NOWHERE, on { manual = go } } ] }")
                .contains("unknown state 'NOWHERE'"));
    }

    @Test
    void theEventReaderRunsAtNiceMinusTenUnlessTheConfigSaysOtherwise() {
        assertEquals(java.util.OptionalInt.of(-10), parse(MIN).events().readerNice());
        assertEquals(java.util.OptionalInt.of(-20), parse(MIN + "events.reader-nice = -20").events().readerNice());
        assertEquals(java.util.OptionalInt.empty(), parse(MIN + "events.reader-nice = inherit").events().readerNice());
        String p = problems(MIN + "events.reader-nice = -21");
        assertTrue(p.contains("events.reader-nice must be in -20..19, got -21"), p);
    }

    @Test
    void syslogOutputIsASocketPathWithAKnownFacility() {
        assertEquals(new SyncSettings.Log("", java.util.Map.of(), "/dev/log", "local3"),
                parse(MIN + "log { syslog = \"/dev/log\", syslog-facility = LOCAL3 }\n").log());
        String p = problems(MIN + "log { syslog = \"localhost:514\", syslog-facility = local9 }\n");
        assertTrue(p.contains("log.syslog must be the absolute path of the syslog daemon's socket (e.g. /dev/log) or "
                + "\"\", got 'localhost:514'"), p);
        assertTrue(p.contains("log.syslog-facility must be one of [auth, authpriv, cron, daemon, ftp, kern, local0, "
                + "local1, local2, local3, local4, local5, local6, local7, lpr, mail, news, syslog, user, uucp], got "
                + "'local9'"), p);
    }

    @Test
    void logLevelsPerComponentWithOrWithoutQuotes() {
        SyncSettings.Log log = parse(MIN + "log { level = debug, components { \"org.hftfw.ftfw\" = WARN, "
                + "org.hftfw.sync = trace } }\n").log();
        assertEquals(new SyncSettings.Log("DEBUG", java.util.Map.of("org.hftfw.ftfw", "WARN", "org.hftfw.sync", "TRACE"),
                "", "daemon"), log);
        assertEquals(new SyncSettings.Log("", java.util.Map.of(), "", "daemon"), parse(MIN).log());
        String p = problems(MIN + "log { level = LOUD, components { \"org.hftfw\" = \"\" } }\n");
        assertTrue(p.contains("log.level must be one of [DEBUG, ERROR, INFO, OFF, TRACE, WARN] or \"\", got 'LOUD'"), p);
        assertTrue(p.contains("log.components.org.hftfw must be one of"), p);
    }

    @Test
    void expectationSyncIsOffOnOrAHelperList() {
        assertEquals(org.hftfw.sync.ExpectationSync.OFF, parse(MIN).expectations());
        assertEquals(org.hftfw.sync.ExpectationSync.ALL, parse(MIN + "sync.expectation-sync = on").expectations());
        org.hftfw.sync.ExpectationSync ftp = parse(MIN + "sync.expectation-sync = [ftp, SIP]").expectations();
        assertEquals(java.util.Set.of("ftp", "sip"), ftp.helpers());
        assertEquals("ftp,sip", ftp.describe());
        String m = problems(MIN + "sync.expectation-sync = [ftp, \"a-helper-name-too-long\", \"\"]");
        assertTrue(m.contains("sync.expectation-sync: 'a-helper-name-too-long' is not a helper name"), m);
        assertTrue(problems(MIN + "sync.expectation-sync = maybe").contains("sync.expectation-sync"));
    }
}
