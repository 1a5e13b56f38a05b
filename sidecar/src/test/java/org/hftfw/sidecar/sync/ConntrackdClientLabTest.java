package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hftfw.conntrack.lab.FirewallTopology;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.ftfw.ConntrackdConf;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stock {@code conntrackd} client (conntrack-tools 1.4.7) and the stock keepalived script primary-backup.sh
 * against hFT-FW daemons, checked on the kernel tables: every client flag does what it does against conntrackd, a
 * request hFT-FW cannot carry out answers a line starting {@code hftfw:} and is counted, and the script's primary,
 * backup and fault transitions commit, resync and purge as they do with conntrackd. Both firewalls run hFT-FW
 * ({@code both}); bk reads its settings from a stock conntrackd.conf (and an hftfw.conf beside it), fw from an
 * hftfw.conf naming the socket its conntrackd.conf names; the client finds each socket in the conntrackd.conf.
 */
@Tag("lab")
class ConntrackdClientLabTest {
    private static final Logger LOG = LoggerFactory.getLogger(ConntrackdClientLabTest.class);
    private static final Path PRIMARY_BACKUP_SH = Path.of("/usr/share/doc/conntrackd/examples/sync/primary-backup.sh");
    private static final Path STOCK_CONF = Path.of("/etc/conntrackd/conntrackd.conf");

    @BeforeEach
    void capable() {
        SyncLab.assumeCapable();
    }

    /** The lab with hFT-FW on fw and bk, and the conntrackd.conf files that name their control sockets. */
    private record Pair(SyncLab lab, SyncDaemon fw, SyncDaemon bk, Path fwConf, Path bkConf) {}

    private static final java.util.Map<Path, NetnsLab.Netns> CLIENT_NS = new java.util.concurrent.ConcurrentHashMap<>();

    private static Pair pair(SyncLab l) throws Exception {
        List<String> ignore = List.of("127.0.0.1", "10.236.0.0/24", "10.230.1.1", "10.230.2.1", "::1");
        ConntrackdConf fwc = ConntrackdConf.lab(l.dir, "fw-conntrackd", SyncLab.FW_SYNC, SyncLab.BK_SYNC, ignore)
                .withProtocols(List.of("TCP", "UDP"));
        ConntrackdConf bkc = ConntrackdConf.lab(l.dir, "bk-conntrackd", SyncLab.BK_SYNC, SyncLab.FW_SYNC, ignore)
                .withProtocols(List.of("TCP", "UDP"));
        Path fwConf = fwc.write();
        // bk runs from its conntrackd.conf itself (PurgeTimeout 1 for the -t checks), with an hftfw.conf beside it
        // for what conntrackd.conf has no word for
        Path bkConf = Files.writeString(bkc.file(), bkc.render().replace("DisableExternalCache Off",
                "DisableExternalCache Off\n\t\tPurgeTimeout 1"));
        Path bkOwn = Files.writeString(l.dir.resolve("bk-own.conf"), """
                metrics.address = "127.0.0.1:0"
                sync.alive-interval = 200ms
                """);
        SyncDaemon fw = l.startHftfw(l.topo.fw, SyncNode.Role.BOTH, l.hftfwConf("fw", SyncLab.FW_SYNC,
                SyncLab.BK_SYNC, "control.purge-timeout = 1s\nfilter.protocols = [tcp, udp]\ncontrol.socket = \""
                        + fwc.controlSocket() + "\""));
        SyncDaemon bk = l.startHftfw(l.bk, SyncNode.Role.BOTH, SyncCommand.load(bkOwn, bkConf, true));
        assertEquals(bkc.controlSocket(), bk.control().path(), "UNIX { Path } of the conntrackd.conf");
        CLIENT_NS.put(fwConf, l.topo.fw);
        CLIENT_NS.put(bkConf, l.bk);
        return new Pair(l, fw, bk, fwConf, bkConf);
    }

    private static List<Socket> traffic(FirewallTopology t) {
        List<Socket> open = new ArrayList<>();
        for (String server : new String[] {FirewallTopology.SERVER4, FirewallTopology.SERVER6}) {
            for (int i = 0; i < 3; i++) {
                open.add(t.openTcp(server, 8080));
                assertEquals("dns" + i, t.udp(server, 5353, "dns" + i));
            }
        }
        return open;
    }

