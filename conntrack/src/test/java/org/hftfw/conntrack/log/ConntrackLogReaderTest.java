package org.hftfw.conntrack.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

class ConntrackLogReaderTest {
    static final List<String> EVENT_LOGS = Captures.EVENT_LOGS;
    private static final Pattern PAIR = Pattern.compile("([a-z-]+)=(\\S+)");

    static List<ConntrackEvent> readAll(String capture) throws IOException {
        List<ConntrackEvent> out = new ArrayList<>();
        try (ConntrackLogReader r = ConntrackLogReader.open(Captures.path(capture))) {
            r.readAll(out::add);
            assertTrue(r.report().clean(), capture + ": " + r.report());
        }
        return out;
    }

    @ParameterizedTest
    @FieldSource("EVENT_LOGS")
    void countsMatchGrep(String capture) throws IOException {
        try (ConntrackLogReader r = ConntrackLogReader.open(Captures.path(capture))) {
            long n = r.readAll(e -> {});
            ParseReport rep = r.report();
            assertEquals(Captures.grepCount(capture, "[NEW]"), rep.newEvents());
            assertEquals(Captures.grepCount(capture, "[UPDATE]"), rep.updateEvents());
            assertEquals(Captures.grepCount(capture, "[DESTROY]"), rep.destroyEvents());
            assertEquals(n, rep.events());
            assertEquals(Captures.lines(capture).size(), rep.lines());
            assertEquals(0, rep.malformed(), rep.firstMalformed().toString());
            assertTrue(rep.newEvents() > 0 && rep.updateEvents() > 0 && rep.destroyEvents() > 0);
        }
    }

    /** Each line's fields, read with a regular expression as an independent oracle. */
    @ParameterizedTest
    @FieldSource("EVENT_LOGS")
    void everyLineAgreesWithItsText(String capture) throws IOException {
        List<String> lines = Captures.lines(capture);
        List<ConntrackEvent> events = readAll(capture);
        assertEquals(lines.size(), events.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            ConntrackEntry e = events.get(i).entry();
            String where = capture + ":" + (i + 1);
            assertTrue(line.contains(events.get(i).type().tag()), where);
            List<String[]> pairs = new ArrayList<>();
            Matcher m = PAIR.matcher(line);
            while (m.find()) {
                pairs.add(new String[] {m.group(1), m.group(2)});
            }
            List<String> srcs = pairs.stream().filter(p -> p[0].equals("src")).map(p -> p[1]).toList();
            List<String> dsts = pairs.stream().filter(p -> p[0].equals("dst")).map(p -> p[1]).toList();
            assertEquals(InetAddress.ofLiteral(srcs.get(0)), e.original().src(), where);
            assertEquals(InetAddress.ofLiteral(dsts.get(0)), e.original().dst(), where);
            assertEquals(InetAddress.ofLiteral(srcs.get(1)), e.reply().src(), where);
            assertEquals(InetAddress.ofLiteral(dsts.get(1)), e.reply().dst(), where);
            if (IpProto.hasPorts(e.l4proto())) {
                assertTrue(line.contains("sport=" + e.original().sport() + " dport=" + e.original().dport()), where);
                assertTrue(line.contains("sport=" + e.reply().sport() + " dport=" + e.reply().dport()), where);
            } else {
                assertTrue(IpProto.isIcmp(e.l4proto()), where);
                assertTrue(line.contains("type=" + e.original().icmpType() + " code=" + e.original().icmpCode()
                        + " id=" + e.original().icmpId()), where);
            }
            assertEquals(line.contains("[UNREPLIED]"), !e.hasStatus(Status.SEEN_REPLY), where);
            assertEquals(line.contains("[ASSURED]"), e.hasStatus(Status.ASSURED), where);
            assertEquals(Pattern.compile(" mark=42( |$)").matcher(line).find(), e.mark() == 42, where);
            assertEquals(Pattern.compile(" zone=7( |$)").matcher(line).find(), e.zone() == 7, where);
            assertEquals(line.contains("packets="), e.originalCounters() != null, where);
            String state = e.protoState() < 0 ? null : e.tcpState().name();
            if (e.l4proto() == IpProto.TCP) {
                assertEquals(state != null, line.contains(" " + state + " "), where);
            } else {
                assertEquals(-1, e.protoState(), where);
            }
            String id = pairs.stream().filter(p -> p[0].equals("id")).map(p -> p[1]).reduce((a, b) -> b).orElse(null);
            boolean hasConntrackId = capture.contains("-id");
            assertEquals(hasConntrackId ? Long.parseLong(id) : 0, e.id(), where);
        }
    }

