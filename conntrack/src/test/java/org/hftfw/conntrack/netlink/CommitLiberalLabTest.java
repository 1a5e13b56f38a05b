package org.hftfw.conntrack.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.ConntrackTable.Write;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the kernel keeps of a backup's commit ({@link Write.Commit}, the always-committed writer's write): TCP "be
 * liberal" in both directions, read back from the kernel's table, whether the write created the entry or updated one
 * that was there (a node that took over and stands by again gets the peer's states as updates of its own entries),
 * and a timeout-only write afterwards leaves it. Without it a takeover's first packets after the peer's last window
 * update, or a path that is asymmetric for a moment while the neighbours learn the VIPs' new owner, are INVALID.
 */
@Tag("lab")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommitLiberalLabTest {
    private static final int LIBERAL = ConntrackEntry.TcpInfo.FLAG_BE_LIBERAL;

    @Test
    void aCommittedTcpEntryIsLiberalBothWaysAfterACreateAnUpdateAndATimeout() throws Exception {
        LabAssumptions.assumeAvailable();
        try (NetnsLab lab = new NetnsLab("hcl")) {
            NetnsLab.Netns ns = lab.netns("w");
            try (KernelConntrackTable table = ns.openConntrack()) {
                ConntrackEntry created = Entries.tcpEstablished("10.203.0.1", "10.203.0.2", 40000, 9000, 300, 1);
                ConntrackEntry own = Entries.tcpEstablished("10.203.0.1", "10.203.0.2", 40001, 9000, 300, 1);
                table.createAll(List.of(own));
                ConntrackTable.WriteResult r = table.writeAll(List.of(
                        new Write.Commit(created, 432_000, true, true),
                        new Write.Commit(own.toBuilder().mark(7).build(), 432_000, true, false)));
                assertEquals(1, r.created(), r.toString());
                assertEquals(1, r.updated(), r.toString());
                assertLiberal(table, created, "created");
                assertLiberal(table, own, "updated");

                table.writeAll(List.of(new Write.Timeout(created.original(), 0, 60),
                        new Write.Timeout(own.original(), 0, 60)));
                assertLiberal(table, created, "created, then a timeout-only write");
                assertLiberal(table, own, "updated, then a timeout-only write");
            }
        }
    }

    private static void assertLiberal(KernelConntrackTable table, ConntrackEntry e, String how) {
        ConntrackEntry k = table.get(e.original(), 0).orElseThrow();
        assertEquals(TcpState.ESTABLISHED, k.tcpState(), how + ": " + k);
        assertTrue(k.tcp() != null && (k.tcp().flagsOriginal() & LIBERAL) != 0
                && (k.tcp().flagsReply() & LIBERAL) != 0, how + ": be liberal both ways in the kernel: " + k.tcp());
    }
}