    /**
     * {@code conntrackd -C conf ARGS} run by the stock client in the namespace of the node the file describes, as a
     * notify script runs it; it exits 0 whenever it reached the daemon.
     */
    private static String client(Path conf, String... args) {
        List<String> cmd = new ArrayList<>(List.of("conntrackd", "-C", conf.toString()));
        cmd.addAll(List.of(args));
        NetnsLab.Result r = CLIENT_NS.get(conf).exec(cmd.toArray(String[]::new));
        assertEquals(0, r.exitCode(), "conntrackd " + String.join(" ", args) + ": " + r.stderr());
        return r.stdout();
    }

    @Test
    void everyClientRequestAgainstHftfw() throws Exception {
        try (SyncLab l = new SyncLab()) {
            Pair p = pair(l);
            List<Socket> open = traffic(l.topo);
            try {
                Set<String> flows = SyncLab.clientFlows(l.topo.fw);
                assertEquals(12, flows.size(), flows.toString());
                SyncLab.await("conntrackd -e on bk shows every flow of fw", 10_000,
                        () -> flows.stream().allMatch(f -> client(p.bkConf, "-e").contains(SyncLab.originalTuple(f))));

                // -e: conntrackd's external cache lines (no reply tuple, no timeout, "active since")
                String e = client(p.bkConf, "-e");
                assertTrue(e.lines().allMatch(x -> x.matches("(tcp      6 ESTABLISHED|udp      17) src=\\S+ dst=\\S+ "
                        + "sport=\\d+ dport=\\d+ (\\[UNREPLIED\\] )?(\\[ASSURED\\] )?mark=0 \\[active since \\d+s\\]")), e);
                // -i: the flows the peer holds, with their reply tuples
                String i = client(p.fwConf, "-i");
                for (String f : flows) {
                    assertTrue(i.contains(SyncLab.originalTuple(f)), f + " in " + i);
                }
                assertTrue(client(p.bkConf, "-e", "-x").lines().allMatch(x -> x.startsWith("<flow><meta direction="
                        + "\"original\">") && x.contains("<meta direction=\"reply\"><layer3 protonum=\"0\"")), "-e -x");
                assertTrue(client(p.fwConf, "-i", "-x").contains("<layer4 protonum=\"6\" protoname=\"tcp\">"), "-i -x");
                // -i ct and -e ct send the requests of -i and -e (the flows' states may move on between two calls)
                String ict = client(p.fwConf, "-i", "ct");
                String ect = client(p.bkConf, "-e", "ct");
                for (String f : flows) {
                    assertTrue(ict.contains(SyncLab.originalTuple(f)) && ect.contains(SyncLab.originalTuple(f)),
                            f + " in -i ct " + ict + " and -e ct " + ect);
                }

                // -s and its variants, in conntrackd's layout
                String s = client(p.bkConf, "-s");
                assertTrue(s.startsWith("cache internal:\ncurrent active connections:\t") && s.contains(
                        "cache external:\ncurrent active connections:\t          12\n") && s.contains(
                        "UDP traffic (active device=sync):\n") && s.contains("message tracking:\n"), s);
                assertTrue(client(p.bkConf, "-s", "ct").startsWith("cache internal:\n"), "-s ct: the request of -s");
                assertTrue(client(p.bkConf, "-s", "network").startsWith("network statistics:\n\trecv:\n"), "-s network");
                assertTrue(client(p.bkConf, "-s", "cache").startsWith("cache:internal\tactive objects:"), "-s cache");
                assertTrue(client(p.bkConf, "-s", "runtime").matches("(?s)daemon uptime: \\d+ min\n\nnetlink stats:.*"
                        + "local unknown request:\t\t           0\n\n"), "-s runtime");
                assertTrue(client(p.bkConf, "-s", "link").startsWith("UDP traffic (active device=sync):"), "-s link");
                assertTrue(client(p.bkConf, "-s", "multicast").startsWith("UDP traffic (active device=sync):"),
                        "-s multicast: the client's old name of -s link");
                resendQueue(client(p.bkConf, "-s", "rsqueue"));       // checks conntrackd's layout line by line
                assertTrue(client(p.bkConf, "-s", "queue").startsWith("queue txqueue:\ncurrent elements:"), "-s queue");
                assertEquals("", client(p.bkConf, "-s", "process"));

                // -c: synchronous commit, the backup's kernel table is the primary's
                assertTrue(SyncLab.clientFlows(l.bk).isEmpty());
                assertEquals("", client(p.bkConf, "-c"));
                assertEquals(flows, SyncLab.clientFlows(l.bk), "after conntrackd -c");

                // -F: the replicated flows leave the kernel table; -c brings them back
                assertEquals("", client(p.bkConf, "-F"));
                assertTrue(SyncLab.clientFlows(l.bk).isEmpty(), "after conntrackd -F");
                client(p.bkConf, "-c", "ct");
                assertEquals(flows, SyncLab.clientFlows(l.bk));
                assertEquals("", client(p.bkConf, "-F", "ct"));
                assertTrue(SyncLab.clientFlows(l.bk).isEmpty(), "after conntrackd -F ct");
                client(p.bkConf, "-c");
                assertEquals(flows, SyncLab.clientFlows(l.bk));

                // -t arms a flush PurgeTimeout later; a commit disarms it; a second -t flushes
                client(p.bkConf, "-t");
                assertTrue(p.bk.conntrackd().purgeArmed());
                client(p.bkConf, "-c");
                assertFalse(p.bk.conntrackd().purgeArmed(), "a commit disarms -t, as in conntrackd");
                client(p.bkConf, "-t");
                SyncLab.await("-t flushed the replicated flows 1 s later", 5_000,
                        () -> SyncLab.clientFlows(l.bk).isEmpty());

                // -f external, then -n refills it from the peer; -f, then -B on the peer refills it
                client(p.bkConf, "-f", "external");
                assertEquals("", client(p.bkConf, "-e"));
                client(p.bkConf, "-n");
                SyncLab.await("-n: the peer resent its table", 10_000,
                        () -> p.bk.node().channel().externalCache().size() == flows.size());
                client(p.bkConf, "-f");
                assertEquals(0, p.bk.node().channel().externalCache().size());
                client(p.fwConf, "-B");
                SyncLab.await("-B on fw: bk holds its table again", 10_000,
                        () -> p.bk.node().channel().externalCache().size() == flows.size());
                // CT_FLUSH_CACHE (19; no client flag sends it, conntrackd still serves it) empties the flow caches
                assertEquals("", raw(p.bk.control().path(), 19));
                assertEquals(0, p.bk.node().channel().externalCache().size(), "request 19 emptied the external cache");
                client(p.fwConf, "-f", "internal");
                assertEquals("", client(p.fwConf, "-i"), "-f internal empties the internal cache");
                assertEquals("", client(p.fwConf, "-R"));
                assertEquals("", client(p.fwConf, "-R", "ct"));

                // what hFT-FW cannot carry out is visible: a "hftfw:" line, a log line, a counter
                long refused = p.bk.conntrackd().refused();
                // the expectation cache is committed and listed (empty here: no helper traffic); without
                // ExpectationSync the verbs on the local expectations are refused (conntrackd ignores them);
                // ExpectationSyncLabTest runs them with it
                assertEquals("", client(p.bkConf, "-c", "expect"));
                assertEquals("", client(p.bkConf, "-e", "expect"));
                for (String[] args : List.of(new String[] {"-s", "expect"}, new String[] {"-i", "expect"},
                        new String[] {"-F", "expect"}, new String[] {"-R", "expect"})) {
                    assertTrue(client(p.bkConf, args).startsWith("hftfw: conntrackd " + String.join(" ", args)
                            + ": this node does not replicate expectations"), String.join(" ", args));
                }
                assertTrue(raw(p.bk.control().path(), 49).startsWith("hftfw: conntrackd request 49 is not one"));
                // DEBUG_INFO (27) is defined but served by no conntrackd: refused the same way
                assertTrue(raw(p.bk.control().path(), 27).startsWith("hftfw: conntrackd request 27 is not one"));
                assertEquals(refused + 6, p.bk.conntrackd().refused());
                assertEquals(2, p.bk.conntrackd().unknown());
                assertTrue(client(p.bkConf, "-s", "runtime").contains("local unknown request:\t\t           2\n"));

                // -k stops the daemon
                assertEquals("", client(p.bkConf, "-k"));
                assertTrue(p.bk.stopRequested().await(10, java.util.concurrent.TimeUnit.SECONDS), "-k stopped the daemon");
                LOG.info("served: {}", p.bk.conntrackd().served());
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }

    /**
     * {@code -s rsqueue} lists each message awaiting the peer's ACK as conntrackd does (src/sync-ftfw.c,
     * ftfw_local_queue, rs_queue_dump): the same twelve flows through fw with no peer to ACK them, once with a stock
     * conntrackd on fw and once with hFT-FW, each asked with the stock client, read by one grammar. hFT-FW's queue
     * also holds its StartupResync request (a RESYNC, flags 2), which the lab's conntrackd.conf leaves off.
     */
    @Test
    void resendQueueIsListedEntryByEntryAsConntrackdListsIt() throws Exception {
        List<String> stock = resendQueueWithoutPeer(false);
        List<String> hftfw = resendQueueWithoutPeer(true);
        assertEquals(12, stock.stream().filter(x -> x.startsWith("object")).count(), "stock conntrackd: " + stock);
        assertEquals(12, hftfw.stream().filter(x -> x.startsWith("object")).count(), "hFT-FW: " + hftfw);
        assertTrue(hftfw.contains("control flags:2"), "the StartupResync request awaits its ACK: " + hftfw);
    }

    /**
     * The entries of {@code -s rsqueue} from fw, a stock conntrackd or hFT-FW, after twelve flows with nobody at the
     * peer's address: each as its kind ({@code object}, or {@code control flags:F}), in queue order.
     */
    private static List<String> resendQueueWithoutPeer(boolean hftfw) throws Exception {
        try (SyncLab l = new SyncLab()) {
            Path conf = l.conntrackdConf("fw", SyncLab.FW_SYNC, SyncLab.BK_SYNC);
            if (hftfw) {
                l.startHftfw(l.topo.fw, SyncNode.Role.BOTH, SyncCommand.load(
                        Files.writeString(l.dir.resolve("beside.conf"), "metrics.address = \"127.0.0.1:0\"\n"),
                        conf, true));
            } else {
                l.startConntrackd(l.topo.fw, conf);
            }
            CLIENT_NS.put(conf, l.topo.fw);
            List<Socket> open = traffic(l.topo);
            try {
                List<List<String>> seen = new ArrayList<>(List.of(List.of()));
                SyncLab.await("-s rsqueue lists a state of each of the twelve flows"
                        + (hftfw ? " and the StartupResync request" : ""), 10_000, () -> {
                    seen.set(0, resendQueue(client(conf, "-s", "rsqueue")));
                    return seen.getFirst().stream().filter(x -> x.startsWith("object")).count() == 12
                            && (!hftfw || seen.getFirst().contains("control flags:2"));
                });
                LOG.info("{} -s rsqueue: {}", hftfw ? "hFT-FW" : "conntrackd", seen.getFirst());
                return seen.getFirst();
            } finally {
                for (Socket s : open) {
                    s.close();
                }
                CLIENT_NS.remove(conf);
            }
        }
    }

    /**
     * {@code -s rsqueue}'s answer read by conntrackd's layout: {@code resent queue (len=N)}, then N lines {@code
     * object -> seq:S} or {@code control -> seq:S flags:F}, their sequence numbers increasing by at least one each
     * (the queue is in sending order); returns the lines as {@code object} / {@code control flags:F}.
     */
    private static List<String> resendQueue(String answer) {
        java.util.regex.Matcher head = java.util.regex.Pattern.compile("resent queue \\(len=(\\d+)\\)\n")
                .matcher(answer);
        assertTrue(head.lookingAt(), answer);
        List<String> lines = answer.substring(head.end()).lines().toList();
        assertEquals(Integer.parseInt(head.group(1)), lines.size(), answer);
        assertTrue(answer.endsWith("\n"), answer);
        List<String> kinds = new ArrayList<>();
        long last = -1;
        for (String x : lines) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                    "(object|control) -> seq:(\\d+)( flags:(\\d+))?").matcher(x);
            assertTrue(m.matches() && (m.group(1).equals("object") == (m.group(3) == null)), x + " in " + answer);
            long seq = Long.parseLong(m.group(2));
            assertTrue(seq <= 0xffff_ffffL && (last < 0 || seq > last), "sequence numbers in sending order: " + answer);
            last = seq;
            kinds.add(m.group(3) == null ? "object" : "control flags:" + m.group(4));
        }
        return kinds;
    }

