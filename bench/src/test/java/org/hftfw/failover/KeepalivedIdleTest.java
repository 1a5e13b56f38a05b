package org.hftfw.failover;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When the lab takes a node's notify scripts for finished. hftfw-notify.sh ends a step that finds the VIP where a
 * later transition acts with {@code skipped: ...} and no {@code done}: a lab that waited for a {@code done} per
 * {@code start} waited forever after a VRRP flap at set-up (a failback trial aborted: "timed out after 60000 ms
 * waiting until fw2 is VRRP backup and no notify script runs", its log ending "master skipped: 10.241.1.1 is no
 * longer here").
 */
class KeepalivedIdleTest {
    @Test
    void aStepThatWasSkippedHasFinished() {
        assertTrue(Keepalived.idle(List.of(
                "1796663665.840534367 backup start",
                "1796663669.062785998 master start",
                "1796663673.006850263 backup hftfw sync resync rc=0",
                "1796663673.109582172 backup done",
                "1796663673.224831876 master skipped: 10.241.1.1 is no longer here (a later transition follows)")));
    }

    @Test
    void aStepStillRunningIsNotFinished() {
        assertFalse(Keepalived.idle(List.of(
                "1796663665.840534367 backup start",
                "1796663673.006850263 backup hftfw sync resync rc=0",
                "1796663673.109582172 backup done",
                "1796663725.738688938 master start")));
        assertTrue(Keepalived.idle(List.of()));
    }
}
