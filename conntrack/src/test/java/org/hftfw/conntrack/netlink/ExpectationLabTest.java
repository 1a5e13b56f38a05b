package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.ExpectationTable;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Tuple;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.hftfw.conntrack.netlink.Entries.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Expectations through ctnetlink against a namespace's kernel table: an FTP control connection committed with the
 * {@code ftp} helper (as a backup commits a replicated master), an expectation for its data connection created,
 * listed by {@code conntrack -L expect}, dumped, reported as NEW and DESTROY events to another handle (not to the
 * writer's own subscription), replaced and deleted.
 */
@Tag("lab")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExpectationLabTest {

    static Expectation ftpData(ConntrackEntry master, int port) {
        Tuple m = master.original();
        Tuple expected = Tuple.ports(m.src(), m.dst(), IpProto.TCP, 0, port);
        Tuple mask = Tuple.ports(ip("255.255.255.255"), ip("255.255.255.255"), IpProto.TCP, 0, 0xffff);
        return new Expectation(m, expected, mask, 300, 0, 0, "ftp", null, null);
    }

    @Test
    void createListEventsDelete() throws Exception {
        LabAssumptions.assumeAvailable();
        LabAssumptions.assumeBinary("conntrack");
        try (NetnsLab lab = new NetnsLab("hxp")) {
            NetnsLab.Netns ns = lab.netns("exp");
            try (KernelConntrackTable t2 = ns.openConntrack();
                 KernelExpectationTable exps = KernelExpectationTable.open(
                         Ctnetlink.Options.defaults().withNetns(ns.path()));
                 KernelExpectationTable watcher = KernelExpectationTable.open(
                         Ctnetlink.Options.defaults().withNetns(ns.path()))) {
                ConntrackEntry master = Entries.tcpEstablished("10.201.0.1", "10.201.0.2", 40000, 21, 300, 0)
                        .toBuilder().helper("ftp").build();
                Expectation e = ftpData(master, 50000);
                // no master: the kernel refuses the expectation
                assertThrows(ConntrackException.NoSuchEntryException.class, () -> exps.create(e, false));

                record Event(EventType type, Expectation e) {}
                BlockingQueue<Event> events = new LinkedBlockingQueue<>();
                ExpectationTable.Listener l = (type, x) -> events.add(new Event(type, x));
                BlockingQueue<EventType> own = new LinkedBlockingQueue<>();
                try (ConntrackTable.EventSubscription _ = watcher.subscribe(l);
                     ConntrackTable.EventSubscription _ = exps.subscribe((type, x) -> own.add(type))) {
                    t2.create(master);
                    exps.create(e, false);
                    Event first = events.poll(5, TimeUnit.SECONDS);
                    assertTrue(first != null && first.type() == EventType.NEW, "NEW event: " + first);
                    Expectation ev = first.e();
                    assertEquals(e.master(), ev.master());
                    assertEquals(e.expected(), ev.expected());
                    assertEquals("ftp", ev.helper());

                    List<Expectation> dumped = new ArrayList<>();
                    assertEquals(1, exps.dump(dumped::add));
                    Expectation d = dumped.getFirst();
                    assertEquals(e.expected(), d.expected());
                    assertEquals(e.master(), d.master());
                    assertEquals(0, d.mask().sport());
                    assertEquals(0xffff, d.mask().dport());
                    assertTrue(d.timeout() > 0 && d.timeout() <= 300, "timeout " + d.timeout());
                    String listed = ns.exec("conntrack", "-L", "expect").check().stdout();
                    assertTrue(listed.contains("dport=50000") && listed.contains("ftp"), listed);

                    assertThrows(ConntrackException.EntryExistsException.class, () -> exps.create(e, false));
                    exps.create(e, true);
                    assertEquals(1, exps.dump(x -> { }));
                    // the replacement's own events (its DESTROY and NEW) may still be on their way on a busy
                    // machine: the delete's DESTROY is told apart only once the replacement's NEW has arrived
                    Event replaced;
                    do {
                        replaced = events.poll(5, TimeUnit.SECONDS);
                    } while (replaced != null && replaced.type() != EventType.NEW);
                    assertTrue(replaced != null, "the replacement's NEW event");

                    events.clear();
                    exps.delete(e);
                    Event gone = events.poll(5, TimeUnit.SECONDS);
                    assertTrue(gone != null && gone.type() == EventType.DESTROY, "DESTROY event: " + gone);
                    assertEquals(0, exps.dump(x -> { }));
                    assertThrows(ConntrackException.NoSuchEntryException.class, () -> exps.delete(e));
                    // the writer's own subscription never hears of its writes (they are not local changes)
                    assertEquals(List.of(), List.copyOf(own));
                }
                assertEquals(0, exps.malformed());
            }
        }
    }
}
