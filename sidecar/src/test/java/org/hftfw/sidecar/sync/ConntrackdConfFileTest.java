package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hftfw.common.InvalidConfigException;
import org.hftfw.conntrack.TcpState;
import org.hftfw.ftfw.ConntrackdConf;
import org.hftfw.sidecar.config.ReloadableConfig;
import org.hftfw.sync.Cidr;
import org.hftfw.sync.ExpectationSync;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * conntrackd.conf read as hFT-FW settings, one test per key family: what is mapped, what is accepted with a warning
 * naming it, what is refused naming it. conntrack-tools' example files (doc/sync/ftfw, notrack, alarm, doc/stats, as
 * the Debian package ships them, doc/helper) and Debian's default conntrackd.conf, in the test resources, are read as
 * they ship and with each statement their comments offer uncommented.
 */
class ConntrackdConfFileTest {

    /** conntrack-tools' FTFW example with its Multicast section replaced by the UDP one its comments describe. */
    private static final String FTFW_UDP = """
            Sync {
            	Mode FTFW {
            		ResendQueueSize 131072
            		PurgeTimeout 60
            		ACKWindowSize 300
            		DisableExternalCache Off
            		StartupResync on
            	}
            	UDP {
            		IPv4_address 192.168.2.100
            		IPv4_Destination_Address 192.168.2.101
            		Port 3780
            		Interface eth2
            		SndSocketBuffer 1249280
            		RcvSocketBuffer 1249280
            		Checksum on
            	}
            	Options {
            		TCPWindowTracking Off
            	}
            }
            General {
            	Systemd on
            	Nice -20
            	HashSize 32768
            	HashLimit 131072
            	LogFile on
            	Syslog on
            	LockFile /var/lock/conntrack.lock
            	UNIX {
            		Path /var/run/conntrackd.ctl
            		Backlog 20
            	}
            	NetlinkBufferSize 2097152
            	NetlinkBufferSizeMaxGrowth 8388608
            	NetlinkOverrunResync On
            	NetlinkEventsReliable Off
            	EventIterationLimit 100
            	Scheduler {
            		Type FIFO
            		Priority 99
            	}
            	Filter From Userspace {
            		Protocol Accept {
            			TCP
            			SCTP
            			DCCP
            		}
            		Address Ignore {
            			IPv4_address 127.0.0.1 # loopback
            			IPv4_address 192.168.0.100 # virtual IP 1
            			IPv6_address ::1
            			IPv4_address 192.168.100.0/24
            		}
            	}
            }
            """;

