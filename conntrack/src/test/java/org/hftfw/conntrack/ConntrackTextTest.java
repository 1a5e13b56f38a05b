package org.hftfw.conntrack;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Golden lines printed by conntrack v1.4.7 for entries created in a test namespace (see the lab tests for live checks). */
class ConntrackTextTest {

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static final Tuple TCP = Tuple.ports(ip("10.200.0.1"), ip("10.200.0.2"), IpProto.TCP, 1234, 80);
    private static final Tuple ICMP = Tuple.icmp(ip("10.200.0.1"), ip("10.200.0.2"), IpProto.ICMP, 8, 0, 77);

    @Test
    void listLines() {
        ConntrackEntry tcp = ConntrackEntry.builder(TCP).tcpState(TcpState.SYN_SENT).status(Status.CONFIRMED).timeout(119)
                .mark(9).use(1).counters(new Counters(0, 0), new Counters(0, 0)).build();
        assertEquals("tcp      6 119 SYN_SENT src=10.200.0.1 dst=10.200.0.2 sport=1234 dport=80 packets=0 bytes=0 [UNREPLIED] "
                + "src=10.200.0.2 dst=10.200.0.1 sport=80 dport=1234 packets=0 bytes=0 mark=9 use=1", ConntrackText.entry(tcp));

        ConntrackEntry udp6 = ConntrackEntry.builder(Tuple.ports(ip("fd00::1"), ip("fd00::2"), IpProto.UDP, 5000, 53))
                .status(Status.CONFIRMED | Status.SEEN_REPLY | Status.ASSURED).timeout(29).zone(5).use(1)
                .counters(new Counters(0, 0), new Counters(0, 0)).build();
        assertEquals("udp      17 29 src=fd00::1 dst=fd00::2 sport=5000 dport=53 packets=0 bytes=0 src=fd00::2 dst=fd00::1 "
                + "sport=53 dport=5000 packets=0 bytes=0 [ASSURED] mark=0 zone=5 use=1", ConntrackText.entry(udp6));

        ConntrackEntry icmp = ConntrackEntry.builder(ICMP).status(Status.CONFIRMED).timeout(29).use(1).id(234239158)
                .counters(new Counters(0, 0), new Counters(0, 0)).build();
        assertEquals("ipv4     2 icmp     1 29 src=10.200.0.1 dst=10.200.0.2 type=8 code=0 id=77 packets=0 bytes=0 [UNREPLIED] "
                        + "src=10.200.0.2 dst=10.200.0.1 type=0 code=0 id=77 packets=0 bytes=0 mark=0 use=1 id=234239158",
                ConntrackText.entry(icmp, ConntrackText.Option.EXTENDED, ConntrackText.Option.ID));
    }

    @Test
    void eventLines() {
        ConntrackEntry tcp = ConntrackEntry.builder(TCP).tcpState(TcpState.SYN_SENT).status(Status.CONFIRMED).timeout(120).mark(7).build();
        assertEquals("[1795673985.358671]\t    [NEW] tcp      6 120 SYN_SENT src=10.200.0.1 dst=10.200.0.2 sport=1234 dport=80 "
                        + "[UNREPLIED] src=10.200.0.2 dst=10.200.0.1 sport=80 dport=1234 mark=7 [USERSPACE] portid=5927",
                ConntrackText.event(new ConntrackEvent(EventType.NEW, tcp, 0, 1795673985358671L), 5927));

        ConntrackEntry upd = tcp.toBuilder().timeout(119).mark(9).id(4273121821L).build();
        assertEquals("[1795673985.378858]\t [UPDATE] ipv4     2 tcp      6 119 SYN_SENT src=10.200.0.1 dst=10.200.0.2 sport=1234 "
                        + "dport=80 [UNREPLIED] src=10.200.0.2 dst=10.200.0.1 sport=80 dport=1234 mark=9 id=4273121821 "
                        + "[USERSPACE] portid=3864934826",
                ConntrackText.event(new ConntrackEvent(EventType.UPDATE, upd, 0, 1795673985378858L), (int) 3864934826L,
                        ConntrackText.Option.EXTENDED, ConntrackText.Option.ID));

        ConntrackEntry icmp = ConntrackEntry.builder(ICMP).status(Status.CONFIRMED).timeout(29)
                .counters(new Counters(0, 0), new Counters(0, 0)).build();
        assertEquals("[1795673985.419807]\t[DESTROY] icmp     1 29 src=10.200.0.1 dst=10.200.0.2 type=8 code=0 id=77 packets=0 "
                        + "bytes=0 [UNREPLIED] src=10.200.0.2 dst=10.200.0.1 type=0 code=0 id=77 packets=0 bytes=0 "
                        + "[USERSPACE] portid=3472924620",
                ConntrackText.event(new ConntrackEvent(EventType.DESTROY, icmp, 0, 1795673985419807L), (int) 3472924620L));

        // a kernel-raised event: no mark when it is 0, no USERSPACE suffix
        ConntrackEntry est = ConntrackEntry.builder(TCP).tcpState(TcpState.ESTABLISHED)
                .status(Status.CONFIRMED | Status.SEEN_REPLY | Status.ASSURED).timeout(432000).build();
        assertEquals("[1700000000.012345]\t [UPDATE] tcp      6 432000 ESTABLISHED src=10.200.0.1 dst=10.200.0.2 sport=1234 "
                        + "dport=80 src=10.200.0.2 dst=10.200.0.1 sport=80 dport=1234 [ASSURED]",
                ConntrackText.event(new ConntrackEvent(EventType.UPDATE, est, 0, 1700000000012345L)));
    }

