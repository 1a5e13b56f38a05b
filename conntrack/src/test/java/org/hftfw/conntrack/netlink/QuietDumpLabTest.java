package org.hftfw.conntrack.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackTable.EventSubscription;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code whileQuiet}: queued events are delivered before the step, later ones after it, none during it. */
@Tag("lab")
class QuietDumpLabTest {

    @Test
    void queuedEventsComeBeforeTheStepAndNewOnesAfterIt() throws Exception {
        LabAssumptions.assumeAvailable();
        try (NetnsLab lab = new NetnsLab("hqd"); KernelConntrackTable t = lab.netns("fw").openConntrack()) {
            List<String> seen = Collections.synchronizedList(new ArrayList<>());
            try (EventSubscription sub = t.subscribe(e -> seen.add(e.type() + " " + e.entry().original().sport()))) {
                List<ConntrackEntry> before = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    before.add(Entries.udp("10.238.0.1", "10.238.0.2", 1000 + i, 53, 60));
                }
                t.createAll(before);                       // 200 NEW events now queued for the pump
                int[] deliveredBeforeStep = new int[1];
                long dumped = sub.whileQuiet(() -> {
                    deliveredBeforeStep[0] = seen.size();
                    t.create(Entries.udp("10.238.0.1", "10.238.0.2", 5000, 53, 60));  // generated during the step
                    Thread.sleep(100);
                    assertEquals(deliveredBeforeStep[0], seen.size(), "no event delivered while the step runs");
                    return t.dump(e -> { });
                });
                assertEquals(201, dumped);
                assertEquals(200, deliveredBeforeStep[0], "every event queued before the step was delivered first");
                long end = System.nanoTime() + 5_000_000_000L;
                while (!seen.contains(EventType.NEW + " 5000") && System.nanoTime() < end) {
                    Thread.sleep(10);
                }
                assertTrue(seen.contains(EventType.NEW + " 5000"), "the event generated during the step came after it");
                assertEquals(201, seen.size());
            }
        }
    }
}