    private static String resource(String name) throws IOException {
        try (InputStream in = ConntrackdConfFileTest.class.getResourceAsStream("/conntrackd/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static SyncSettings settings(String text) {
        Config c = ConntrackdConfFile.read(text, "conntrackd.conf").config();
        return SyncSettings.from(c.withFallback(SyncSettings.defaults()).resolve(), null);
    }

    private static String problems(String text) {
        return assertThrows(InvalidConfigException.class, () -> ConntrackdConfFile.read(text, "conntrackd.conf"))
                .getMessage();
    }

    @Test
    void syncSectionMapsToTheLink() {
        SyncSettings s = settings(FTFW_UDP);
        var link = s.node().link();
        assertEquals(new InetSocketAddress("192.168.2.100", 3780), link.local());
        assertEquals(new InetSocketAddress("192.168.2.101", 3780), link.peer());
        assertEquals("eth2", link.iface());
        assertEquals(131072, link.resendQueueSize());
        assertEquals(300, link.ackWindow());
        assertTrue(link.startupResync());
        assertFalse(link.tcpWindowTracking());
        assertEquals(1249280, link.socketBuffer());
        assertEquals(131072, link.cacheLimit(), "HashLimit");
        assertEquals(Duration.ofSeconds(60), s.control().purgeTimeout());
        assertEquals(org.hftfw.sync.NodeSettings.Commit.ON_TAKEOVER, s.node().backup().commit(),
                "DisableExternalCache Off: the external cache, as in conntrackd");
        assertEquals(org.hftfw.sync.NodeSettings.Commit.ON_TAKEOVER,
                settings(FTFW_UDP.replace("DisableExternalCache Off", "")).node().backup().commit(), "absent: Off");
        assertEquals(org.hftfw.sync.NodeSettings.Commit.ALWAYS, settings(FTFW_UDP.replace("DisableExternalCache Off",
                "DisableExternalCache On")).node().backup().commit(), "On: the always-committed backup");
    }

    @Test
    void generalSectionMapsTheSocketAndBuffers() {
        SyncSettings s = settings(FTFW_UDP);
        assertEquals(Path.of("/var/run/conntrackd.ctl"), s.control().socket());
        assertEquals(2097152, s.events().bufferBytes());
        assertEquals(8388608, s.events().bufferMaxBytes());
        assertFalse(s.events().reliableDestroy());
    }

    @Test
    void filterIsExactlyConntrackdsLists() {
        var f = settings(FTFW_UDP).node().filter();
        assertEquals(List.of(Cidr.parse("127.0.0.1"), Cidr.parse("192.168.0.100"), Cidr.parse("::1"),
                Cidr.parse("192.168.100.0/24")), f.ignore());
        assertEquals(java.util.Set.of(6, 132, 33), f.protocols());
        assertFalse(f.ignoreSyncAddresses() || f.ignoreLocalAddresses(), "conntrackd adds no addresses of its own");
        var ignored = settings(FTFW_UDP.replace("Protocol Accept", "Protocol Ignore")).node().filter().protocols();
        assertEquals(253, ignored.size());
        assertFalse(ignored.contains(6) || ignored.contains(132) || ignored.contains(33));
        var none = settings(FTFW_UDP.replaceAll("(?s)Protocol Accept \\{.*?\\}", "")).node().filter().protocols();
        assertTrue(none.isEmpty(), "no Protocol clause: every protocol, as in conntrackd");
    }

    /** A multicast group given as the UDP peer (a half-converted multicast config) is refused, not sent to. */
    @Test
    void syncAddressesMustBeUnicast() {
        String m = assertThrows(InvalidConfigException.class, () -> settings(FTFW_UDP.replace(
                "IPv4_Destination_Address 192.168.2.101", "IPv4_Destination_Address 225.0.0.50"))).getMessage();
        assertTrue(m.contains("sync.peer-address must be a unicast address, got 225.0.0.50 (a multicast group"), m);
        m = assertThrows(InvalidConfigException.class, () -> settings(FTFW_UDP.replace("IPv4_address 192.168.2.100",
                "IPv4_address 0.0.0.0"))).getMessage();
        assertTrue(m.contains("sync.local-address must be a unicast address, got 0.0.0.0"), m);
        m = assertThrows(InvalidConfigException.class, () -> settings(FTFW_UDP.replace("192.168.2.101",
                "192.168.2.100"))).getMessage();
        assertTrue(m.contains("sync.peer-address must not be sync.local-address"), m);
    }

    @Test
    void stateFilterMapsToTcpStates() {
        String accept = FTFW_UDP.replace("\t\tProtocol Accept", "\t\tState Accept {\n\t\t\tESTABLISHED CLOSED TIME_WAIT "
                + "CLOSE_WAIT for TCP\n\t\t}\n\t\tProtocol Accept");
        assertEquals(java.util.Set.of(TcpState.ESTABLISHED, TcpState.CLOSE, TcpState.TIME_WAIT, TcpState.CLOSE_WAIT),
                settings(accept).node().filter().tcpStates());
        var ignore = settings(accept.replace("State Accept", "State Ignore")).node().filter().tcpStates();
        assertEquals(java.util.Set.of(TcpState.SYN_SENT, TcpState.SYN_RECV, TcpState.FIN_WAIT, TcpState.LAST_ACK,
                TcpState.SYN_SENT2), ignore);
        assertTrue(settings(FTFW_UDP).node().filter().tcpStates().isEmpty(), "no State clause: every state");
        assertTrue(problems(accept.replace(" for TCP", "")).contains("needs its states followed by 'for TCP'"));
        assertTrue(problems(accept.replace("CLOSE_WAIT", "HALF_OPEN")).contains("unknown TCP state 'HALF_OPEN'"));
    }

    @Test
    void whatHasNoEffectOnReplicationIsWarnedByName() {
        List<String> w = ConntrackdConfFile.read(FTFW_UDP.replace("Checksum on", "Checksum off")
                .replace("Filter From Userspace", "Filter From Kernelspace"), "c.conf").warnings();
        for (String key : List.of("Systemd", "Nice", "HashSize", "LogFile", "Syslog", "LockFile", "Backlog",
                "NetlinkOverrunResync", "EventIterationLimit", "Scheduler", "Checksum off", "Filter From Kernelspace")) {
            assertTrue(w.stream().anyMatch(x -> x.contains(": " + key)), key + " in " + w);
        }
        assertTrue(w.stream().allMatch(x -> x.startsWith("c.conf: line ")), w.toString());
        assertEquals(12, w.size(), w.toString());
    }

    @Test
    void whatWouldChangeReplicationIsRefusedByName() {
        String m = problems(FTFW_UDP.replace("DisableExternalCache Off",
                "CommitTimeout 180\n\t\tDisableInternalCache On").replace("Systemd on", "PollSecs 15\n\tSetup yes"));
        for (String key : List.of("CommitTimeout", "DisableInternalCache On", "PollSecs", "Setup")) {
            assertTrue(m.contains(key), key + " in " + m);
        }
        assertTrue(ConntrackdConfFile.read(FTFW_UDP.replace("DisableExternalCache Off", "DisableInternalCache Off"),
                "c.conf").warnings().stream().noneMatch(w -> w.contains("DisableInternalCache")),
                "DisableInternalCache Off is hFT-FW's behaviour");
        assertTrue(problems(FTFW_UDP.replace("Mode FTFW", "Mode ALARM")).contains("Mode ALARM is not supported"));
        assertTrue(problems(FTFW_UDP.replace("Mode FTFW", "Mode NOTRACK")).contains("Mode NOTRACK is not supported"));
        assertTrue(problems(FTFW_UDP + "Stats {\n\tLogFile on\n}\n").contains("Stats mode"));
        assertTrue(problems(FTFW_UDP + "Helper {\n\tSetup yes\n}\n").contains("conntrack helpers (Helper)"));
        assertTrue(problems(FTFW_UDP.replace("\t}\n\tOptions", "\t}\n\tTCP {\n\t\tPort 3781\n\t}\n\tOptions"))
                .contains("more than one sync link"));
    }

    /** conntrackd's TCP section: the same keys as UDP's, and ErrorQueueLength (warned: the wait queue is bounded). */
    @Test
    void tcpSectionMapsToTheTcpTransport() {
        String tcp = FTFW_UDP.replace("UDP {", "TCP {").replace("Checksum on", "Checksum on\n\t\tErrorQueueLength 64");
        var link = settings(tcp).node().link();
        assertEquals(org.hftfw.ftfw.SyncTransport.tcp(), link.transport());
        assertEquals(new InetSocketAddress("192.168.2.100", 3780), link.local());
        assertEquals(new InetSocketAddress("192.168.2.101", 3780), link.peer());
        assertEquals("eth2", link.iface());
        assertEquals(1249280, link.socketBuffer());
        assertTrue(ConntrackdConfFile.read(tcp, "c.conf").warnings().stream()
                .anyMatch(w -> w.contains("ErrorQueueLength")));
        assertEquals(org.hftfw.ftfw.SyncTransport.udp(), settings(FTFW_UDP).node().link().transport());
        var v6 = settings(tcp.replace("IPv4_address 192.168.2.100", "IPv6_address fd00::1")
                .replace("IPv4_Destination_Address 192.168.2.101", "IPv6_Destination_Address fd00::2")).node().link();
        assertEquals(new InetSocketAddress("fd00::2", 3780), v6.peer());
    }

    /**
     * conntrackd's Multicast section: the group, its port (Group) and interface (IPv4_interface: our address on it);
     * the peer whose datagrams are read is not in conntrackd.conf and comes from hftfw.conf.
     */
    @Test
    void multicastSectionMapsToTheMulticastTransportWithThePeerFromHftfwConf(@TempDir Path dir) throws IOException {
        String mcast = FTFW_UDP.replace("\t\tIPv4_Destination_Address 192.168.2.101\n", "")
                .replace("UDP {", "Multicast {").replace("IPv4_address 192.168.2.100",
                        "IPv4_address 225.0.0.50\n\t\tIPv4_interface 192.168.2.100").replace("Port 3780", "Group 3790");
        Path c = Files.writeString(dir.resolve("conntrackd.conf"), mcast);
        String m = assertThrows(InvalidConfigException.class, () -> SyncCommand.load(c)).getMessage();
        assertTrue(m.contains("sync.peer-address is required with sync.transport = multicast"), m);
        Path h = Files.writeString(dir.resolve("hftfw.conf"), "sync.peer-address = 192.168.2.101\n");
        try (ReloadableConfig<SyncSettings> rc = SyncCommand.load(h, c, true)) {
            var link = rc.get().node().link();
            assertEquals(new org.hftfw.ftfw.SyncTransport.Multicast(java.net.InetAddress.ofLiteral("225.0.0.50")),
                    link.transport());
            assertEquals(new InetSocketAddress("192.168.2.100", 3790), link.local());
            assertEquals(new InetSocketAddress("192.168.2.101", 3790), link.peer());
            assertEquals("eth2", link.iface());
        }
        String v6 = mcast.replace("IPv4_address 225.0.0.50\n\t\tIPv4_interface 192.168.2.100",
                "IPv6_address ff02::3780\n\t\tIPv6_interface fe80::1");
        Files.writeString(c, v6);
        Files.writeString(h, "sync.peer-address = \"fe80::2\"\n");
        try (ReloadableConfig<SyncSettings> rc = SyncCommand.load(h, c, true)) {
            var link = rc.get().node().link();
            assertTrue(link.local().getAddress().isAnyLocalAddress(), "an IPv6 group needs no local address");
            assertEquals(new InetSocketAddress("fe80::2", 3790), link.peer());
        }
        assertTrue(ConntrackdConfFile.read(v6, "c.conf").warnings().stream()
                .anyMatch(w -> w.contains("IPv6_interface")));
        m = assertThrows(InvalidConfigException.class, () -> settings(mcast.replace("225.0.0.50", "192.168.2.50")))
                .getMessage();
        assertTrue(m.contains("sync.multicast-group must be a multicast group"), m);
    }

    /** Address Accept is conntrackd's positive address list; with Address Ignore in the same Filter it is refused. */
    @Test
    void addressAcceptMapsToTheAcceptList() {
        var f = settings(FTFW_UDP.replace("Address Ignore", "Address Accept")).node().filter();
        assertEquals(List.of(Cidr.parse("127.0.0.1"), Cidr.parse("192.168.0.100"), Cidr.parse("::1"),
                Cidr.parse("192.168.100.0/24")), f.accept());
        assertEquals(List.of(), f.ignore());
        String both = FTFW_UDP.replace("\t\tAddress Ignore {", "\t\tAddress Accept {\n\t\t\tIPv4_address 10.0.0.0/8\n"
                + "\t\t}\n\t\tAddress Ignore {");
        assertTrue(problems(both).contains("Address Accept and Address Ignore in one Filter"), problems(both));
    }

    @Test
    void expectationSyncMapsToItsHoconKey() {
        assertEquals(ExpectationSync.ALL,
                settings(FTFW_UDP.replace("TCPWindowTracking Off", "ExpectationSync On")).expectations());
        assertEquals(ExpectationSync.OFF,
                settings(FTFW_UDP.replace("TCPWindowTracking Off", "ExpectationSync Off")).expectations());
        assertEquals(ExpectationSync.of(java.util.Set.of("ftp", "sip")), settings(FTFW_UDP.replace(
                "TCPWindowTracking Off", "ExpectationSync {\n ftp\n sip\n }")).expectations());
        assertEquals(ExpectationSync.OFF, settings(FTFW_UDP).expectations());
    }

    /**
     * conntrackd's grammar ignores line breaks: the whole example on one line, several statements per line and a
     * value on the line after its keyword are read as conntrackd reads them (stock 1.4.7 starts on such a file), and
     * words after a one-value keyword's value are a statement of their own, refused by name when unknown.
     */
    @Test
    void statementsAreReadAcrossLineBreaksAsConntrackdReadsThem() {
        String oneLine = FTFW_UDP.replaceAll("#[^\n]*", "").replace('\n', ' ');
        assertEquals(ConntrackdConfFile.read(FTFW_UDP, "c.conf").config().root().unwrapped(),
                ConntrackdConfFile.read(oneLine, "c.conf").config().root().unwrapped());
        assertEquals(ConntrackdConfFile.read(FTFW_UDP, "c.conf").warnings().size(),
                ConntrackdConfFile.read(oneLine, "c.conf").warnings().size(), "the same warnings");

        SyncSettings s = settings(FTFW_UDP.replace("ACKWindowSize 300\n", "").replace("ResendQueueSize 131072",
                        "ResendQueueSize 131072 ACKWindowSize 20")
                .replace("TCPWindowTracking Off", "TCPWindowTracking On ExpectationSync On")
                .replace("Port 3780", "Port\n3781"));
        assertEquals(20, s.node().link().ackWindow());
        assertEquals(131072, s.node().link().resendQueueSize());
        assertTrue(s.node().link().tcpWindowTracking());
        assertEquals(ExpectationSync.ALL, s.expectations());
        assertEquals(new InetSocketAddress("192.168.2.101", 3781), s.node().link().peer());
        assertEquals(List.of(Cidr.parse("10.0.0.1"), Cidr.parse("10.0.0.2")), settings(FTFW_UDP.replace(
                "IPv4_address 127.0.0.1 # loopback", "IPv4_address 10.0.0.1 IPv4_address 10.0.0.2")
                .replaceAll("(?m)^\\s*IPv[46]_address (192.168.0.100|::1|192.168.100.0/24).*$", ""))
                .node().filter().ignore());

        String m = problems(FTFW_UDP.replace("Port 3780", "Port 3780 extra words"));
        assertTrue(m.contains("unknown conntrackd.conf keyword 'extra words' here"), m);
    }

    /** conntrackd reads mode names in any case and NACK as FTFW's old name (read_config_lex.l). */
    @Test
    void modeNamesAreReadInAnyCase() {
        assertEquals(131072, settings(FTFW_UDP.replace("Mode FTFW", "Mode ftfw")).node().link().resendQueueSize());
        List<String> w = ConntrackdConfFile.read(FTFW_UDP.replace("Mode FTFW", "Mode nack"), "c.conf").warnings();
        assertTrue(w.stream().anyMatch(x -> x.contains("Mode NACK is FTFW's old name")), w.toString());
        assertTrue(problems(FTFW_UDP.replace("Mode FTFW", "Mode notrack")).contains("Mode notrack is not supported"));
    }

    @Test
    void unknownKeywordsAreErrorsWithASuggestion() {
        String m = problems(FTFW_UDP.replace("HashLimit", "Hashlimit").replace("Port 3780", "Prot 3780"));
        assertTrue(m.contains("line 26: unknown conntrackd.conf keyword 'Hashlimit 131072' here (did you mean "
                + "HashLimit?)"), m);
        assertTrue(m.contains("unknown conntrackd.conf keyword 'Prot 3780' here (did you mean Port?)"), m);
        assertTrue(problems("Sync {\n Mode FTFW {\n").contains("is never closed"));
    }

    /** hftfw.conf's keys are checked the same way (the issue's own example). */
    @Test
    void unknownHoconKeysAreErrorsWithASuggestion(@TempDir Path dir) throws IOException {
        Path h = Files.writeString(dir.resolve("hftfw.conf"), "sync.prot = 3780\n");
        String m = assertThrows(InvalidConfigException.class, () -> SyncCommand.load(h)).getMessage();
        assertTrue(m.contains("unknown key sync.prot (did you mean sync.port?)"), m);
    }

    /**
     * A changed conntrackd.conf is read whole and validated before it replaces the running settings in one step; a
     * file that does not validate (half written, or refused) leaves them as they are and is logged once.
     */
    @Test
    void aConntrackdConfReloadIsValidatedWholeAndARefusedOneIsLoggedOnce(@TempDir Path dir) throws Exception {
        Path c = Files.writeString(dir.resolve("conntrackd.conf"), FTFW_UDP);
        try (ReloadableConfig<SyncSettings> rc = SyncCommand.load(dir.resolve("absent.conf"), c, false);
             org.hftfw.sync.LogCapture log = new org.hftfw.sync.LogCapture()) {
            Files.writeString(c, FTFW_UDP.replace("ACKWindowSize 300", "ACKWindowSize 200"));
            assertTrue(rc.reload());
            assertEquals(200, rc.get().node().link().ackWindow());
            String half = FTFW_UDP.substring(0, FTFW_UDP.indexOf("General {") + 12);
            Files.writeString(c, half.replace("ACKWindowSize 300", "ACKWindowSize 100"));
            assertFalse(rc.reload(), "a half-written file");
            assertEquals(200, rc.get().node().link().ackWindow(), "the running settings stay");
            Files.writeString(c, FTFW_UDP.replace("Mode FTFW", "Mode NOTRACK"));
            assertFalse(rc.reload());
            assertFalse(rc.reload(), "the same refused file again");
            assertEquals(2, rc.rejected());
            assertEquals(1, log.count("Mode NOTRACK is not supported"), log.lines().toString());
            assertEquals(200, rc.get().node().link().ackWindow());
        }
    }

    /** The test resources are the files the conntrackd package installs, when it is installed here. */
    @Test
    void theExampleCopiesAreThePackagesFiles() throws IOException {
        java.util.Map<String, String> installed = java.util.Map.of("ftfw.conf", "sync/ftfw/conntrackd.conf",
                "notrack.conf", "sync/notrack/conntrackd.conf", "alarm.conf", "sync/alarm/conntrackd.conf",
                "stats.conf", "stats/conntrackd.conf");
        Path examples = Path.of("/usr/share/doc/conntrackd/examples");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(examples), "the conntrackd package's examples");
        for (var e : installed.entrySet()) {
            assertEquals(Files.readString(examples.resolve(e.getValue())), resource(e.getKey()), e.getKey());
        }
    }

    @Test
    void debianExamplesAreReadAsTheyShip() throws IOException {
        String ftfw = assertThrows(InvalidConfigException.class, () -> settings(resource("ftfw.conf"))).getMessage();
        assertTrue(ftfw.contains("sync.peer-address is required with sync.transport = multicast"), ftfw);
        assertEquals(1, ftfw.split("; ").length, "the peer's address is all it lacks: " + ftfw);
        String notrack = problems(resource("notrack.conf"));
        assertTrue(notrack.contains("Mode NOTRACK is not supported"), notrack);
        String alarm = problems(resource("alarm.conf"));
        assertTrue(alarm.contains("Mode ALARM is not supported"), alarm);
        assertFalse(alarm.contains("unknown"), alarm);
        String stats = problems(resource("stats.conf"));
        assertTrue(stats.contains("Stats mode") && stats.contains("no Sync section"), stats);
        String debian = problems(resource("debian-default.conf"));
        assertTrue(debian.contains("no Sync section") && debian.contains("Stats mode"), debian);
        String helper = problems(resource("helper.conf"));
        assertTrue(helper.contains("user-space conntrack helpers (Helper)") && helper.contains("no Sync section"),
                helper);
        for (String f : EXAMPLES) {
            assertTrue(ConntrackdConfFile.looksLikeConntrackd(resource(f)), f);
        }
        assertFalse(ConntrackdConfFile.looksLikeConntrackd("sync { port = 3780 }\n"), "HOCON");
        assertFalse(ConntrackdConfFile.looksLikeConntrackd("sync.port = 3780\n"), "HOCON");
    }

    /** conntrack-tools' example files (doc/sync, doc/stats, doc/helper), Debian's default conntrackd.conf. */
    private static final List<String> EXAMPLES = List.of("ftfw.conf", "notrack.conf", "alarm.conf", "stats.conf",
            "helper.conf", "debian-default.conf");

    /** The words conntrackd's lexer knows as keywords (conntrack-tools src/read_config_lex.l). */
    private static final Set<String> LEXER_KEYWORDS = Set.of("UNIX", "IPv4_address", "IPv6_address",
            "IPv4_Destination_Address", "IPv6_Destination_Address", "IPv4_interface", "IPv6_interface", "Interface",
            "Multicast", "UDP", "TCP", "HashSize", "RefreshTime", "CacheTimeout", "CommitTimeout", "HashLimit", "Path",
            "Backlog", "Group", "Port", "LogFile", "Syslog", "LockFile", "General", "Sync", "Stats",
            "SocketBufferSize", "SocketBufferSizeMaxGrown", "SocketBufferSizeMaxGrowth", "NetlinkBufferSize",
            "NetlinkBufferSizeMaxGrowth", "Mode", "ResendQueueSize", "Checksum", "ACKWindowSize", "SndSocketBuffer",
            "RcvSocketBuffer", "Filter", "Protocol", "Address", "State", "PurgeTimeout", "EventIterationLimit",
            "PollSecs", "NetlinkOverrunResync", "Nice", "Scheduler", "Type", "Priority", "NetlinkEventsReliable",
            "DisableInternalCache", "DisableExternalCache", "Options", "TCPWindowTracking", "ExpectationSync",
            "ErrorQueueLength", "Helper", "QueueNum", "QueueLen", "Policy", "ExpectMax", "ExpectTimeout", "Systemd",
            "StartupResync", "Setup");

    /**
     * Every keyword of the example files, the ones they set and the ones their comments offer, is mapped, warned by
     * name or refused by name: none is unknown, and none is silently dropped. Each commented-out statement (a line,
     * or a block through its closing brace) is uncommented alone and the file reviewed again; the review must differ
     * from the file's own (a setting, a warning or an error more), unless the statement sits in a section refused as
     * a whole (Mode NOTRACK or ALARM, Stats, Helper), whose refusal names it.
     */
    @Test
    void everyKeywordOfTheExampleFilesIsMappedWarnedOrRefused() throws IOException {
        java.util.Map<String, Integer> tried = new java.util.TreeMap<>();
        for (String name : EXAMPLES) {
            int statements = 0;
            String text = resource(name);
            ConntrackdConfFile.Review base = ConntrackdConfFile.review(text, name);
            assertTrue(base.problems().stream().noneMatch(p -> p.contains("unknown")), name + ": " + base.problems());
            String[] lines = text.split("\n", -1);
            List<String> open = new ArrayList<>();                 // the enclosing live blocks' headers
            for (int i = 0; i < lines.length; i++) {
                String[] variant = lines.clone();
                int end = uncommentStatement(variant, i, !open.isEmpty() && isList(open.getLast()));
                if (end >= 0) {
                    String where = name + " line " + (i + 1) + " '" + lines[i].strip() + "'";
                    ConntrackdConfFile.Review r = ConntrackdConfFile.review(String.join("\n", variant), name);
                    assertTrue(r.problems().stream().noneMatch(p -> p.contains("unknown")), where + ": " + r);
                    String refusedWhole = open.stream().filter(ConntrackdConfFileTest::refusedWhole).findFirst()
                            .orElse(null);
                    if (refusedWhole == null) {
                        assertNotEquals(base, r, where + " has no visible effect");
                    } else {
                        assertEquals(base, r, where);
                        assertTrue(base.problems().stream().anyMatch(p -> p.contains(refusedWhole)),
                                where + ": refused with its section " + refusedWhole + ": " + base.problems());
                    }
                    statements++;
                    i = end;                                       // a block's lines were tried with it
                    continue;
                }
                String live = lines[i].replaceAll("#.*", "");
                for (int k = 0; k < live.length(); k++) {
                    char c = live.charAt(k);
                    if (c == '{') {
                        open.add(live.substring(0, live.indexOf('{')).strip());
                    } else if (c == '}') {
                        open.removeLast();
                    }
                }
            }
            tried.put(name, statements);
        }
        // what the files' comments offer: each link section, Options and State Accept as one block, each list item
        assertEquals(java.util.Map.of("alarm.conf", 17, "debian-default.conf", 0, "ftfw.conf", 20, "helper.conf", 1,
                "notrack.conf", 20, "stats.conf", 9), tried);
    }

    private static boolean isList(String header) {
        return header.startsWith("Protocol ") || header.startsWith("Address ") || header.startsWith("State ")
                || header.equals("ExpectationSync");
    }

    /** A section refused as a whole, its contents unread: conntrackd's other modes. */
    private static boolean refusedWhole(String header) {
        return header.equals("Stats") || header.equals("Helper")
                || (header.startsWith("Mode ") && !header.equals("Mode FTFW"));
    }

    private static final java.util.regex.Pattern COMMENTED = java.util.regex.Pattern.compile("^(\\s*)#\\s?(.*)$");

    /**
     * Uncomments, in {@code lines}, the commented-out statement on line {@code i}, if it is one, and returns its last
     * line (-1: none). A statement is a lexer keyword not followed by prose (at most three words, the second not a
     * lower-case word other than on/off/yes/no), or a block opening (a keyword line ending in an opening brace) with
     * its statements, list items and closing braces down to the one that closes it, its prose left commented; in a
     * list block (live or uncommented with it), a short line is a list item.
     */
    private static int uncommentStatement(String[] lines, int i, boolean inList) {
        List<Boolean> lists = new ArrayList<>();           // the uncommented blocks open, whether each is a list
        for (int j = i; j < lines.length; j++) {
            java.util.regex.Matcher m = COMMENTED.matcher(lines[j]);
            if (!m.matches()) {
                if (j == i) {
                    return -1;
                }
                continue;
            }
            String t = m.group(2).strip();
            boolean list = lists.isEmpty() ? inList && j == i : lists.getLast();
            boolean closes = !lists.isEmpty() && t.equals("}");
            if (!closes && !(list ? listItem(t) : statement(t))) {
                if (j == i) {
                    return -1;
                }
                continue;                                       // prose inside the block
            }
            lines[j] = m.group(1) + m.group(2);
            if (closes) {
                lists.removeLast();
            } else if (t.endsWith("{")) {
                lists.add(isList(t.substring(0, t.length() - 1).strip()));
            }
            if (lists.isEmpty()) {
                return j;
            }
        }
        throw new AssertionError("line " + (i + 1) + ": a commented block that never closes");
    }

    private static boolean statement(String t) {
        String[] w = t.split("\\s+", -1);
        if (!LEXER_KEYWORDS.contains(w[0]) || t.endsWith(":")) {
            return false;
        }
        return t.endsWith("{") || (w.length <= 3 && (w.length == 1 || !w[1].matches("[a-z]+")
                || w[1].matches("on|off|yes|no")));
    }

    private static boolean listItem(String t) {
        String item = t.replaceAll("\\s#.*", "").strip();
        return !item.isEmpty() && !item.startsWith("#") && item.split("\\s+", -1).length <= 6
                && !item.endsWith(":") && !item.endsWith(".") && Character.isLetterOrDigit(item.charAt(0))
                && !item.matches("[A-Z][a-z].*");                  // prose starts with a capitalised word
    }

    @Test
    void theLabsConntrackdConfIsReadWhole(@TempDir Path dir) throws IOException {
        Path f = ConntrackdConf.lab(dir, "fw", "10.236.0.1", "10.236.0.2", List.of("127.0.0.1", "::1")).write();
        try (ReloadableConfig<SyncSettings> rc = SyncCommand.load(f)) {
            SyncSettings s = rc.get();
            assertEquals(new InetSocketAddress("10.236.0.2", 3780), s.node().link().peer());
            assertEquals(dir.resolve("fw.ctl"), s.control().socket());
            assertEquals(262144, s.node().link().cacheLimit());
        }
    }

    @Test
    void hftfwConfBesideItHoldsTheRestAndMayNotRepeatAKey(@TempDir Path dir) throws IOException {
        Path c = Files.writeString(dir.resolve("conntrackd.conf"), FTFW_UDP);
        Path h = Files.writeString(dir.resolve("hftfw.conf"), "lazy.enabled = true\nmetrics.enabled = false\n");
        try (ReloadableConfig<SyncSettings> rc = SyncCommand.load(h, c, true)) {
            assertTrue(rc.get().node().lazy().enabled());
            assertEquals(3780, rc.get().node().link().local().getPort());
        }
        Files.writeString(h, "sync.port = 3781\n");
        String m = assertThrows(InvalidConfigException.class, () -> SyncCommand.load(h, c, true)).getMessage();
        assertTrue(m.contains("sync.port is set in both"), m);
        Files.writeString(h, "lazy.enable = true\n");
        m = assertThrows(InvalidConfigException.class, () -> SyncCommand.load(h, c, true)).getMessage();
        assertTrue(m.contains("unknown key lazy.enable (did you mean lazy.enabled?)"), m);
        Files.writeString(h, "filter.ignore-addresses = [\"10.0.0.0/8\"]\n");
        m = assertThrows(InvalidConfigException.class, () -> SyncCommand.load(h, c, true)).getMessage();
        assertTrue(m.contains("filter.ignore-addresses is set in both"), m);
        // the packaged sample restates every default (no clash, conntrackd.conf's values stand) but for its two
        // example addresses, which must be the conntrackd.conf's or go
        String sample = Files.readString(Path.of("../conf/hftfw.conf"));
        Files.writeString(h, sample);
        m = assertThrows(InvalidConfigException.class, () -> SyncCommand.load(h, c, true)).getMessage();
        assertEquals(2, m.split("is set in both").length - 1, m);
        assertTrue(m.contains("sync.local-address is set in both") && m.contains("sync.peer-address is set in both"));
        Files.writeString(h, sample.replace("192.168.100.1", "192.168.2.100").replace("192.168.100.2", "192.168.2.101"));
        try (ReloadableConfig<SyncSettings> rc = SyncCommand.load(h, c, true)) {
            assertEquals(3780, rc.get().node().link().peer().getPort());
            assertEquals(2097152, rc.get().events().bufferBytes(), "NetlinkBufferSize, not the sample's default");
            assertFalse(rc.get().node().filter().ignoreLocalAddresses(), "conntrackd's filter, not the sample's");
        }
        Files.writeString(h, "filter.ignore-local-addresses = false\nfilter.protocols = [tcp]\n");
        Files.writeString(c, FTFW_UDP.replaceAll("(?s)Protocol Accept \\{.*?\\}", ""));
        try (ReloadableConfig<SyncSettings> rc = SyncCommand.load(h, c, true)) {
            assertEquals(java.util.Set.of(6), rc.get().node().filter().protocols(),
                    "a changed value fills what the conntrackd.conf left to its defaults");
        }
    }
}
