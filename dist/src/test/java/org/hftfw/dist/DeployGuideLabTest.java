package org.hftfw.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.common.Await;
import org.hftfw.conntrack.lab.EchoFlows;
import org.hftfw.conntrack.lab.EchoServer;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/deploy.md followed literally on two lab machines (issue 12 item 6): each a network namespace with a mount
 * namespace of its own over an overlay of the host's root ({@link LabMachine}), wired as the guide's table says
 * (eth1 LAN, eth2 WAN, eth3 sync, the same addresses), with a client behind the LAN switch and a server behind the
 * WAN switch routing through the VIPs. The test runs every {@code sh} block of sections 1 to 6 in the guide's order,
 * command by command, on the node the block names ({@link DeployGuide}); it types nothing of its own into the
 * machines. Commands it has to stand in for, because a namespace is not a whole machine: {@code systemctl} and
 * {@code journalctl} ({@link ServiceManager} runs the installed unit files), {@code scp} to the peer (a file copy
 * keeping the mode, as {@code -p} does), and {@code modprobe} on a kernel without /lib/modules (the module must then
 * be built in; checked in /sys/module). The guide's claims about what its verify commands print are asserted on
 * their output; the whole session is written to target/deploy-lab/transcript.txt.
 *
 * <p>Traffic: long-lived TCP connections from the client to the server echo a line every 50 ms through the master.
 * The unplanned drill kills fw1's daemon with {@code systemctl kill -s KILL hftfw}; keepalived's daemon check moves
 * the VIPs to fw2, whose notify script commits, and every connection must echo again through fw2 with 0 INVALID
 * drops there. The lab's service manager holds fw1's automatic restart until that was checked (a restart that is
 * late, as on a busy machine), then lets it through and checks that the daemon is back (READY), fw1 takes the VIPs
 * back once it holds fw2's table (the template's preempt with its resync track file, section 8), every connection
 * echoes through fw1 again and fw1 drops nothing as INVALID.
 * Last, as section 8's upgrade does, fw1's daemon is stopped and started again, and the drain file the planned
 * handover writes must still move the VIPs (keepalived loses its watch if the daemon's runtime directory goes away).
 */
@Tag("lab")
class DeployGuideLabTest {
    private static final Path GUIDE = Path.of("..", "docs", "deploy.md");
    private static final String LAN_VIP = "192.0.2.1/24";
    private static final String CLIENT = "192.0.2.10";
    private static final String SERVER = "198.51.100.10";
    private static final int ECHO_PORT = 8080;
    private static final int FLOWS = 8;
    private static final long AWAIT_MILLIS = 60_000;
    private static final Pattern PACKETS = Pattern.compile("ct state invalid counter packets (\\d+) ");

    @Test
    void theGuideFollowedLiterallyOnTwoMachinesKeepsEveryConnectionThroughAnUnplannedTakeover(@TempDir Path dir)
            throws Exception {
        LabAssumptions.assumeAvailable();
        LabMachine.unavailable().ifPresent(Assumptions::abort);
        for (String tool : List.of("keepalived", "conntrack", "nft")) {
            LabAssumptions.assumeBinary(tool);
        }
        Path deb = LabMachine.builtPackage();
        DeployGuide guide = DeployGuide.read(GUIDE);
        Path out = LabMachine.emptyOutputDir("deploy-lab");
        Path transcript = out.resolve("transcript.txt");

        try (NetnsLab lab = new NetnsLab("hdp");
             Pair pair = Pair.wire(lab, dir, out, transcript)) {
            for (LabMachine m : pair.machines()) {
                Files.copy(deb, m.file("/root/" + deb.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
            for (int section = 1; section <= 5; section++) {
                pair.follow(guide.section(section));
            }
            for (LabMachine m : pair.machines()) {
                String status = pair.output(m, "systemctl status hftfw");
                assertTrue(status.contains("Active: active (running)"), status);
                String journal = pair.output(m, "journalctl -u hftfw -n 20");
                assertTrue(journal.contains("sync both running"), journal);
                assertEquals(0, pair.output(m, "keepalived -t -f /etc/keepalived/keepalived.conf").length(),
                        "keepalived -t prints nothing for a good file");
            }
            LabMachine fw1 = pair.machine("fw1");
            LabMachine fw2 = pair.machine("fw2");
            for (LabMachine m : pair.machines()) {
                // section 7's scrape address, with bash's /dev/tcp (curl is not part of a minimal Debian)
                String metrics = m.sh("exec 3<>/dev/tcp/127.0.0.1/9477 && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3"
                        + " && grep -E '^hftfw_(build_info|ftfw_peer_authenticated)' <&3").check().output();
                assertTrue(metrics.contains("hftfw_build_info{") && metrics.contains("hftfw_ftfw_peer_authenticated"),
                        metrics);
            }
            assertTrue(Await.await(() -> pair.shows(fw1, "ip -br addr show eth1", LAN_VIP), AWAIT_MILLIS),
                    "fw1 (priority 150) takes the VIPs");
            assertTrue(Await.await(() -> pair.shows(fw1, "hftfw sync stats", " authenticated")
                            && pair.shows(fw2, "hftfw sync stats", " authenticated"), AWAIT_MILLIS),
                    "the two daemons authenticate each other");

            try (EchoServer _ = new EchoServer(pair.server, SERVER, EchoServer.Ending.CLIENT_CLOSES, ECHO_PORT);
                 EchoFlows flows = new EchoFlows(pair.client, SERVER, ECHO_PORT, FLOWS, 50)) {
                long opened = System.nanoTime();
                assertTrue(Await.await(() -> flows.echoedAfter(opened) == FLOWS, AWAIT_MILLIS),
                        "every connection echoes through fw1");
                // fw2's copy follows fw1's table within milliseconds; the count is read as the guide says
                String count = "conntrack -L -p tcp --state ESTABLISHED | wc -l";
                assertTrue(Await.await(() -> pair.count(fw1, count) >= FLOWS
                        && pair.count(fw1, count) == pair.count(fw2, count), AWAIT_MILLIS),
                        "both nodes hold the same established flows");

                List<DeployGuide.Block> verify = guide.section(6);
                pair.follow(verify.subList(0, 1));
                for (LabMachine m : pair.machines()) {
                    String peer = pair.output(m, "hftfw sync stats | grep '^peer:'");
                    assertTrue(peer.contains("peer: hftfw [") && peer.contains(" authenticated"), peer);
                    assertEquals(pair.count(fw1, count), Integer.parseInt(pair.output(m, count).strip()));
                }
                assertTrue(pair.output(fw1, "ip -br addr show eth1").contains(LAN_VIP));
                assertFalse(pair.output(fw2, "ip -br addr show eth1").contains(LAN_VIP));

                // the unplanned drill
                pair.services(fw1).holdRestarts();
                long killed = System.nanoTime();
                pair.follow(verify.subList(1, 2));
                assertTrue(Await.await(() -> pair.shows(fw2, "ip -br addr show eth1", LAN_VIP), AWAIT_MILLIS),
                        "the VIPs move to fw2");
                long moved = System.nanoTime();
                assertTrue(Await.await(() -> flows.echoedAfter(moved) == FLOWS, AWAIT_MILLIS),
                        () -> flows.echoedAfter(moved) + " of " + FLOWS + " connections echo through fw2");
                // keepalived runs the notify script (hftfw commit) after moving the VIPs: the operator's look may
                // come first, so the lab waits for the commit's line before following the block
                String lastTakeover = "hftfw sync stats | grep '^last takeover'";
                assertTrue(Await.await(() -> pair.shows(fw2, lastTakeover, "last takeover: " + FLOWS + " flows"),
                        AWAIT_MILLIS), () -> "fw2's notify script committed the " + FLOWS + " flows:\n"
                        + pair.services(fw2).journal("keepalived"));
                pair.follow(verify.subList(2, 3));
                assertTrue(pair.output(fw2, "ip -br addr show eth1").contains(LAN_VIP));
                String takeover = pair.output(fw2, lastTakeover);
                assertTrue(takeover.startsWith("last takeover: " + FLOWS + " flows"), takeover);
                assertEquals(0, invalid(pair.output(fw2, "nft list chain inet filter forward | grep invalid")),
                        "fw2 drops nothing as INVALID");
                System.out.printf("deploy lab: takeover after the kill %.2f s; %d of %d connections echoed "
                        + "through fw2; %s", (moved - killed) / 1e9, flows.echoedAfter(moved), FLOWS, takeover);

                // systemd's restart of fw1's daemon, and the template's preempt
                assertEquals(1, pair.services(fw1).starts("hftfw"));
                pair.services(fw1).releaseRestarts();
                assertTrue(Await.await(() -> pair.services(fw1).state("hftfw") == ServiceManager.State.ACTIVE,
                        AWAIT_MILLIS * 3), () -> "fw1's daemon restarted (Restart=on-failure):\n"
                        + pair.services(fw1).journal("hftfw"));
                assertEquals(2, pair.services(fw1).starts("hftfw"));
                assertTrue(Await.await(() -> pair.shows(fw1, "ip -br addr show eth1", LAN_VIP), AWAIT_MILLIS),
                        "fw1 takes the VIPs back (preempt)");
                long back = System.nanoTime();
                assertTrue(Await.await(() -> flows.echoedAfter(back) == FLOWS, AWAIT_MILLIS),
                        () -> flows.echoedAfter(back) + " of " + FLOWS + " connections echo through fw1 after it took "
                                + "the VIPs back with fw2's table (control.resync-file)");
                String held = pair.type(fw1, "hftfw sync stats | grep '^peer table'").check().output();
                assertTrue(held.startsWith("peer table: held "), held);
                assertEquals(0, invalid(pair.type(fw1, "nft list chain inet filter forward | grep invalid").check()
                        .output()), "fw1 drops nothing as INVALID after its return");
                System.out.printf("deploy lab: after fw1's return (preempt) %d of %d connections echo; %s",
                        flows.echoedAfter(back), FLOWS, held);
            }

            // section 8 stops a daemon and starts it again (the upgrade): keepalived must still watch the drain file
            // the planned handover writes (its directory, /run/hftfw, outlives the stop: RuntimeDirectoryPreserve)
            assertEquals(0, pair.type(fw1, "systemctl stop hftfw").exitCode());
            assertTrue(Await.await(() -> pair.shows(fw2, "ip -br addr show eth1", LAN_VIP), AWAIT_MILLIS),
                    "a stopped daemon on the master moves the VIPs to fw2");
            assertEquals(0, pair.type(fw1, "systemctl start hftfw").exitCode());
            assertTrue(Await.await(() -> pair.shows(fw1, "ip -br addr show eth1", LAN_VIP), AWAIT_MILLIS),
                    "fw1 takes the VIPs back once its daemon runs again");
            pair.type(fw1, "echo 1 > /run/hftfw/drain").check();
            assertTrue(Await.await(() -> pair.shows(fw2, "ip -br addr show eth1", LAN_VIP), AWAIT_MILLIS),
                    () -> "the drain file moves the VIPs after the daemon's stop and start:\n"
                            + pair.services(fw1).journal("keepalived"));
        }
    }

    private static long invalid(String nftLine) {
        Matcher m = PACKETS.matcher(nftLine);
        assertTrue(m.find(), "no ct state invalid counter in: " + nftLine);
        return Long.parseLong(m.group(1));
    }

    /**
     * The two machines, the client and server namespaces, and the wiring the guide assumes is there before its first
     * step: eth1 on the LAN switch (a bridge in the client's namespace), eth2 on the WAN switch (the server's), eth3
     * between the two nodes, addressed as in the guide's table.
     */
    private static final class Pair implements AutoCloseable {
        final NetnsLab.Netns client;
        final NetnsLab.Netns server;
        private final Map<String, LabMachine> machines = new LinkedHashMap<>();
        private final Map<String, ServiceManager> services = new LinkedHashMap<>();
        /** Each node's addresses, for scp ROOT@ADDRESS. */
        private final Map<String, LabMachine> byAddress = new LinkedHashMap<>();
        /** The last output of each command on each node. */
        private final Map<String, String> outputs = new LinkedHashMap<>();

        private Pair(NetnsLab.Netns client, NetnsLab.Netns server) {
            this.client = client;
            this.server = server;
        }

        /**
         * @param dir      where the machines' mount points are made
         * @param journals where the units' output is kept
         */
        static Pair wire(NetnsLab lab, Path dir, Path journals, Path transcript)
                throws IOException, InterruptedException {
            NetnsLab.Netns client = lab.netns("cli");
            NetnsLab.Netns server = lab.netns("srv");
            Pair pair = new Pair(client, server);
            try {
                for (NetnsLab.Netns side : List.of(client, server)) {
                    side.ip("link", "add", "br0", "type", "bridge");
                    side.ip("link", "set", "br0", "up");
                }
                List<NetnsLab.Netns> fws = List.of(lab.netns("fw1"), lab.netns("fw2"));
                for (int i = 1; i <= 2; i++) {
                    NetnsLab.Netns fw = fws.get(i - 1);
                    lab.veth(fw, "eth1", client, "p" + i);
                    lab.veth(fw, "eth2", server, "p" + i);
                    client.ip("link", "set", "p" + i, "master", "br0");
                    server.ip("link", "set", "p" + i, "master", "br0");
                }
                lab.veth(fws.get(0), "eth3", fws.get(1), "eth3");
                for (int i = 1; i <= 2; i++) {
                    NetnsLab.Netns fw = fws.get(i - 1);
                    List<String> addresses = List.of("192.0.2." + (i + 1), "198.51.100." + (i + 1), "10.0.99." + i);
                    for (int n = 0; n < 3; n++) {
                        fw.addr("eth" + (n + 1), addresses.get(n) + "/24");
                    }
                    LabMachine m = LabMachine.boot("fw" + i, fw, dir.resolve("fw" + i), transcript);
                    pair.machines.put(m.name(), m);
                    ServiceManager services = new ServiceManager(m, journals);
                    services.startedWhen("keepalived", "/run/vrrp.pid");
                    pair.services.put(m.name(), services);
                    addresses.forEach(a -> pair.byAddress.put(a, m));
                }
            } catch (LabMachine.MachineRefused e) {
                pair.close();
                Assumptions.abort(e.getMessage());
            } catch (IOException | InterruptedException | RuntimeException e) {
                pair.close();
                throw e;
            }
            client.addr("br0", CLIENT + "/24");
            server.addr("br0", SERVER + "/24");
            client.ip("route", "add", "default", "via", "192.0.2.1");
            server.ip("route", "add", "default", "via", "198.51.100.1");
            return pair;
        }

        List<LabMachine> machines() {
            return List.copyOf(machines.values());
        }

        LabMachine machine(String name) {
            return machines.get(name);
        }

        ServiceManager services(LabMachine m) {
            return services.get(m.name());
        }

        /** Runs the blocks in order, each on fw1 then fw2 (or on the node it names); every command must succeed. */
        void follow(List<DeployGuide.Block> blocks) throws IOException, InterruptedException {
            for (DeployGuide.Block b : blocks) {
                for (LabMachine m : machines.values()) {
                    if (b.runsOn(m.name())) {
                        for (String command : b.commands()) {
                            LabMachine.Result r = type(m, command);
                            assertEquals(0, r.exitCode(), () -> m + ", section " + b.section() + ": " + command
                                    + " failed:\n" + r.output());
                        }
                    }
                }
            }
        }

        /** One command as the operator types it on {@code m}; its output is kept for {@link #output}. */
        LabMachine.Result type(LabMachine m, String command) throws IOException, InterruptedException {
            return type(m, command, true);
        }

        private LabMachine.Result type(LabMachine m, String command, boolean transcript)
                throws IOException, InterruptedException {
            Optional<LabMachine.Result> standIn = standIn(m, command);
            LabMachine.Result r = standIn.isPresent() ? standIn.get()
                    : transcript ? m.sh(command) : m.quietly(command);
            outputs.put(m.name() + "\n" + command, r.output());
            return r;
        }

        /** The result of the command where the lab stands in for what a namespace lacks; empty for the others. */
        private Optional<LabMachine.Result> standIn(LabMachine m, String command)
                throws IOException, InterruptedException {
            if (command.contains("\n") || command.matches(".*[|;&<>`$].*")) {
                return Optional.empty();
            }
            List<String> argv = new ArrayList<>(Arrays.asList(command.strip().split("\\s+")));
            String tool = argv.removeFirst();
            return switch (tool) {
                case "systemctl" -> Optional.of(services(m).systemctl(command, argv));
                case "journalctl" -> Optional.of(services(m).journalctl(command, argv));
                case "scp" -> Optional.of(m.record(copy(m, command, argv)));
                case "modprobe" -> Files.isDirectory(m.file("/lib/modules/" + System.getProperty("os.version")))
                        ? Optional.empty() : Optional.of(m.record(builtIn(m, command, argv)));
                default -> Optional.empty();
            };
        }

        /** scp [-p] FILE root@ADDRESS:PATH, between two lab machines. */
        private LabMachine.Result copy(LabMachine from, String command, List<String> argv) throws IOException {
            boolean keepMode = argv.remove("-p");
            Matcher to = Pattern.compile("root@([0-9.]+):(/\\S+)").matcher(argv.getLast());
            if (argv.size() != 2 || !to.matches() || !byAddress.containsKey(to.group(1))) {
                throw new IllegalArgumentException("the lab's scp copies one file to root@NODE-ADDRESS:/PATH: "
                        + command);
            }
            Path source = from.file(argv.getFirst());
            Path target = byAddress.get(to.group(1)).file(to.group(2));
            if (keepMode) {
                Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            } else {
                Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return new LabMachine.Result(command + "   (lab: copied between the machines)", 0, "");
        }

        /** modprobe on a kernel built without modules: the module is there only if it is built in. */
        private static LabMachine.Result builtIn(LabMachine m, String command, List<String> argv) {
            String module = argv.getLast();
            boolean present = Files.isDirectory(m.file("/sys/module/" + module));
            return new LabMachine.Result(command + "   (lab: kernel without /lib/modules, " + module
                    + (present ? " built in)" : " missing)"), present ? 0 : 1, "");
        }

        /** The output of {@code command} the last time the guide (or the test) ran it on {@code m}. */
        String output(LabMachine m, String command) {
            String out = outputs.get(m.name() + "\n" + command);
            if (out == null) {
                throw new AssertionError(m + ": the guide never ran '" + command + "'");
            }
            return out;
        }

        /**
         * Runs a command of the guide again on {@code m} and says whether its output contains {@code text} (polled:
         * only the run that shows it goes to the transcript).
         */
        boolean shows(LabMachine m, String command, String text) {
            try {
                LabMachine.Result r = type(m, command, false);
                if (r.output().contains(text)) {
                    m.record(r);
                    return true;
                }
                return false;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** A guide command that prints a number, run again on {@code m} (polled: not in the transcript). */
        int count(LabMachine m, String command) {
            try {
                return Integer.parseInt(type(m, command, false).check().output().strip());
            } catch (IOException | NumberFormatException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }

        @Override
        public void close() {
            services.values().forEach(ServiceManager::close);
            machines.values().forEach(LabMachine::close);
        }
    }
}