    @Test
    void timestampsGiveEpochAndMonotonicTime() throws IOException {
        List<ConntrackEvent> events = readAll("events-timestamp-id.log");
        List<String> lines = Captures.lines("events-timestamp-id.log");
        for (int i = 0; i < events.size(); i++) {
            String ts = lines.get(i).substring(1, lines.get(i).indexOf(']'));
            long micros = Long.parseLong(ts.replace(".", ""));
            assertEquals(micros, events.get(i).epochMicros());
            assertEquals(micros * 1000, events.get(i).monotonicNanos());
        }
        for (ConntrackEvent e : readAll("events-id.log")) {
            assertEquals(0, e.epochMicros(), "no -o timestamp: no time");
        }
    }

    @Test
    void capturesRecordedTogetherParseToTheSameEvents() throws IOException {
        List<ConntrackEvent> reference = readAll("events-extended-timestamp-id.log");
        for (String capture : EVENT_LOGS) {
            List<ConntrackEvent> other = readAll(capture);
            assertEquals(reference.size(), other.size(), capture);
            for (int i = 0; i < reference.size(); i++) {
                ConntrackEntry a = reference.get(i).entry();
                ConntrackEntry b = other.get(i).entry();
                assertEquals(reference.get(i).type(), other.get(i).type(), capture + ":" + (i + 1));
                ConntrackEntry bWithId = capture.contains("-id") ? b : b.toBuilder().id(a.id()).build();
                assertEquals(a, bWithId, capture + ":" + (i + 1));
            }
        }
    }

    @Test
    void realCaptureHasTheRecordedFlowKinds() throws IOException {
        List<ConntrackEvent> events = readAll("events-timestamp-id.log");
        assertTrue(events.stream().anyMatch(e -> e.entry().l4proto() == IpProto.ICMP
                && e.entry().original().icmpType() == 8 && e.entry().reply().icmpType() == 0));
        assertTrue(events.stream().anyMatch(e -> e.entry().l4proto() == IpProto.ICMPV6
                && e.entry().original().src() instanceof Inet6Address && e.entry().reply().icmpType() == 129));
        assertTrue(events.stream().anyMatch(e -> e.entry().l4proto() == IpProto.UDP && e.entry().zone() == 7));
        // an UPDATE caused by the nft "ct mark set" carries the mark but no TCP state
        assertTrue(events.stream().anyMatch(e -> e.type() == EventType.UPDATE && e.entry().mark() == 42
                && e.entry().protoState() == -1));
        // a DESTROY from the kernel's GC after TIME_WAIT has a state but no timeout
        assertTrue(events.stream().anyMatch(e -> e.type() == EventType.DESTROY
                && e.entry().tcpState() == TcpState.TIME_WAIT && e.entry().timeout() == -1));
        // the refused connection goes SYN_SENT → CLOSE
        assertTrue(events.stream().anyMatch(e -> e.type() == EventType.DESTROY && e.entry().tcpState() == TcpState.CLOSE));
        // every flow's events carry the same conntrack id
        Map<Long, EventType> last = new LinkedHashMap<>();
        for (ConntrackEvent e : events) {
            assertTrue(e.entry().id() != 0);
            EventType before = last.put(e.entry().id(), e.type());
            assertEquals(e.type() == EventType.NEW, before == null, "NEW opens a flow: " + e);
            assertFalse(before == EventType.DESTROY, "no event after DESTROY: " + e);
        }
        assertTrue(last.values().stream().allMatch(t -> t == EventType.DESTROY), "the capture ends with a flush");
    }

    static final String GOOD_NEW = "[1700000000.000001]\t    [NEW] tcp      6 120 SYN_SENT src=10.200.0.1 dst=10.200.0.2 "
            + "sport=40000 dport=80 [UNREPLIED] src=10.200.0.2 dst=10.200.0.1 sport=80 dport=40000 id=11";
    static final String GOOD_DESTROY = "[1700000001.5]\t[DESTROY] tcp      6 CLOSE src=10.200.0.1 dst=10.200.0.2 "
            + "sport=40000 dport=80 [UNREPLIED] src=10.200.0.2 dst=10.200.0.1 sport=80 dport=40000 id=11";

