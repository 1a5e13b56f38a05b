package org.hftfw.ftfw;

import static org.hftfw.ftfw.SimLink.MS;
import static org.hftfw.ftfw.SimLink.SEC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hftfw.conntrack.ConntrackEntry;
import org.junit.jupiter.api.Test;

/**
 * The primary's push of its table on first contact (issue 14 item 3), on virtual time: a backup that started before
 * its primary is filled, and in the usual start orders and restarts the pair still makes exactly one bulk.
 */
class FirstContactTest {
    private static final long SEQ_A = 1_765_000_000L;
    private static final long SEQ_B = 1_765_000_700L;
    private static final long WAIT = 2 * SEC;      // two alive intervals of SimLink.config() (1 s), as SyncNode asks

    /** A's table holds {@code n} flows that no event announced (loaded before its daemon started). */
    private static void tableBeforeStart(SimLink s, int n) {
        for (int i = 0; i < n; i++) {
            ConntrackEntry e = RandomEntries.tcpFlow(i, 600);
            s.truth.put(e.flowId(), e);
        }
    }

    /** What SyncNode wires: A publishes and pushes on first contact; B asks when it sees A restart. */
    private static void wire(SimLink s) {
        s.a.pushTableOnFirstContact(WAIT);
        s.a.onPeerRestart(s.a::sendBulk);
        s.b.onPeerRestart(s.b::requestResync);
    }

    @Test
    void aBackupStartedBeforeItsPrimaryGetsTheTable() {
        SimLink s = new SimLink(SimLink.config(), 1, SEQ_A, SEQ_B);
        s.aToB = (n, r) -> -1L;                            // the primary's daemon is not running yet
        s.bToA = (n, r) -> -1L;
        s.b.onPeerRestart(s.b::requestResync);
        s.b.requestResync();                               // the startup RESYNC: nobody hears it
        s.clock.advance(3 * SEC);
        assertEquals(0, s.cacheB.size());

        tableBeforeStart(s, 500);
        s.aToB = SimLink.PERFECT;
        s.bToA = SimLink.PERFECT;
        s.restartA(SEQ_A);
        wire(s);
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 20 * SEC) >= 0,
                s.cacheB.size() + " of 500\n" + s.a.stats().format());
        assertEquals(1, s.a.stats().bulksSent());
    }

    @Test
    void aBackupStartedAfterItsPrimaryAsksAndGetsOneBulk() {
        SimLink s = new SimLink(SimLink.config(), 2, SEQ_A, SEQ_B);
        tableBeforeStart(s, 500);
        wire(s);
        s.b.requestResync();                               // the backup's startup RESYNC
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 20 * SEC) >= 0, s.a.stats().format());
        s.clock.advance(10 * SEC);                         // past the first-contact wait and the resync interval
        assertEquals(1, s.a.stats().bulksSent(), "the first-contact push joined the RESYNC\n" + s.a.stats().format());
    }

    /**
     * A backup started while its primary already runs: the primary answers the startup RESYNC with a bulk before it
     * has read the backup's HELLO_BACK, so it still says HELLO. Its bulk's END and HOLDS said no HELLO, the backup
     * took the primary's next HELLO for a restart and asked for the whole table again (two bulks, one "peer
     * restarted" on every start; seen through the daemons in {@code hftfw sync event-bench}).
     */
    @Test
    void aBackupStartedAfterARunningPrimarySeesNoRestartAndGetsOneBulk() {
        for (int flows : new int[] {0, 50}) {
            for (long gap : new long[] {5 * MS, 200 * MS, 900 * MS}) {
                assertOneBulkAndNoRestart(flows, gap);
            }
        }
    }

    private static void assertOneBulkAndNoRestart(int flows, long gap) {
        SimLink s = new SimLink(SimLink.config(), 4, SEQ_A, SEQ_B);
        tableBeforeStart(s, flows);
        s.aToB = (n, r) -> -1L;                        // the backup's daemon is not running yet
        s.bToA = (n, r) -> -1L;
        wire(s);
        s.clock.advance(gap);
        s.aToB = SimLink.PERFECT;
        s.bToA = SimLink.PERFECT;
        s.restartB(SEQ_B, true);
        s.b.onPeerRestart(s.b::requestResync);
        s.b.requestResync();                           // the backup's startup RESYNC
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 20 * SEC) >= 0, s.a.stats().format());
        s.clock.advance(10 * SEC);
        assertEquals(0, s.b.stats().seqResets(), "the backup saw a restart, started " + gap / MS
                + " ms after the primary with " + flows + " flows");
        assertEquals(1, s.a.stats().bulksSent(), s.a.stats().format());
    }

    @Test
    void aRestartedPrimaryMakesOneBulk() {
        SimLink s = new SimLink(SimLink.config(), 3, SEQ_A, SEQ_B);
        tableBeforeStart(s, 500);
        wire(s);
        s.b.requestResync();
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 20 * SEC) >= 0);
        s.clock.advance(5 * SEC);

        tableBeforeStart(s, 800);                          // 300 flows created while the primary was down
        s.restartA(SEQ_A + 40_000);
        wire(s);
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 20 * SEC) >= 0, s.a.stats().format());
        s.clock.advance(10 * SEC);
        assertEquals(1, s.a.stats().bulksSent(),
                "the backup's RESYNC (it saw the restart) and the first-contact push made one bulk\n"
                        + s.a.stats().format());
    }

    @Test
    void aRestartedBackupGetsOneBulk() {
        SimLink s = new SimLink(SimLink.config(), 4, SEQ_A, SEQ_B);
        tableBeforeStart(s, 500);
        wire(s);
        s.b.requestResync();
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 20 * SEC) >= 0);
        s.clock.advance(5 * SEC);
        long before = s.a.stats().bulksSent();

        s.restartB(SEQ_B + 30_000, true);
        s.b.onPeerRestart(s.b::requestResync);
        s.b.requestResync();
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 20 * SEC) >= 0, s.a.stats().format());
        s.clock.advance(10 * SEC);
        assertEquals(before + 1, s.a.stats().bulksSent(), "not a first contact for the primary: no push\n"
                + s.a.stats().format());
    }
}