    /**
     * The stock primary-backup.sh, unmodified, run in bk as keepalived runs it, with its hard-coded
     * /etc/conntrackd/conntrackd.conf bind-mounted onto bk's file in a private mount namespace of its own.
     */
    @Test
    void stockPrimaryBackupScriptDrivesHftfw() throws Exception {
        LabAssumptions.assumeBinary("sh");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(PRIMARY_BACKUP_SH)
                && Files.isRegularFile(STOCK_CONF), "needs the conntrackd package's primary-backup.sh and conf");
        try (SyncLab l = new SyncLab()) {
            Pair p = pair(l);
            List<Socket> open = traffic(l.topo);
            try {
                Set<String> flows = SyncLab.clientFlows(l.topo.fw);
                SyncLab.await("bk caches fw's flows", 10_000,
                        () -> p.bk.node().channel().externalCache().size() == flows.size());
                p.bk.node().channel().externalCache().flush();

                notify(l, p, "backup");         // -s (answers: no conntrackd -d), -t, -n
                assertEquals(List.of(), conntrackdDaemons(l.bk), "backup: -s answered, so the script ran no -d");
                assertTrue(p.bk.conntrackd().purgeArmed(), "backup: -t armed the purge");
                SyncLab.await("backup: -n refilled the external cache", 10_000,
                        () -> p.bk.node().channel().externalCache().size() == flows.size());

                notify(l, p, "primary");        // -c, -f, -R, -B
                assertEquals(flows, SyncLab.clientFlows(l.bk), "primary: committed");
                assertFalse(p.bk.conntrackd().purgeArmed(), "primary: the commit disarmed the purge");
                assertEquals(0, p.bk.node().channel().externalCache().size(), "primary: -f flushed the caches");
                SyncLab.await("primary: -B sent bk's table to fw", 10_000,
                        () -> p.fw.node().channel().externalCache().size() >= flows.size());

                notify(l, p, "fault");          // -t
                SyncLab.await("fault: -t purged the replicated flows", 5_000, () -> SyncLab.clientFlows(l.bk).isEmpty());
                assertEquals(0, p.bk.conntrackd().refused(), "nothing refused");
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }

    /** The PIDs of conntrackd processes in {@code ns} ({@code ip netns pids}, then each one's /proc/PID/comm). */
    private static List<String> conntrackdDaemons(NetnsLab.Netns ns) {
        List<String> found = new ArrayList<>();
        for (String pid : ns.exec("ip", "netns", "pids", ns.name()).check().stdout().split("\\s+", -1)) {
            try {
                if (!pid.isEmpty() && Files.readString(Path.of("/proc", pid, "comm")).strip().equals("conntrackd")) {
                    found.add(pid);
                }
            } catch (java.io.IOException gone) {
                // the process ended since the listing (the stock client, say)
            }
        }
        return found;
    }

    private static void notify(SyncLab l, Pair p, String state) {
        NetnsLab.Result r = l.bk.exec("unshare", "-m", "sh", "-c", "mount --bind \"$1\" " + STOCK_CONF + " && exec sh "
                + PRIMARY_BACKUP_SH + " \"$2\"", "notify", p.bkConf.toString(), state);
        assertEquals(0, r.exitCode(), state + ": " + r.stdout() + r.stderr());
        LOG.info("primary-backup.sh {}: {}", state, r.stdout().strip());
    }

    /** Sends request number {@code code} as conntrackd's client does and returns the answer. */
    private static String raw(Path socket, int code) throws Exception {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            c.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, code));
            return ControlProtocol.readAll(c);
        }
    }
}
