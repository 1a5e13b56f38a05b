package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackTable.BatchResult;
import org.hftfw.conntrack.Counters;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.hftfw.conntrack.netlink.Entries.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Request operations against the real kernel table of a namespace created for the test. */
@Tag("lab")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KernelTableLabTest {
    private static NetnsLab lab;
    private static NetnsLab.Netns ns;
    private static KernelConntrackTable table;


    @AfterAll
    static void tearDown() {
        if (table != null) {
            table.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    // assumptions per test, not in @BeforeAll: surefire drops a class aborted there from the counts (SUREFIRE-2300)
    @BeforeEach
    void emptyTable() {
        LabAssumptions.assumeAvailable();
        if (lab == null) {                                  // one namespace for the whole class, made by the first test
            lab = new NetnsLab("hnl");
            ns = lab.netns("ops");
            table = ns.openConntrack();
        }
        table.flush();
    }

    @Test
    void createGetUpdateDelete() {
        ConntrackEntry e = Entries.tcpEstablished("10.201.0.1", "10.201.0.2", 40000, 443, 300, 7);
        table.create(e);
        ConntrackEntry got = table.get(e.original(), 0).orElseThrow();
        assertEquals(e.original(), got.original());
        assertEquals(e.reply(), got.reply());
        assertEquals(TcpState.ESTABLISHED, got.tcpState());
        assertTrue(got.hasStatus(Status.ASSURED) && got.hasStatus(Status.SEEN_REPLY) && got.hasStatus(Status.CONFIRMED));
        assertEquals(7, got.mark());
        assertTrue(got.timeout() >= 298 && got.timeout() <= 300, "timeout " + got.timeout());
        assertNotEquals(0, got.id());
        assertTrue(got.use() >= 1);

        table.update(got.toBuilder().mark(9).timeout(1000).tcpState(TcpState.FIN_WAIT).build());
        ConntrackEntry updated = table.get(e.original(), 0).orElseThrow();
        assertEquals(9, updated.mark());
        assertEquals(TcpState.FIN_WAIT, updated.tcpState());
        assertTrue(updated.timeout() > 300, "timeout " + updated.timeout());

        table.delete(e.original(), 0);
        assertEquals(Optional.empty(), table.get(e.original(), 0));
    }

    @Test
    void typedErrors() {
        ConntrackEntry e = Entries.udp("10.201.1.1", "10.201.1.2", 5000, 53, 30);
        table.create(e);
        assertThrows(ConntrackException.EntryExistsException.class, () -> table.create(e));
        Tuple missing = Entries.udp("10.201.1.1", "10.201.1.2", 5001, 53, 30).original();
        assertThrows(ConntrackException.NoSuchEntryException.class, () -> table.delete(missing, 0));
        assertThrows(ConntrackException.NoSuchEntryException.class,
                () -> table.update(Entries.udp("10.201.1.1", "10.201.1.2", 5001, 53, 30)));
        ConntrackException noTimeout = assertThrows(ConntrackException.class,
                () -> table.create(ConntrackEntry.builder(missing).build()));
        assertEquals(ConntrackException.EINVAL, noTimeout.errno());
        assertTrue(table.stats().errors() >= 3);
    }

    @Test
    void protocolsFamiliesAndZones() {
        List<ConntrackEntry> entries = List.of(
                Entries.tcpEstablished("fd00:201::1", "fd00:201::2", 40001, 22, 120, 0),
                Entries.udp("fd00:201::1", "fd00:201::2", 5353, 5353, 30),
                Entries.icmpEcho("10.201.2.1", "10.201.2.2", 77, 30),
                Entries.icmpEcho("fd00:201::1", "fd00:201::2", 78, 30),
                Entries.udp("10.201.2.1", "10.201.2.2", 1234, 53, 30).toBuilder().zone(5).build());
        for (ConntrackEntry e : entries) {
            table.create(e);
        }
        List<ConntrackEntry> dumped = table.list();
        assertEquals(entries.size(), dumped.size());
        for (ConntrackEntry e : entries) {
            ConntrackEntry got = table.get(e.original(), e.zone()).orElseThrow(() -> new AssertionError("missing " + e));
            assertEquals(e.reply(), got.reply(), "reply tuple of " + e.original());
            assertEquals(e.zone(), got.zone());
            assertTrue(dumped.stream().anyMatch(d -> d.original().equals(e.original()) && d.zone() == e.zone()));
        }
        // zone 5 entry is not visible in zone 0
        assertEquals(Optional.empty(), table.get(entries.get(4).original(), 0));
        ConntrackEntry icmp = table.get(entries.get(2).original(), 0).orElseThrow();
        assertEquals(0, icmp.reply().icmpType(), "echo reply type in the reply tuple");
        assertEquals(IpProto.ICMP, icmp.l4proto());
    }

    @Test
    void flushRemovesBothFamilies() {
        LabAssumptions.assumeBinary("conntrack");
        table.create(Entries.udp("10.201.3.1", "10.201.3.2", 1, 2, 30));
        table.create(Entries.udp("fd00:201::3", "fd00:201::4", 1, 2, 30));
        assertEquals(2, table.list().size());
        table.flush();
        assertEquals(0, table.dump(e -> { }));
        assertEquals("", ns.exec("conntrack", "-L").check().stdout().strip());
    }

    @Test
    void batchedCreateReplaceAndCounts() {
        List<ConntrackEntry> entries = Entries.many(3000, 7);
        BatchResult first = table.createAll(entries, false);
        assertEquals(new BatchResult(3000, 3000, 0, 0, List.of()), first);
        assertEquals(3000, table.dump(e -> { }));

        BatchResult again = table.createAll(entries.subList(0, 100), false);
        assertEquals(100, again.failed());
        assertEquals(10, again.firstErrors().size());
        assertTrue(again.firstErrors().get(0).contains("EEXIST"), again.firstErrors().get(0));

        List<ConntrackEntry> marked = entries.subList(0, 600).stream().map(e -> e.toBuilder().mark(3).build()).toList();
        BatchResult replaced = table.createAll(marked, true);
        assertEquals(new BatchResult(600, 0, 600, 0, List.of()), replaced);
        assertEquals(3, table.get(entries.get(599).original(), 0).orElseThrow().mark());
        assertEquals(0, table.get(entries.get(600).original(), 0).orElseThrow().mark());
    }

    @Test
    void batchWithAckPerMessageGivesSameResult() {
        try (KernelConntrackTable acking = ns.openConntrack(Ctnetlink.Options.defaults().withBatch(64 << 10, 100, true))) {
            List<ConntrackEntry> entries = Entries.many(1000, 0);
            assertEquals(new BatchResult(1000, 1000, 0, 0, List.of()), acking.createAll(entries, false));
            BatchResult dup = acking.createAll(entries.subList(0, 250), false);
            assertEquals(250, dup.failed());
            assertEquals(1000, acking.dump(e -> { }));
        }
    }

    @Test
    void createdEntryVisibleToConntrackTool() {
        LabAssumptions.assumeBinary("conntrack");
        table.create(Entries.tcpEstablished("10.201.4.1", "10.201.4.2", 41000, 8080, 500, 42));
        String out = ns.exec("conntrack", "-L", "-p", "tcp").check().stdout().strip();
        assertTrue(out.startsWith("tcp      6 "), out);
        assertTrue(out.contains(" ESTABLISHED src=10.201.4.1 dst=10.201.4.2 sport=41000 dport=8080 "), out);
        assertTrue(out.contains("[ASSURED] mark=42 "), out);
        int timeout = Integer.parseInt(out.split("\\s+", -1)[2]);
        assertTrue(timeout >= 497 && timeout <= 500, out);
    }

    @Test
    void countersWhenAccountingIsOn() {
        ns.sysctl("net.netfilter.nf_conntrack_acct", "1");
        try {
            table.create(Entries.udp("10.201.5.1", "10.201.5.2", 7, 7, 30));
            ConntrackEntry got = table.list().get(0);
            assertEquals(new Counters(0, 0), got.originalCounters());
            assertEquals(new Counters(0, 0), got.replyCounters());
        } finally {
            ns.sysctl("net.netfilter.nf_conntrack_acct", "0");
        }
        table.flush();
        table.create(Entries.udp("10.201.5.1", "10.201.5.2", 7, 7, 30));
        assertEquals(null, table.list().get(0).originalCounters());
    }

    @Test
    void withoutCapNetAdminOpeningIsDenied() throws Exception {
        Throwable[] thrown = {null};
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Caps.dropAllOnThisThread();
                ns.call(() -> {
                    throw new AssertionError("setns must fail without CAP_SYS_ADMIN");
                });
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        t.join();
        assertTrue(thrown[0] instanceof ConntrackException.PermissionDeniedException, String.valueOf(thrown[0]));

        Throwable[] denied = {null};
        Thread u = Thread.ofPlatform().start(() -> {
            try {
                Caps.dropAllOnThisThread();
                Ctnetlink.open().close();
            } catch (Throwable e) {
                denied[0] = e;
            }
        });
        u.join();
        assertTrue(denied[0] instanceof ConntrackException.PermissionDeniedException, String.valueOf(denied[0]));
        assertFalse(denied[0].getMessage().contains("\n"));
        assertTrue(denied[0].getMessage().contains("CAP_NET_ADMIN"), denied[0].getMessage());
    }

    @Test
    void addressesComeBackExactly() {
        ConntrackEntry e = Entries.tcpEstablished("fd00:201::abcd:1", "fd00:201::1:2", 1, 65535, 60, 0xffffffffL);
        table.create(e);
        ConntrackEntry got = table.get(e.original(), 0).orElseThrow();
        assertEquals(ip("fd00:201::abcd:1"), got.original().src());
        assertEquals(65535, got.original().dport());
        assertEquals(0xffffffffL, got.mark());
    }
}
