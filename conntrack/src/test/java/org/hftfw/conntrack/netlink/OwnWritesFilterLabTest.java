package org.hftfw.conntrack.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.ConntrackTable.Write;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ConntrackTable#subscribe(org.hftfw.conntrack.ConntrackEventListener, int)} on the kernel's table: the socket
 * filter leaves out every event of the ignored writer's requests (creates, updates, deletes), while the events of
 * another handle's writes and the kernel's own changes to the writer's entries (here an expiry) still arrive; a
 * subscription without the filter, on the same writes, gets them all (the filter is what drops them).
 */
@Tag("lab")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OwnWritesFilterLabTest {
    private static final int WRITES = 200;

    @Test
    void theWritersEventsAreLeftOutAndEveryOtherEventArrives() throws Exception {
        LabAssumptions.assumeAvailable();
        try (NetnsLab lab = new NetnsLab("hof")) {
            NetnsLab.Netns ns = lab.netns("o");
            try (KernelConntrackTable reader = ns.openConntrack(); KernelConntrackTable writer = ns.openConntrack();
                 KernelConntrackTable other = ns.openConntrack()) {
                run(reader, writer, other);
            }
        }
    }

    private static void run(KernelConntrackTable reader, KernelConntrackTable writer, KernelConntrackTable other)
            throws InterruptedException {
        LinkedBlockingQueue<ConntrackEvent> all = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<ConntrackEvent> filtered = new LinkedBlockingQueue<>();
        try (ConntrackTable.EventSubscription _ = reader.subscribe(all::add);
             ConntrackTable.EventSubscription _ = reader.subscribe(filtered::add, writer.origin())) {
            List<Write> creates = new ArrayList<>();
            for (int i = 0; i < WRITES; i++) {
                creates.add(new Write.Upsert(Entries.tcpEstablished("10.203.0.1", "10.203.0.2", 20000 + i, 443,
                        300, 1), false));
            }
            assertEquals(WRITES, writer.writeAll(creates).created());
            ConntrackEntry first = Entries.tcpEstablished("10.203.0.1", "10.203.0.2", 20000, 443, 300, 1);
            ConntrackEntry second = Entries.tcpEstablished("10.203.0.1", "10.203.0.2", 20001, 443, 300, 1);
            writer.writeAll(List.of(new Write.Timeout(first.original(), 0, 1000),
                    new Write.Delete(second.original(), 0)));
            // the writer's entry the kernel itself changes: it expires, and the kernel's DESTROY is not the writer's
            ConntrackEntry expiring = Entries.tcpEstablished("10.203.0.1", "10.203.0.2", 30000, 443, 1, 1);
            writer.writeAll(List.of(new Write.Upsert(expiring, false)));
            ConntrackEntry others = Entries.udp("10.203.0.3", "10.203.0.4", 5353, 53, 60);
            other.create(others);

            // the other handle's NEW came after every write of the writer, on the same socket queue: once it is
            // delivered, whatever of the writer's the filter let through would have been delivered before it
            ConntrackEvent othersNew = nextMatching(filtered, e -> e.entry().original().equals(others.original()));
            assertEquals(other.origin(), othersNew.origin());
            assertEquals(EventType.NEW, othersNew.type());
            reader.get(expiring.original(), 0);       // a lookup reaps it once expired (or the kernel's GC)
            ConntrackEvent expiry = awaitExpiry(reader, filtered, expiring);
            assertEquals(ConntrackEvent.ORIGIN_KERNEL, expiry.origin(), "the kernel's own change: " + expiry);

            List<ConntrackEvent> seen = new ArrayList<>(List.of(othersNew, expiry));
            filtered.drainTo(seen);
            assertTrue(seen.stream().noneMatch(e -> e.origin() == writer.origin()),
                    "no event of the writer's requests: " + seen.stream().filter(
                            e -> e.origin() == writer.origin()).limit(5).toList());

            // without the filter the same writes' events arrive: WRITES creates, an update, a delete, a create
            int writersEvents = WRITES + 3;
            int got = 0;
            while (got < writersEvents) {
                ConntrackEvent e = all.poll(10, TimeUnit.SECONDS);
                assertTrue(e != null, "the unfiltered subscription got " + got + " of the writer's "
                        + writersEvents + " events");
                if (e.origin() == writer.origin()) {
                    got++;
                }
            }
        }
    }

    private static ConntrackEvent nextMatching(LinkedBlockingQueue<ConntrackEvent> q,
                                               java.util.function.Predicate<ConntrackEvent> p)
            throws InterruptedException {
        List<ConntrackEvent> before = new ArrayList<>();
        while (true) {
            ConntrackEvent e = q.poll(10, TimeUnit.SECONDS);
            assertTrue(e != null, "the expected event did not come; before it: " + before);
            if (p.test(e)) {
                q.addAll(before);                            // checked with the rest by the caller
                return e;
            }
            before.add(e);
        }
    }

    /** Waits for the kernel's DESTROY of {@code e} (it expires after its 1 s timeout), looking it up meanwhile. */
    private static ConntrackEvent awaitExpiry(KernelConntrackTable reader, LinkedBlockingQueue<ConntrackEvent> q,
                                              ConntrackEntry e) throws InterruptedException {
        List<ConntrackEvent> before = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            ConntrackEvent got = q.poll(200, TimeUnit.MILLISECONDS);
            if (got == null) {
                reader.get(e.original(), 0);
                continue;
            }
            if (got.type() == EventType.DESTROY && got.entry().original().equals(e.original())) {
                q.addAll(before);
                return got;
            }
            before.add(got);
        }
        throw new AssertionError("no DESTROY of the expired entry within 30 s; seen: " + before);
    }
}