    @Test
    void statusTagsStatesAndOptionalFields() {
        ConntrackEntry e = ConntrackEntry.builder(TCP).protoState(42).status(Status.SEEN_REPLY | Status.ASSURED | Status.OFFLOAD)
                .helper("ftp").timestamps(1_000_000_000_000L, 1_000_000_065_500_000_000L / 1000).use(2).build();
        assertEquals("tcp      6 NONE src=10.200.0.1 dst=10.200.0.2 sport=1234 dport=80 src=10.200.0.2 dst=10.200.0.1 "
                + "sport=80 dport=1234 [OFFLOAD] mark=0 delta-time=999000 helper=ftp use=2", ConntrackText.entry(e, 0));
        ConntrackEntry running = e.toBuilder().timestamps(1_000_000_000_000_000_000L, 0).status(Status.SEEN_REPLY | Status.HW_OFFLOAD).build();
        assertEquals("tcp      6 NONE src=10.200.0.1 dst=10.200.0.2 sport=1234 dport=80 src=10.200.0.2 dst=10.200.0.1 "
                + "sport=80 dport=1234 [HW_OFFLOAD] mark=0 delta-time=5 helper=ftp use=2", ConntrackText.entry(running, 1_000_000_005L));
        ConntrackEntry sctp = ConntrackEntry.builder(Tuple.ports(ip("10.200.0.1"), ip("10.200.0.2"), IpProto.SCTP, 1, 2))
                .protoState(4).timeout(5).status(Status.SEEN_REPLY).build();
        assertEquals("sctp     132 5 ESTABLISHED src=10.200.0.1 dst=10.200.0.2 sport=1 dport=2 src=10.200.0.2 dst=10.200.0.1 "
                + "sport=2 dport=1 mark=0", ConntrackText.entry(sctp));
        ConntrackEntry gre = ConntrackEntry.builder(Tuple.ports(ip("10.200.0.1"), ip("10.200.0.2"), IpProto.GRE, 0x1234, 0xff))
                .timeout(5).status(Status.SEEN_REPLY).build();
        assertEquals("gre      47 5 src=10.200.0.1 dst=10.200.0.2 srckey=0x1234 dstkey=0xff src=10.200.0.2 dst=10.200.0.1 "
                + "srckey=0xff dstkey=0x1234 mark=0", ConntrackText.entry(gre));
        ConntrackEntry other = ConntrackEntry.builder(Tuple.ports(ip("10.200.0.1"), ip("10.200.0.2"), 253, 0, 0))
                .timeout(5).status(Status.SEEN_REPLY).build();
        assertEquals("unknown  253 5 src=10.200.0.1 dst=10.200.0.2 src=10.200.0.2 dst=10.200.0.1 mark=0", ConntrackText.entry(other));
    }

    @Test
    void ipv6AddressesAsInetNtop() {
        assertEquals("::", ConntrackText.address(ip("::")));
        assertEquals("::1", ConntrackText.address(ip("::1")));
        assertEquals("fd00::1:0:0:2", ConntrackText.address(ip("fd00:0:0:0:1:0:0:2")));
        assertEquals("fd00:0:1::", ConntrackText.address(ip("fd00:0:1:0:0:0:0:0")));
        assertEquals("fd00:1:2:3:4:5:6:7", ConntrackText.address(ip("fd00:1:2:3:4:5:6:7")));
        assertEquals("fd00:0:1:2:3:4:5:6", ConntrackText.address(ip("fd00:0:1:2:3:4:5:6"))); // a single zero group is not compressed
        assertEquals("1:0:0:2::3", ConntrackText.address(ip("1:0:0:2:0:0:0:3")));
        assertEquals("::1.2.3.4", ConntrackText.address(ip("::102:304")));
    }
}
