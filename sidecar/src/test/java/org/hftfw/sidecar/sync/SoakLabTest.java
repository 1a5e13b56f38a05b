package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.hftfw.sync.SyncSoak;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A short soak ({@code hftfw sync soak}) at a small flow count: the daemons as processes, seeded faults; at the end
 * the backup's kernel table equals the primary's (nothing lost, nothing stale) and every forged datagram from the
 * non-peer namespace was counted as a not-peer drop.
 */
@Tag("lab")
class SoakLabTest {

    @Test
    void aShortSoakLosesNothingAndCountsEveryForgedDatagram() throws Exception {
        SyncLab.assumeCapable();
        SyncSoak.Result r = SyncSoak.soak(Duration.ofSeconds(40), 200, 3, s -> System.out.println(s.line()));
        r.lines().forEach(System.out::println);
        assertTrue(r.injected().getOrDefault(SyncSoak.Fault.FORGED, 0) > 0, "the seed's first round forges: " + r);
        assertEquals(0, r.lost(), r.toString());
        assertEquals(0, r.stale(), r.toString());
        assertTrue(r.forgedSent() > 0, r.toString());
        assertEquals(r.forgedSent(), r.forgedCounted(), r.toString());
    }
}
