package org.hftfw.conntrack.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.ArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.ConntrackTable.Write;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ConntrackTable#writeAll} on the kernel's table: one batch of upserts (each guess right and wrong), deletes
 * and timeout-only updates (present and absent), with the fallbacks and counts; and the origin of the events: the
 * writing socket's port id for its writes, the kernel's (0) otherwise, so a listener can tell its own writes apart.
 */
@Tag("lab")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WriteAllLabTest {

    @Test
    void oneBatchUpsertsDeletesAndSetsTimeoutsAndItsEventsCarryTheWritersOrigin() throws Exception {
        LabAssumptions.assumeAvailable();
        try (NetnsLab lab = new NetnsLab("hwa")) {
            NetnsLab.Netns ns = lab.netns("w");
            try (KernelConntrackTable events = ns.openConntrack(); KernelConntrackTable writer = ns.openConntrack()) {
                LinkedBlockingQueue<ConntrackEvent> seen = new LinkedBlockingQueue<>();
                try (ConntrackTable.EventSubscription _ = events.subscribe(seen::add)) {
                    ConntrackEntry present = Entries.tcpEstablished("10.202.0.1", "10.202.0.2", 40000, 443, 300, 1);
                    ConntrackEntry presentToo = Entries.tcpEstablished("10.202.0.1", "10.202.0.2", 40001, 443, 300, 1);
                    ConntrackEntry gone = Entries.tcpEstablished("10.202.0.1", "10.202.0.2", 40002, 443, 300, 1);
                    ConntrackEntry timed = Entries.tcpEstablished("10.202.0.1", "10.202.0.2", 40003, 443, 300, 1);
                    ConntrackEntry demoted = Entries.tcpEstablished("10.202.0.1", "10.202.0.2", 40006, 443, 300, 1);
                    events.createAll(List.of(present, presentToo, gone, timed, demoted));
                    ConntrackEntry fresh = Entries.tcpEstablished("10.202.0.1", "10.202.0.2", 40004, 443, 300, 2);
                    ConntrackEntry freshToo = Entries.tcpEstablished("10.202.0.1", "10.202.0.2", 40005, 443, 300, 2);

                    ConntrackTable.WriteResult r = writer.writeAll(List.of(
                            new Write.Upsert(present.toBuilder().mark(5).build(), true),      // exists: update
                            new Write.Upsert(presentToo.toBuilder().mark(6).tcpState(TcpState.FIN_WAIT).build(), false),
                            new Write.Upsert(fresh, true),
                            new Write.Upsert(freshToo, false),                                // absent: create
                            // clearing ASSURED: the kernel refuses the update (EBUSY), so the entry is replaced
                            new Write.Upsert(demoted.toBuilder().status(org.hftfw.conntrack.Status.SEEN_REPLY).build(),
                                    false),
                            new Write.Delete(gone.original(), 0),
                            new Write.Delete(gone.original(), 0),                             // absent by now
                            new Write.Timeout(timed.original(), 0, 5000),
                            new Write.Timeout(Entries.tcpEstablished("10.202.0.1", "10.202.0.2", 40009, 443, 300, 0)
                                    .original(), 0, 5000)));                                  // no such entry
                    assertEquals(new ConntrackTable.WriteResult(9, 3, 3, 1, 2, 0, List.of()), r);
                    assertTrue(!events.get(demoted.original(), 0).orElseThrow().hasStatus(
                            org.hftfw.conntrack.Status.ASSURED), "replaced without ASSURED");
                    assertEquals(5, events.get(present.original(), 0).orElseThrow().mark());
                    ConntrackEntry p2 = events.get(presentToo.original(), 0).orElseThrow();
                    assertEquals(6, p2.mark());
                    assertEquals(TcpState.FIN_WAIT, p2.tcpState());
                    assertTrue(events.get(freshToo.original(), 0).isPresent());
                    assertTrue(events.get(gone.original(), 0).isEmpty());
                    ConntrackEntry t = events.get(timed.original(), 0).orElseThrow();
                    assertTrue(t.timeout() > 4990, "timeout only: " + t.timeout());
                    assertEquals(1, t.mark(), "a timeout write leaves the mark");

                    List<ConntrackEvent> all = new ArrayList<>();
                    // 5 creates; then 2 creates, 3 updates, 1 delete, and the replacement's delete and create
                    for (int i = 0; i < 5 + 8; i++) {
                        ConntrackEvent e = seen.poll(5, TimeUnit.SECONDS);
                        assertTrue(e != null, "event " + i + " of 13 did not come: " + all);
                        all.add(e);
                    }
                    assertTrue(all.subList(0, 5).stream().allMatch(e -> e.origin() == events.origin()),
                            "the first handle's creates: " + all);
                    assertTrue(all.subList(5, all.size()).stream().allMatch(e -> e.origin() == writer.origin()),
                            "the writer's writes: " + all);
                    assertTrue(writer.origin() != events.origin() && writer.origin() != ConntrackEvent.ORIGIN_KERNEL);
                }
            }
        }
    }
}