    @Test
    void malformedLinesAreCountedWithLineNumbersAndTheRestIsUsed() throws IOException {
        String log = String.join("\n",
                GOOD_NEW,                                                                  // 1
                GOOD_NEW.substring(0, GOOD_NEW.indexOf(" [UNREPLIED]")),                   // 2 truncated
                "%$#@ garbage",                                                            // 3
                GOOD_NEW.replace("dst=10.200.0.2 sport", "dst=10.200.0.300 sport"),        // 4 bad address
                GOOD_NEW.replace("sport=40000 dport=80 [UN", "sport=70000 dport=80 [UN"),  // 5 bad port
                GOOD_NEW.replace("SYN_SENT", "SYN_SEEN"),                                  // 6 unknown state
                GOOD_NEW.replace("tcp      6", "udp      6"),                              // 7 name/number mismatch
                "tcp      6 431999 ESTABLISHED src=10.200.0.1 dst=10.200.0.2 sport=1 dport=2 "
                        + "src=10.200.0.2 dst=10.200.0.1 sport=2 dport=1 [ASSURED] mark=0 use=1",  // 8 -L line
                "<flow type=\"new\"><meta direction=\"original\"></meta></flow>",          // 9 xml
                "",                                                                        // 10 blank
                "conntrack v1.4.7 (conntrack-tools): 15 flow events have been shown.",     // 11 tool
                "WARNING: We have hit ENOBUFS! We are losing events.",                     // 12 overrun
                GOOD_NEW.replace("src=10.200.0.2 dst=10.200.0.1", "src=fd00::2 dst=fd00::1"),  // 13 mixed families
                GOOD_NEW.replace("[1700000000.000001]", "[17000x0000.1]"),                 // 14 bad timestamp
                GOOD_DESTROY);                                                             // 15
        try (ConntrackLogReader r = ConntrackLogReader.of(new StringReader(log), "test")) {
            List<ConntrackEvent> events = new ArrayList<>();
            r.forEach(events::add);
            assertEquals(List.of(EventType.NEW, EventType.DESTROY), events.stream().map(ConntrackEvent::type).toList());
            assertEquals(1_700_000_001_500_000L, events.get(1).epochMicros());
            ParseReport rep = r.report();
            assertEquals(15, rep.lines());
            assertEquals(10, rep.malformed());
            assertEquals(3, rep.ignoredLines());
            assertEquals(1, rep.overrunWarnings());
            assertFalse(rep.clean());
            assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 13L, 14L),
                    rep.firstMalformed().stream().map(ParseReport.MalformedLine::lineNumber).toList());
            Map<Long, String> reasons = new LinkedHashMap<>();
            rep.firstMalformed().forEach(ml -> reasons.put(ml.lineNumber(), ml.reason()));
            assertTrue(reasons.get(2L).startsWith("truncated"), reasons.get(2L));
            assertTrue(reasons.get(4L).contains("IPv4 address '10.200.0.300'"), reasons.get(4L));
            assertTrue(reasons.get(5L).contains("sport '70000'"), reasons.get(5L));
            assertTrue(reasons.get(6L).contains("SYN_SEEN"), reasons.get(6L));
            assertTrue(reasons.get(8L).contains("tag"), reasons.get(8L));
            assertTrue(reasons.get(9L).contains("xml"), reasons.get(9L));
        }
    }

    @Test
    void variantsOfTheGrammar() {
        ConntrackEntry gre = ConntrackListParser.parseLine("ipv4     2 gre      47 29 src=10.200.0.1 dst=10.200.0.2 "
                + "srckey=0x0 dstkey=0x0 src=10.200.0.2 dst=10.200.0.1 srckey=0x0 dstkey=0x0 mark=0 use=1");
        assertEquals(IpProto.GRE, gre.l4proto());
        ConntrackEntry sctp = ConntrackListParser.parseLine("sctp     132 431999 ESTABLISHED src=10.200.0.1 "
                + "dst=10.200.0.2 sport=5000 dport=6000 src=10.200.0.2 dst=10.200.0.1 sport=6000 dport=5000 "
                + "[ASSURED] mark=7 secctx=system_u:object_r:unlabeled_t:s0 zone=3 helper=ftp use=2 id=99 labels=a,b");
        assertEquals(4, sctp.protoState());
        assertEquals(3, sctp.zone());
        assertEquals("ftp", sctp.helper());
        assertEquals(2, sctp.use());
        assertEquals(99, sctp.id());
        // source NAT: the reply goes to the translated address
        ConntrackEntry snat = ConntrackListParser.parseLine("tcp      6 86399 ESTABLISHED src=192.168.1.5 "
                + "dst=10.200.0.2 sport=5555 dport=443 src=10.200.0.2 dst=10.200.9.1 sport=443 dport=61000 "
                + "[OFFLOAD] mark=0 use=1");
        assertTrue(snat.hasStatus(Status.SRC_NAT) && snat.hasStatus(Status.SRC_NAT_DONE));
        assertFalse(snat.hasStatus(Status.DST_NAT));
        assertTrue(snat.hasStatus(Status.OFFLOAD));
        assertTrue(snat.isNatted());
        assertEquals(1_700_000_000_123_456L, ConntrackLineGrammar.timestamp("[1700000000.123456]"));
        assertEquals(1_700_000_000_500_000L, ConntrackLineGrammar.timestamp("[1700000000.5]"));
        assertEquals(1_700_000_000_123_456L, ConntrackLineGrammar.timestamp("[1700000000.123456789]"));
        assertInstanceOf(ParsedLine.Ignored.class, ConntrackLineGrammar.parse("   \t "));
        assertThrows(RuntimeException.class, () -> ConntrackListParser.parseLine("conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown."));
    }

    @Test
    void iteratorStreamsAndIsSingleUse() throws IOException {
        try (ConntrackLogReader r = ConntrackLogReader.of(new StringReader(GOOD_NEW + "\n" + GOOD_DESTROY + "\n"), "t")) {
            int n = 0;
            for (ConntrackEvent e : r) {
                n++;
                assertEquals(11, e.entry().id());
            }
            assertEquals(2, n);
            assertThrows(IllegalStateException.class, r::iterator);
            assertNull(r.next());
        }
    }

    /** A log of {@code n} lines produced on the fly: the reader must stream it, never hold it. */
    static final class GeneratedLog extends Reader {
        private final long lines;
        private long line;
        private String current = "";
        private int pos;

        GeneratedLog(long lines) {
            this.lines = lines;
        }

        @Override
        public int read(char[] buf, int off, int len) {
            if (pos == current.length()) {
                if (line == lines) {
                    return -1;
                }
                long flow = line / 3;
                String tag = switch ((int) (line % 3)) {
                    case 0 -> "    [NEW] tcp      6 120 SYN_SENT";
                    case 1 -> " [UPDATE] tcp      6 432000 ESTABLISHED";
                    default -> "[DESTROY] tcp      6 TIME_WAIT";
                };
                int sport = 1024 + (int) (flow % 60000);
                current = "[" + (1_700_000_000L + line / 1000) + "." + String.format("%06d", line % 1_000_000) + "]\t" + tag
                        + " src=10.200." + (flow / 60000 % 250) + ".1 dst=10.201.0.2 sport=" + sport + " dport=80"
                        + " src=10.201.0.2 dst=10.200." + (flow / 60000 % 250) + ".1 sport=80 dport=" + sport
                        + " id=" + flow + "\n";
                pos = 0;
                line++;
            }
            int n = Math.min(len, current.length() - pos);
            current.getChars(pos, pos + n, buf, off);
            pos += n;
            return n;
        }

        @Override
        public void close() {}
    }

    @Test
    void streamsALongLogWithoutHoldingIt() throws IOException {
        long lines = 300_000;
        Map<EventType, Long> perType = new EnumMap<>(EventType.class);
        try (ConntrackLogReader r = ConntrackLogReader.of(new GeneratedLog(lines), "generated")) {
            r.readAll(e -> perType.merge(e.type(), 1L, Long::sum));
            assertEquals(lines, r.report().events());
            assertEquals(0, r.report().malformed());
        }
        assertEquals(lines / 3, perType.get(EventType.NEW));
        assertEquals(lines / 3, perType.get(EventType.UPDATE));
        assertEquals(lines / 3, perType.get(EventType.DESTROY));
    }
}
