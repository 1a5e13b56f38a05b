package org.hftfw.models.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.log.ParseReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flow-log readers on real recorded logs (models/traces) and on malformed input. */
class FlowLogsTest {
    static final Path TRACE = Path.of("traces/homogeneous-11.events.log.gz");

    @TempDir
    Path dir;

    @Test
    void readsARealRecordedGzippedLog() throws IOException {
        FlowLogs.Loaded l = FlowLogs.read(TRACE, FlowLogs.Progress.NONE);
        ParseReport p = l.report();
        assertTrue(l.gzip());
        assertEquals(FlowLogs.Format.CONNTRACK_TEXT, l.format());
        assertEquals(0, p.malformed(), () -> FlowLogs.describe(l, 5));
        long lines;
        try (var in = new GZIPInputStream(Files.newInputStream(TRACE))) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(s -> !s.isBlank()).count();
        }
        assertEquals(lines, l.events().size(), "one event per line of the recording");
        assertEquals(p.newEvents(), l.events().stream().filter(e -> e.type() == EventType.NEW).count());
        assertTrue(p.newEvents() > 100 && p.updateEvents() > p.newEvents(), FlowLogs.describe(l, 0));
        // the lab's flows are TCP from the client net to the server, every one starting in SYN_SENT
        assertTrue(l.events().stream().filter(e -> e.type() == EventType.NEW && e.entry().l4proto() == IpProto.TCP)
                .allMatch(e -> e.entry().tcpState() == TcpState.SYN_SENT));
        for (int i = 1; i < l.events().size(); i++) {
            assertTrue(l.events().get(i).monotonicNanos() >= l.events().get(i - 1).monotonicNanos());
        }
    }

    @Test
    void plainAndGzippedGiveTheSameEvents() throws IOException {
        Path plain = dir.resolve("events.log");
        try (var in = new GZIPInputStream(Files.newInputStream(TRACE))) {
            Files.write(plain, in.readAllBytes());
        }
        List<ConntrackEvent> a = FlowLogs.read(plain, FlowLogs.Progress.NONE).events();
        List<ConntrackEvent> b = FlowLogs.read(TRACE, FlowLogs.Progress.NONE).events();
        assertEquals(a, b);
    }

    @Test
    void malformedTextLinesAreCountedWithLineNumbersAndTheRestIsUsed() throws IOException {
        String good = "[1700000000.000100]\t    [NEW] tcp      6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=40000 "
                + "dport=80 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 sport=80 dport=40000 id=7\n";
        String text = good + "this is not a flow line\n" + "\n"
                + "[1700000000.000200]\t [UPDATE] tcp 6 60 SYN_RECV src=10.0.0.1 dst=nonsense sport=1 dport=2 id=7\n"
                + good.replace("000100", "000300").replace("40000", "40001");
        Path f = dir.resolve("bad.log.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(f))) {
            o.write(text.getBytes(StandardCharsets.UTF_8));
        }
        FlowLogs.Loaded l = FlowLogs.read(f, FlowLogs.Progress.NONE);
        assertEquals(2, l.events().size());
        assertEquals(2, l.report().malformed());
        assertEquals(List.of(2L, 4L), l.report().firstMalformed().stream()
                .map(ParseReport.MalformedLine::lineNumber).toList());
        assertTrue(FlowLogs.describe(l, 5).contains("line 4"), FlowLogs.describe(l, 5));
    }

    @Test
    void ulogdJsonWithMalformedLines() throws IOException {
        String json = """
                {"timestamp": "2024-05-01T12:00:00", "dvc": "Netfilter", "orig.ip.saddr.str": "10.0.0.1", "orig.ip.daddr.str": "10.0.0.2", "orig.ip.protocol": 6, "orig.l4.sport": 40000, "orig.l4.dport": 80, "ct.id": 7, "ct.event": 1, "ct.state": "SYN_SENT", "flow.start.sec": 1714564800, "flow.start.usec": 100}
                {"orig.ip.saddr.str": "10.0.0.1", "orig.ip.daddr.str": "10.0.0.2", "orig.ip.protocol": 6, "orig.l4.sport": 40000, "orig.l4.dport": 80, "ct.id": 7, "ct.event": 2, "ct.state": "ESTABLISHED", "oob.time.sec": 1714564800, "oob.time.usec": 250100}
                {"orig.ip.saddr.str": "10.0.0.1", "orig.ip.daddr.str": "10.0.0.2", "orig.ip.protocol": 6, "ct.event": 2
                not json at all
                {"orig.ip.saddr.str": "10.0.0.1", "orig.ip.daddr.str": "10.0.0.3", "orig.ip.protocol": 17, "orig.l4.sport": 5353, "orig.l4.dport": 53, "ct.id": 8, "ct.event": 1, "flow.start.sec": 1714564801, "flow.start.usec": 0}
                {"orig.ip.saddr.str": "10.0.0.1", "orig.ip.daddr.str": "10.0.0.3", "orig.ip.protocol": 17, "orig.l4.sport": 5353, "orig.l4.dport": 53, "ct.id": 8, "ct.event": 2, "oob.time.sec": 1714564801, "oob.time.usec": 30000}
                {"orig.ip.saddr.str": "10.0.0.1", "orig.ip.daddr.str": "10.0.0.2", "orig.ip.protocol": 6, "orig.l4.sport": 40001, "orig.l4.dport": 80, "ct.id": 9, "ct.event": 2, "oob.time.sec": 1714564802}
                {"orig.ip.saddr.str": "10.0.0.1", "orig.ip.daddr.str": "10.0.0.3", "orig.ip.protocol": 17, "orig.l4.sport": 5353, "orig.l4.dport": 53, "ct.id": 8, "ct.event": 4, "flow.end.sec": 1714564831, "flow.end.usec": 0}
                """;
        Path f = dir.resolve("ulogd.json");
        Files.writeString(f, json);
        FlowLogs.Loaded l = FlowLogs.read(f, FlowLogs.Progress.NONE);
        assertEquals(FlowLogs.Format.ULOGD_JSON, l.format());
        assertEquals(5, l.events().size(), () -> FlowLogs.describe(l, 10));
        assertEquals(3, l.report().malformed());
        List<ParseReport.MalformedLine> bad = l.report().firstMalformed();
        assertEquals(List.of(3L, 4L, 7L), bad.stream().map(ParseReport.MalformedLine::lineNumber).toList());
        assertTrue(bad.get(2).reason().contains("ct.state"), bad.get(2).reason());
        ConntrackEvent est = l.events().get(1);
        assertEquals(TcpState.ESTABLISHED, est.entry().tcpState());
        assertEquals(250_000_000L, est.monotonicNanos() - l.events().get(0).monotonicNanos());
        assertEquals("UDP_REPLIED", l.events().get(3).entry().stateLabel());
        assertEquals(EventType.DESTROY, l.events().get(4).type());
        assertEquals(30_000_000_000L - 30_000_000L, l.events().get(4).monotonicNanos()
                - l.events().get(3).monotonicNanos());
    }
}
