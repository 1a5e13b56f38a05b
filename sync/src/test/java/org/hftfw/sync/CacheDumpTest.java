package org.hftfw.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.Counters;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;

/** {@code conntrackd -i/-e [-x]} lines, against what conntrackd 1.4.7 printed for the same flows. */
class CacheDumpTest {
    private static final ConntrackEntry ESTABLISHED = ConntrackEntry.builder(Tuple.ports(ip("10.1.1.1"),
                    ip("10.2.2.2"), IpProto.TCP, 1111, 80)).tcpState(TcpState.ESTABLISHED)
            .status(Status.SEEN_REPLY | Status.ASSURED | Status.CONFIRMED).timeout(585).use(1)
            .counters(new Counters(3, 180), new Counters(2, 120)).build();
    private static final ConntrackEntry SYN_SENT6 = ConntrackEntry.builder(Tuple.ports(ip("2001:db8::1"),
            ip("2001:db8::2"), IpProto.TCP, 3333, 443)).tcpState(TcpState.SYN_SENT).mark(7).timeout(86).build();
    private static final ConntrackEntry PING = ConntrackEntry.builder(Tuple.icmp(ip("10.1.1.1"), ip("10.2.2.2"),
            IpProto.ICMP, 8, 0, 99)).timeout(30).build();

    private static InetAddress ip(String s) {
        return InetAddress.ofLiteral(s);
    }

    @Test
    void externalCacheAsConntrackdPrintsIt() {
        assertEquals("""
                tcp      6 SYN_SENT src=2001:db8::1 dst=2001:db8::2 sport=3333 dport=443 [UNREPLIED] mark=7 [active since 1s]
                icmp     1 src=10.1.1.1 dst=10.2.2.2 type=8 code=0 id=99 [UNREPLIED] mark=0 [active since 1s]
                tcp      6 ESTABLISHED src=10.1.1.1 dst=10.2.2.2 sport=1111 dport=80 [ASSURED] mark=0 [active since 2s]
                """, CacheDump.plain(List.of(new CacheDump(SYN_SENT6, 1), new CacheDump(PING, 1),
                new CacheDump(ESTABLISHED, 2)), CacheDump.Cache.EXTERNAL));
    }

    @Test
    void internalCacheKeepsTheReplyTuple() {
        assertEquals("tcp      6 ESTABLISHED src=10.1.1.1 dst=10.2.2.2 sport=1111 dport=80 src=10.2.2.2 dst=10.1.1.1 "
                        + "sport=80 dport=1111 [ASSURED] mark=0\n",
                CacheDump.plain(List.of(new CacheDump(ESTABLISHED, -1)), CacheDump.Cache.INTERNAL));
    }

    @Test
    void xmlAsConntrackdPrintsIt() {
        assertEquals("<flow><meta direction=\"original\"><layer3 protonum=\"2\" protoname=\"ipv4\"><src>10.1.1.1</src>"
                + "<dst>10.2.2.2</dst></layer3><layer4 protonum=\"6\" protoname=\"tcp\"><sport>1111</sport><dport>80"
                + "</dport></layer4></meta><meta direction=\"reply\"><layer3 protonum=\"0\" protoname=\"unknown\"><src>"
                + "</src><dst></dst></layer3><layer4 protonum=\"0\" protoname=\"unknown\"></layer4></meta><meta "
                + "direction=\"independent\"><state>ESTABLISHED</state><mark>0</mark><assured/></meta></flow>\n",
                CacheDump.xml(List.of(new CacheDump(ESTABLISHED, 2)), CacheDump.Cache.EXTERNAL));
        assertEquals("<flow><meta direction=\"original\"><layer3 protonum=\"2\" protoname=\"ipv4\"><src>10.1.1.1</src>"
                + "<dst>10.2.2.2</dst></layer3><layer4 protonum=\"1\" protoname=\"icmp\"></layer4></meta><meta "
                + "direction=\"reply\"><layer3 protonum=\"2\" protoname=\"ipv4\"><src>10.2.2.2</src><dst>10.1.1.1</dst>"
                + "</layer3><layer4 protonum=\"1\" protoname=\"icmp\"></layer4></meta><meta direction=\"independent\">"
                + "<mark>0</mark><unreplied/></meta></flow>\n",
                CacheDump.xml(List.of(new CacheDump(PING, -1)), CacheDump.Cache.INTERNAL));
    }

    @Test
    void conntrackdUptime() {
        assertEquals("0 min", ConntrackdStats.uptime(java.time.Duration.ofSeconds(59)));
        assertEquals("2 h 5 min", ConntrackdStats.uptime(java.time.Duration.ofMinutes(125)));
        assertEquals("1 day 0 min", ConntrackdStats.uptime(java.time.Duration.ofDays(1)));
    }

    /** conntrackd's rs_queue_dump: %u sequence numbers, so one past 2^31 prints unsigned. */
    @Test
    void conntrackdResendQueue() {
        assertEquals("resent queue (len=0)\n", ConntrackdStats.resendQueue(List.of()));
        assertEquals("""
                resent queue (len=3)
                object -> seq:2147483647
                object -> seq:2147483648
                control -> seq:4294967295 flags:8
                """, ConntrackdStats.resendQueue(List.of(
                        new org.hftfw.ftfw.ResendEntry.CacheObject(Integer.MAX_VALUE),
                        new org.hftfw.ftfw.ResendEntry.CacheObject(Integer.MIN_VALUE),
                        new org.hftfw.ftfw.ResendEntry.Control(-1, 8))));
    }
}
