package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.ConntrackException.MalformedException;
import org.hftfw.conntrack.Counters;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.MutableEntry;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.hftfw.conntrack.netlink.Entries.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CtCodecTest {

    static List<ConntrackEntry> entries() {
        Tuple tcp4 = Tuple.ports(ip("10.201.0.1"), ip("10.201.0.2"), IpProto.TCP, 40000, 443);
        return List.of(
                ConntrackEntry.builder(tcp4).tcpState(TcpState.ESTABLISHED)
                        .status(Status.SEEN_REPLY | Status.ASSURED | Status.CONFIRMED).timeout(431999).mark(0xdeadbeefL)
                        .zone(65535).id(0xfffffffeL).use(3).counters(new Counters(12, 3456), new Counters(Long.MAX_VALUE, 1L << 40))
                        .timestamps(1_700_000_000_123_456_789L, 1_700_000_100_000_000_000L).helper("ftp")
                        .tcp(new ConntrackEntry.TcpInfo(7, 14, 0x23, 0x0f)).build(),
                // NAT: reply tuple differs from the inverse
                ConntrackEntry.builder(tcp4).reply(Tuple.ports(ip("10.202.0.9"), ip("10.201.0.1"), IpProto.TCP, 8443, 40000))
                        .tcpState(TcpState.SYN_SENT2).status(Status.SRC_NAT | Status.DST_NAT_DONE).timeout(0).build(),
                ConntrackEntry.builder(Tuple.ports(ip("fd00::1"), ip("fd00::ffff:2"), IpProto.UDP, 5353, 53)).timeout(30).build(),
                ConntrackEntry.builder(Tuple.icmp(ip("10.201.0.1"), ip("10.201.0.2"), IpProto.ICMP, 8, 0, 65535)).timeout(29).use(1).build(),
                ConntrackEntry.builder(Tuple.icmp(ip("fd00::1"), ip("fd00::2"), IpProto.ICMPV6, 128, 0, 1)).timeout(29).build(),
                ConntrackEntry.builder(Tuple.ports(ip("10.201.0.1"), ip("10.201.0.2"), IpProto.SCTP, 1, 2)).protoState(4).timeout(5).build(),
                ConntrackEntry.builder(Tuple.ports(ip("10.201.0.1"), ip("10.201.0.2"), IpProto.DCCP, 3, 4)).protoState(9).timeout(5).build(),
                ConntrackEntry.builder(Tuple.ports(ip("10.201.0.1"), ip("10.201.0.2"), IpProto.GRE, 0x1234, 0x5678)).timeout(5).build(),
                ConntrackEntry.builder(Tuple.ports(ip("10.201.0.1"), ip("10.201.0.2"), 200, 0, 0)).build());
    }

    private static ConntrackEntry decode(byte[] msg) {
        return new CtDecoder().decode(MemorySegment.ofArray(msg), 0, msg.length);
    }

    @ParameterizedTest
    @MethodSource("entries")
    void everyAttributeRoundTrips(ConntrackEntry e) {
        byte[] msg = KernelImage.message(e, Cta.IPCTNL_MSG_CT_NEW, 0);
        assertEquals(e, decode(msg));
    }

    /** The event path's reused view reads the same values as the entry, message after message. */
    @Test
    void theReusedViewHoldsWhatTheEntryHolds() {
        CtDecoder d = new CtDecoder();
        for (int round = 0; round < 2; round++) {
            for (ConntrackEntry e : entries()) {
                byte[] msg = KernelImage.message(e, Cta.IPCTNL_MSG_CT_NEW, 0);
                MutableEntry view = d.decodeView(MemorySegment.ofArray(msg), 0, msg.length);
                assertEquals(e, view.toEntry());
                assertEquals(e.isNatted(), view.isNatted(), e.toString());
                assertEquals(e, new MutableEntry().copyFrom(view).toEntry(), "a copy of the view");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("entries")
    void everyTruncationIsRejectedOrLeavesAValidPrefix(ConntrackEntry e) {
        byte[] msg = KernelImage.message(e, Cta.IPCTNL_MSG_CT_NEW, 0);
        int rejected = 0;
        for (int cut = 0; cut < msg.length; cut++) {
            try {
                ConntrackEntry got = new CtDecoder().decode(MemorySegment.ofArray(msg), 0, cut);
                assertEquals(e.original(), got.original(), "a prefix that decodes must carry the original tuple");
            } catch (MalformedException expected) {
                rejected++;
                assertNotNull(expected.getMessage());
            }
        }
        assertTrue(rejected > msg.length / 2, "most cuts fall inside an attribute: " + rejected + "/" + msg.length);
    }

    /** The encoder's allocation-free IPv4 read gives the address's bytes, big-endian, for every first octet. */
    @Test
    void ipv4AddressesAreEncodedAsTheirBytes() throws java.net.UnknownHostException {
        java.util.Random r = new java.util.Random(7);
        for (int first = 0; first < 256; first++) {
            byte[] b = {(byte) first, (byte) r.nextInt(256), (byte) r.nextInt(256), (byte) r.nextInt(256)};
            int expected = (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
            assertEquals(expected, CtEncoder.v4(java.net.InetAddress.getByAddress(b)), java.util.Arrays.toString(b));
        }
    }

    @Test
    void nlaLenOverrunIsRejected() {
        byte[] msg = KernelImage.message(entries().get(2), Cta.IPCTNL_MSG_CT_NEW, 0);
        // first attribute (CTA_TUPLE_ORIG) at offset 20: claim more bytes than the message has
        MemorySegment.ofArray(msg).set(NlWriter.H16, 20, (short) msg.length);
        MalformedException e = assertThrows(MalformedException.class, () -> decode(msg));
        assertTrue(e.getMessage().contains("overruns"), e.getMessage());
    }

    @Test
    void nlaLenBelowHeaderIsRejected() {
        byte[] msg = KernelImage.message(entries().get(2), Cta.IPCTNL_MSG_CT_NEW, 0);
        MemorySegment.ofArray(msg).set(NlWriter.H16, 20, (short) 3);
        MalformedException e = assertThrows(MalformedException.class, () -> decode(msg));
        assertTrue(e.getMessage().contains("nla_len 3"), e.getMessage());
    }

    @Test
    void wrongFixedLengthIsRejected() {
        NlWriter w = new NlWriter(MemorySegment.ofArray(new byte[1024]));
        int m = w.beginMessage(Cta.msgType(Cta.IPCTNL_MSG_CT_NEW), 0, 0, Nl.AF_INET, 0);
        CtEncoder.tuple(w, Cta.TUPLE_ORIG, entries().get(3).original());
        w.putBe16(Cta.STATUS, 6);   // CTA_STATUS must be 4 bytes
        w.endMessage(m);
        byte[] msg = w.toByteArray();
        MalformedException e = assertThrows(MalformedException.class, () -> decode(msg));
        assertEquals("CTA_STATUS: payload of 2 bytes, expected 4", e.getMessage());

        NlWriter v = new NlWriter(MemorySegment.ofArray(new byte[1024]));
        int n = v.beginMessage(Cta.msgType(Cta.IPCTNL_MSG_CT_NEW), 0, 0, Nl.AF_INET, 0);
        int o = v.beginNested(Cta.TUPLE_ORIG);
        int ipn = v.beginNested(Cta.TUPLE_IP);
        v.putBytes(Cta.IP_V4_SRC, new byte[] {10, 0, 0, 1, 0});
        v.endNested(ipn);
        v.endNested(o);
        v.endMessage(n);
        byte[] bad = v.toByteArray();
        MalformedException f = assertThrows(MalformedException.class, () -> decode(bad));
        assertEquals("CTA_TUPLE_ORIG/CTA_TUPLE_IP/CTA_IP_V4_SRC: payload of 5 bytes, expected 4", f.getMessage());
    }

    @Test
    void missingOrIncompleteTuplesAreRejected() {
        NlWriter w = new NlWriter(MemorySegment.ofArray(new byte[1024]));
        int m = w.beginMessage(Cta.msgType(Cta.IPCTNL_MSG_CT_NEW), 0, 0, Nl.AF_INET, 0);
        w.putBe32(Cta.STATUS, 8);
        w.endMessage(m);
        byte[] noTuple = w.toByteArray();
        assertEquals("ctnetlink message without CTA_TUPLE_ORIG",
                assertThrows(MalformedException.class, () -> decode(noTuple)).getMessage());

        NlWriter v = new NlWriter(MemorySegment.ofArray(new byte[1024]));
        int n = v.beginMessage(Cta.msgType(Cta.IPCTNL_MSG_CT_NEW), 0, 0, Nl.AF_INET, 0);
        int o = v.beginNested(Cta.TUPLE_ORIG);
        int ipn = v.beginNested(Cta.TUPLE_IP);
        v.putBytes(Cta.IP_V4_SRC, new byte[] {10, 0, 0, 1});
        v.putBytes(Cta.IP_V6_DST, new byte[16]);
        v.endNested(ipn);
        v.endNested(o);
        v.endMessage(n);
        byte[] mixed = v.toByteArray();
        assertTrue(assertThrows(MalformedException.class, () -> decode(mixed)).getMessage().contains("different address families"));
    }

    @Test
    void unknownAttributesAreSkippedAndCounted() {
        ConntrackEntry e = entries().get(0);
        NlWriter w = new NlWriter(MemorySegment.ofArray(new byte[4096]));
        KernelImage.write(w, e, Cta.IPCTNL_MSG_CT_NEW, 0, 0, x -> {
            x.putBe32(Cta.MAX + 7, 1);                 // unknown top-level attribute
            int nest = x.beginNested(Cta.MAX + 8);     // unknown nested attribute with content
            x.putBe64(1, 2);
            x.endNested(nest);
            x.putBytes(Cta.LABELS, new byte[16]);      // known, not modelled: skipped, not counted
            int secctx = x.beginNested(Cta.SECCTX);
            x.putString(1, "system_u:object_r:unlabeled_t:s0");
            x.endNested(secctx);
        });
        byte[] msg = w.toByteArray();
        AtomicLong unknown = new AtomicLong();
        ConntrackEntry got = new CtDecoder(unknown, TupleCache.REQUEST_SLOTS).decode(MemorySegment.ofArray(msg), 0, msg.length);
        assertEquals(e, got);
        assertEquals(2, unknown.get());
    }

    @Test
    void nestedFlagAndByteOrderFlagAreMasked() {
        ConntrackEntry e = entries().get(3);
        byte[] msg = KernelImage.message(e, Cta.IPCTNL_MSG_CT_NEW, 0);
        MemorySegment seg = MemorySegment.ofArray(msg);
        // the writer sets NLA_F_NESTED on nests; clear it on CTA_TUPLE_ORIG (old kernels) and add NET_BYTEORDER
        seg.set(NlWriter.H16, 22, (short) (Cta.TUPLE_ORIG | Nl.NLA_F_NET_BYTEORDER));
        assertEquals(e, decode(msg));
    }

    /**
     * A backup's commit, encoded with its changes applied on the way, is byte for byte the request of the committed
     * entry: EXPECTED cleared, the timeout replaced, BE_LIBERAL ORed in (TCP info of zeros where none was received).
     */
    @ParameterizedTest
    @MethodSource("entries")
    void aCommitEncodesAsItsCommittedEntry(ConntrackEntry received) {
        ConntrackEntry e = received.toBuilder().status(received.status() | Status.EXPECTED).build();
        ConntrackEntry noTcpInfo = e.toBuilder().tcp(null).build();
        for (ConntrackEntry in : List.of(e, noTcpInfo)) {
            for (boolean liberal : new boolean[] {true, false}) {
                ConntrackTable.Write.Commit c = new ConntrackTable.Write.Commit(in, 7200, liberal, true);
                ConntrackEntry committed = c.committed();
                assertEquals(0, committed.status() & Status.EXPECTED);
                assertEquals(7200, committed.timeout());
                if (liberal && in.l4proto() == IpProto.TCP) {
                    assertEquals(ConntrackEntry.TcpInfo.FLAG_BE_LIBERAL,
                            committed.tcp().flagsOriginal() & committed.tcp().flagsReply()
                                    & ConntrackEntry.TcpInfo.FLAG_BE_LIBERAL);
                }
                NlWriter direct = new NlWriter(MemorySegment.ofArray(new byte[1024]));
                NlWriter viaCopy = new NlWriter(MemorySegment.ofArray(new byte[1024]));
                CtEncoder.create(direct, c, 9, true);
                CtEncoder.create(viaCopy, committed, 9, true);
                assertArrayEquals(viaCopy.toByteArray(), direct.toByteArray(), "create " + in + " liberal " + liberal);
                direct = new NlWriter(MemorySegment.ofArray(new byte[1024]));
                viaCopy = new NlWriter(MemorySegment.ofArray(new byte[1024]));
                CtEncoder.update(direct, c, 9, false);
                CtEncoder.update(viaCopy, committed, 9, false);
                assertArrayEquals(viaCopy.toByteArray(), direct.toByteArray(), "update " + in + " liberal " + liberal);
            }
        }
    }

    @Test
    void requestsEncodeWhatTheKernelExpects() {
        ConntrackEntry e = ConntrackEntry.builder(Tuple.ports(ip("10.201.0.1"), ip("10.201.0.2"), IpProto.TCP, 1000, 80))
                .tcpState(TcpState.ESTABLISHED).status(Status.SEEN_REPLY | Status.ASSURED | Status.DYING | Status.OFFLOAD)
                .timeout(120).mark(5).zone(7).tcp(new ConntrackEntry.TcpInfo(7, 7, 0x3f, 0x08)).build();
        NlWriter w = new NlWriter(MemorySegment.ofArray(new byte[1024]));
        CtEncoder.create(w, e, 42, true);
        byte[] msg = w.toByteArray();
        MemorySegment seg = MemorySegment.ofArray(msg);
        assertEquals(msg.length, seg.get(NlWriter.H32, 0));
        assertEquals(0x100, seg.get(NlWriter.H16, 4));
        assertEquals(Nl.NLM_F_REQUEST | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL | Nl.NLM_F_ACK, seg.get(NlWriter.H16, 6));
        assertEquals(42, seg.get(NlWriter.H32, 8));
        assertEquals(Nl.AF_INET, msg[16]);
        ConntrackEntry back = decode(msg);
        assertEquals(e.original(), back.original());
        assertEquals(e.reply(), back.reply());
        assertEquals(Status.SEEN_REPLY | Status.ASSURED | Status.CONFIRMED, back.status(), "kernel-only bits dropped, CONFIRMED set");
        assertEquals(120, back.timeout());
        assertEquals(5, back.mark());
        assertEquals(7, back.zone());
        assertEquals(TcpState.ESTABLISHED, back.tcpState());
        assertEquals(new ConntrackEntry.TcpInfo(7, 7, 0x0f, 0x08), back.tcp(), "only user-settable TCP flags");

        NlWriter u = new NlWriter(MemorySegment.ofArray(new byte[1024]));
        CtEncoder.update(u, e.toBuilder().timeout(-1).build(), 43, false);
        MemorySegment us = MemorySegment.ofArray(u.toByteArray());
        assertEquals(Nl.NLM_F_REQUEST, us.get(NlWriter.H16, 6));
        assertEquals(-1, decode(u.toByteArray()).timeout(), "no timeout sent when unknown");

        assertThrows(IllegalArgumentException.class,
                () -> CtEncoder.create(new NlWriter(MemorySegment.ofArray(new byte[1024])), e.toBuilder().timeout(-1).build(), 1, true));
    }

    @Test
    void datagramFramingErrorsStopTheWalkAfterGoodMessages() {
        byte[] one = KernelImage.message(entries().get(2), Cta.IPCTNL_MSG_CT_NEW, 0);
        byte[] two = new byte[one.length * 2 + 8];
        System.arraycopy(one, 0, two, 0, one.length);
        System.arraycopy(one, 0, two, one.length, one.length);
        MemorySegment seg = MemorySegment.ofArray(two);
        seg.set(NlWriter.H32, one.length * 2L, 16); // third header claims 16 bytes but only 8 remain
        List<Integer> seen = new ArrayList<>();
        MalformedException e = assertThrows(MalformedException.class,
                () -> Datagrams.forEach(seg, two.length, (s, off, len, type, flags, seq) -> seen.add(off)));
        assertEquals(List.of(0, one.length), seen);
        assertTrue(e.getMessage().contains("truncated netlink header"), e.getMessage());

        seg.set(NlWriter.H32, one.length, 8); // second message: nlmsg_len below the header size
        seen.clear();
        assertThrows(MalformedException.class,
                () -> Datagrams.forEach(seg, two.length, (s, off, len, type, flags, seq) -> seen.add(off)));
        assertEquals(List.of(0), seen);
    }
}
