package org.hftfw.migrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The proactive path end to end between two real kernel tables (dump, FT-FW over a veth, commit), through the
 * migration benchmark: every entry reaches the backup's kernel table, also over a lossy sync link.
 */
@Tag("lab")
class MigrationBenchLabTest {

    @Test
    void wholeKernelTableReachesTheBackupKernelTable() throws Exception {
        LabAssumptions.assumeAvailable();
        List<MigrationBench.Round> rounds = MigrationBench.measure(3_000, 1, 0, false);
        assertEquals(1, rounds.size());
        assertEquals(3_000, rounds.getFirst().inBackup(), rounds.getFirst().line());
    }

    @Test
    void migrationCompletesOverALossySyncLink() throws Exception {
        LabAssumptions.assumeAvailable();
        LabAssumptions.assumeBinary("nft");                 // the loss is an nftables numgen rule
        List<MigrationBench.Round> rounds = MigrationBench.measure(2_000, 1, 10, false);
        assertEquals(2_000, rounds.getFirst().inBackup(), rounds.getFirst().line());
        assertTrue(rounds.getFirst().totalNanos() > 0);
    }
}
