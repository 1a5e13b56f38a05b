package org.hftfw.models.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records a short trace in real namespaces and checks what the firewall saw. */
@Tag("lab")
class TraceRecordingLabTest {

    static void assumeLab() {
        LabAssumptions.assumeAvailable();
        for (String tool : List.of("conntrack", "iptables", "nft", "sysctl")) {
            LabAssumptions.assumeBinary(tool);
        }
    }

    @Test
    void recordsEventsAndTheFirewallSeesTheConfiguredRtt(@TempDir Path dir) throws Exception {
        assumeLab();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        TraceLab lab = new TraceLab(new PrintStream(progress, true), NfqueueDelayLine.factory(dir));
        TraceLab.Result r = lab.record(new TraceLab.Spec("heterogeneous", 5, 40, 10, 6, 2, 4, dir));

        assertTrue(r.newEvents() >= 30, "NEW events recorded: " + r.newEvents() + "\n" + progress);
        assertTrue(r.updateEvents() >= 2 * r.newEvents() / 3, "UPDATE events follow: " + r.updateEvents());
        assertTrue(r.rtt().flows() >= 10, "handshakes seen: " + r.rtt().flows());
        // each handshake's SYN_RECV -> ESTABLISHED gap is its client's configured RTT, plus scheduling noise
        LatencyProfile expected = LatencyProfile.heterogeneous(4, 5);
        int min = java.util.Arrays.stream(expected.rttMillis()).min().orElseThrow();
        int max = java.util.Arrays.stream(expected.rttMillis()).max().orElseThrow();
        assertTrue(r.rtt().observedP50Millis() >= min * 0.9 && r.rtt().observedP50Millis() <= max * 1.2,
                "median observed RTT " + r.rtt().observedP50Millis() + " within configured [" + min + ", " + max + "]");
        assertTrue(Files.readString(dir.resolve("events.log")).lines().allMatch(l -> l.startsWith("[")),
                "every line is a timestamped conntrack event");
        String ns = NetnsLab.run("ip", "netns", "list").check().stdout();
        // only this run's namespaces: other lab runs may be going on in parallel
        assertEquals(3, r.namespaces().size(), "client, firewall and server namespaces: " + r.namespaces());
        assertTrue(ns.lines().map(l -> l.split(" ", -1)[0]).noneMatch(r.namespaces()::contains),
                "namespaces " + r.namespaces() + " removed: " + ns);
        assertEquals(0, Files.readString(dir.resolve("client.out")).lines()
                .filter(l -> l.startsWith("http") || l.startsWith("dns"))
                .mapToInt(l -> Integer.parseInt(l.substring(l.indexOf("failed=") + 7))).sum(), "no failed HTTP/DNS flow");
    }
}
