package org.hftfw.ftfw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

/** Datagrams captured from a stock conntrackd 1.4.7 (see resources golden/README.md). */
class GoldenConntrackdTest {

    static String resource(String name) throws IOException {
        try (InputStream in = GoldenConntrackdTest.class.getResourceAsStream("/golden/" + name)) {
            assertNotNull(in, name);
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    static List<byte[]> datagrams() throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (String line : resource("datagrams.hex").split("\n", -1)) {
            if (!line.isBlank()) {
                out.add(HexFormat.of().parseHex(line.strip()));
            }
        }
        return out;
    }

    @Test
    void everyCapturedDatagramDecodesAndReencodesByteIdentically() throws IOException {
        DropCounters drops = CodecTest.drops();
        FtfwDecoder dec = new FtfwDecoder(drops);
        int messages = 0;
        for (byte[] d : datagrams()) {
            List<FtfwMessage> msgs = CodecTest.decode(dec, d);
            messages += msgs.size();
            assertEquals(HexFormat.of().formatHex(d),
                    HexFormat.of().formatHex(CodecTest.encode(msgs, FtfwEncoder.Options.DEFAULT)));
        }
        assertEquals(0, drops.total());
        assertEquals(20, messages);
    }

    @Test
    void capturedEntriesHaveTheInjectedAttributes() throws IOException {
        Map<String, FtfwMessage.Data> byFlow = new LinkedHashMap<>();
        List<FtfwMessage.Data> all = new ArrayList<>();
        FtfwDecoder dec = new FtfwDecoder(CodecTest.drops());
        for (byte[] d : datagrams()) {
            for (FtfwMessage m : CodecTest.decode(dec, d)) {
                if (m instanceof FtfwMessage.Data data) {
                    all.add(data);
                    byFlow.putIfAbsent(data.entry().original().toString(), data);
                }
            }
        }
        ConntrackEntry tcp = byFlow.get("tcp src=10.40.0.1 dst=10.40.0.2 sport=40000 dport=80").entry();
        assertEquals(TcpState.ESTABLISHED, tcp.tcpState());
        assertEquals(Status.SEEN_REPLY | Status.ASSURED | Status.CONFIRMED, tcp.status());
        assertEquals(42, tcp.mark());
        assertEquals(600, tcp.timeout());
        assertEquals(new FlowExtras.Synproxy(0, 0, 0),
                byFlow.get("tcp src=10.40.0.1 dst=10.40.0.2 sport=40000 dport=80").extras().synproxy());

        assertEquals(7, byFlow.get("tcp src=10.40.0.7 dst=10.40.0.8 sport=42000 dport=22").entry().zone());
        ConntrackEntry icmp = byFlow.get("icmp src=10.40.0.5 dst=10.40.0.6 type=8 code=0 id=24163").entry();
        assertEquals(0, icmp.reply().icmpType());
        assertNotNull(byFlow.get("icmpv6 src=fd00:40:0:0:0:0:0:3 dst=fd00:40:0:0:0:0:0:4 type=128 code=0 id=7"));
        assertEquals(TcpState.SYN_SENT,
                byFlow.get("tcp src=fd00:40:0:0:0:0:0:1 dst=fd00:40:0:0:0:0:0:2 sport=41000 dport=443").entry().tcpState());

        ConntrackEntry snat = byFlow.get("udp src=10.40.0.9 dst=10.40.0.10 sport=1000 dport=2000").entry();
        assertEquals(Tuple.ports(addr("10.40.0.10"), addr("10.40.9.9"), 17, 2000, 1000), snat.reply());
        ConntrackEntry dnat = byFlow.get("tcp src=10.40.0.11 dst=10.40.0.12 sport=43000 dport=8080").entry();
        assertEquals(addr("10.40.9.12"), dnat.reply().src());
        assertEquals(addr("10.40.0.11"), dnat.reply().dst());

        long dels = all.stream().filter(x -> x.type() == FtfwMessage.DataType.DEL).count();
        assertEquals(1, dels);
    }

    @Test
    void replayingTheCaptureYieldsTheBackupDaemonsExternalCache() throws IOException {
        ExternalCache cache = new ExternalCache(() -> 0L);
        FtfwDecoder dec = new FtfwDecoder(CodecTest.drops());
        for (byte[] d : datagrams()) {
            for (FtfwMessage m : CodecTest.decode(dec, d)) {
                if (m instanceof FtfwMessage.Data data) {
                    cache.apply(data.type(), data.entry(), data.extras());
                }
            }
        }
        TreeSet<String> ours = new TreeSet<>();
        for (ConntrackEntry e : cache.entries()) {
            ours.add(e.original().toString());
        }
        TreeSet<String> theirs = new TreeSet<>();
        Pattern p = Pattern.compile("^(\\w+)\\s+\\d+\\s+(?:[A-Z_]+\\s+)?(src=\\S+ dst=\\S+(?: sport=\\d+ dport=\\d+| type=\\d+ code=\\d+ id=\\d+)?)");
        for (String line : resource("backup-external-cache.txt").split("\n", -1)) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                String flow = m.group(2);
                for (String k : new String[] {"src=", "dst="}) {
                    int i = flow.indexOf(k) + k.length();
                    int j = flow.indexOf(' ', i) < 0 ? flow.length() : flow.indexOf(' ', i);
                    flow = flow.substring(0, i) + addr(flow.substring(i, j)).getHostAddress() + flow.substring(j);
                }
                theirs.add(m.group(1) + " " + flow);
            }
        }
        assertEquals(7, theirs.size());
        assertEquals(theirs, ours);
    }

    static java.net.InetAddress addr(String s) {
        try {
            return java.net.InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
