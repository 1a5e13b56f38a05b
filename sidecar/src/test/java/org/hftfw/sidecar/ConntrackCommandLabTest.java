package org.hftfw.sidecar;

import org.hftfw.conntrack.lab.LabAssumptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code hftfw conntrack …} as an operator runs it: a separate process, in a namespace the test creates. */
@Tag("lab")
class ConntrackCommandLabTest {

    record Run(int exit, String out, String err) {}

    static Process start(List<String> prefix, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED",
                "-Dhftfw.log.level=WARN", "-cp", System.getProperty("java.class.path"), Hftfw.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        return p;
    }

    static Run hftfw(List<String> prefix, String... args) throws IOException, InterruptedException {
        Process p = start(prefix, args);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("hftfw did not finish: " + String.join(" ", args));
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** Reads a process's stderr to the end; {@link #ready} completes with true at the watcher's readiness line. */
    static final class Stderr {
        final CompletableFuture<Boolean> ready = new CompletableFuture<>();
        // appended by the reader thread, read by the test, also when the reader is still going after the join
        @SuppressWarnings("JdkObsolete")
        private final StringBuffer text = new StringBuffer();
        private final Thread reader;

        Stderr(Process p) {
            reader = Thread.ofPlatform().daemon(true).start(() -> {
                try (BufferedReader r = p.errorReader(StandardCharsets.UTF_8)) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        text.append(line).append('\n');
                        if (line.equals(ConntrackCommand.Watch.READY)) {
                            ready.complete(true);
                        }
                    }
                } catch (IOException e) {
                    text.append(e).append('\n');
                }
                ready.complete(false);
            });
        }

        String text() throws InterruptedException {
            reader.join(5_000);
            return text.toString();
        }
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
                    "--dport", "53", "-t", "120", "-w", "3").check();   // outlives the test: no DESTROY in the watch

            Run dump = hftfw(List.of(), "conntrack", "dump", "--netns", ns.name());
            assertEquals(0, dump.exit(), dump.err());
            String tool = ns.exec("conntrack", "-L").check().stdout();
            assertEquals(ConntrackListing.withoutTimeouts(tool), ConntrackListing.withoutTimeouts(dump.out()));
            assertTrue(dump.err().contains("2 flow entries have been shown"), dump.err());

            Run ext = hftfw(List.of(), "conntrack", "dump", "--netns", ns.name(), "-o", "extended,id");
            assertEquals(0, ext.exit(), ext.err());
            assertEquals(ConntrackListing.withoutTimeouts(ns.exec("conntrack", "-L", "-o", "extended,id").check().stdout()),
                    ConntrackListing.withoutTimeouts(ext.out()));

            // the entry is created only once the watcher says it is subscribed, so the event cannot be missed
            Process watch = start(List.of(), "conntrack", "watch", "--netns", ns.name(), "--count", "1", "--seconds", "20");
            Stderr watchErr = new Stderr(watch);
            String out;
            try {
                assertTrue(watchErr.ready.get(30, TimeUnit.SECONDS), "watch did not subscribe: " + watchErr.text());
                ns.exec("conntrack", "-I", "-p", "tcp", "-s", "10.231.0.3", "-d", "10.231.0.2", "--sport", "40001",
                        "--dport", "22", "--state", "SYN_SENT", "-t", "60").check();
                assertTrue(watch.waitFor(30, TimeUnit.SECONDS), "watch did not stop after its one event");
                out = new String(watch.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } finally {
                if (watch.isAlive()) {
                    watch.destroyForcibly();
                }
            }
            assertEquals(0, watch.exitValue(), watchErr.text());
            assertTrue(out.matches("(?s)\\s*\\[NEW\\] tcp\\s+6 \\d+ SYN_SENT src=10\\.231\\.0\\.3 .*dport=22 .*"), out);
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
