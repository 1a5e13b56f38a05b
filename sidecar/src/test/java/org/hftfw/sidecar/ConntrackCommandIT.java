package org.hftfw.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code hftfw conntrack …} as an operator runs it: a separate process, in a namespace the test creates. */
@Tag("lab")
class ConntrackCommandIT {

    record Run(int exit, String out, String err) {}

    static Run hftfw(List<String> prefix, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
                "-Dhftfw.log.level=WARN", "-cp", System.getProperty("java.class.path"), Hftfw.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("hftfw did not finish: " + cmd);
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    static String withoutTimeouts(String conntrackL) {
        // the timeout column counts down between the two listings (after "ipv4 2" in the extended format)
        return conntrackL.lines().map(l -> l.replaceFirst("^((?:ipv[46]\\s+\\d+\\s+)?\\S+\\s+\\d+) \\d+ ", "$1 T "))
                .sorted()
                .reduce("", (a, b) -> a + b + "\n");
    }

    @Test
    void dumpPrintsWhatConntrackListsAndWatchSeesNewEntries() throws Exception {
        LabAssumptions.assumeAvailable();
        LabAssumptions.assumeBinary("conntrack");
        try (NetnsLab lab = new NetnsLab("hcli")) {
            NetnsLab.Netns ns = lab.netns("fw");
            ns.exec("conntrack", "-I", "-p", "tcp", "-s", "10.231.0.1", "-d", "10.231.0.2", "--sport", "40000",
                    "--dport", "80", "--state", "ESTABLISHED", "-u", "SEEN_REPLY,ASSURED", "-t", "300", "-m", "7").check();
            ns.exec("conntrack", "-I", "-p", "udp", "-s", "fd00::1", "-d", "fd00::2", "--sport", "5353",
                    "--dport", "53", "-t", "30", "-w", "3").check();

            Run dump = hftfw(List.of(), "conntrack", "dump", "--netns", ns.name());
            assertEquals(0, dump.exit(), dump.err());
            String tool = ns.exec("conntrack", "-L").check().stdout();
            assertEquals(withoutTimeouts(tool), withoutTimeouts(dump.out()));
            assertTrue(dump.err().contains("2 flow entries have been shown"), dump.err());

            Run ext = hftfw(List.of(), "conntrack", "dump", "--netns", ns.name(), "-o", "extended,id");
            assertEquals(withoutTimeouts(ns.exec("conntrack", "-L", "-o", "extended,id").check().stdout()),
                    withoutTimeouts(ext.out()));

            // the watcher's JVM subscribes at a time the test cannot see: create a new flow every 200 ms until the
            // watcher has printed one and exited (bounded: it gives up after 20 s, the creator after 100 flows)
            java.util.concurrent.atomic.AtomicBoolean watched = new java.util.concurrent.atomic.AtomicBoolean();
            Thread creator = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 100 && !watched.get(); i++) {
                        ns.exec("conntrack", "-I", "-p", "tcp", "-s", "10.231.0.3", "-d", "10.231.0.2", "--sport",
                                Integer.toString(40001 + i), "--dport", "22", "--state", "SYN_SENT", "-t", "60");
                        Thread.sleep(200);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Run watch = hftfw(List.of(), "conntrack", "watch", "--netns", ns.name(), "--count", "1", "--seconds", "20");
            watched.set(true);
            creator.join();
            assertEquals(0, watch.exit(), watch.err());
            assertTrue(watch.out().matches("(?s)\\s*\\[NEW\\] tcp\\s+6 \\d+ SYN_SENT src=10\\.231\\.0\\.3 .*dport=22 .*"),
                    watch.out());
        }
    }

    @Test
    void withoutCapNetAdminItSaysSoInOneLine() throws Exception {
        LabAssumptions.assumeAvailable();
        LabAssumptions.assumeBinary("setpriv");
        Run r = hftfw(List.of("setpriv", "--bounding-set=-net_admin"), "conntrack", "dump");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("hftfw: permission denied:"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void unknownNamespaceIsAUserError() throws Exception {
        LabAssumptions.assumeAvailable();
        Run r = hftfw(List.of(), "conntrack", "dump", "--netns", "hcli-does-not-exist");
        assertEquals(1, r.exit());
        assertEquals("hftfw: no network namespace named 'hcli-does-not-exist' (/var/run/netns/hcli-does-not-exist)",
                r.err().strip());
    }
}
