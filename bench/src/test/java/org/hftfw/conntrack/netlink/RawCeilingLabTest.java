package org.hftfw.conntrack.netlink;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The benchmark's ceiling writer and reader do the same work as the table they are compared with. */
@Tag("lab")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RawCeilingLabTest {
    private static NetnsLab lab;
    private static NetnsLab.Netns ns;

    @BeforeAll
    static void setUp() {
        LabAssumptions.assumeAvailable();
        lab = new NetnsLab("hpf");
        ns = lab.netns("ceil");
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void rawBatchesCreateWhatCreateAllWouldAndTheRawDumpCountsThem() {
        List<ConntrackEntry> entries = NetlinkBench.entries(3000);
        Ctnetlink.Options o = Ctnetlink.Options.defaults().withNetns(ns.path());
        try (KernelConntrackTable t = Ctnetlink.open(o); RawCeiling raw = RawCeiling.open(o, entries, 1 << 20)) {
            t.flush();
            assertEquals(0, raw.inject(100, 16 << 10), "every pre-encoded create accepted");
            assertEquals(3000, raw.dump());
            List<ConntrackEntry> dumped = new java.util.ArrayList<>();
            t.dump(dumped::add);
            assertEquals(3000, dumped.size());
            assertEquals(entries.stream().map(ConntrackEntry::original).collect(java.util.stream.Collectors.toSet()),
                    dumped.stream().map(ConntrackEntry::original).collect(java.util.stream.Collectors.toSet()));
            assertEquals(3000, raw.inject(512, 128 << 10), "a second run is refused entry by entry (EEXIST), counted");
            assertEquals(3000, raw.captureDump().stream().mapToLong(d -> countNew(d)).sum());
            t.flush();
        }
    }

    private static long countNew(java.lang.foreign.MemorySegment d) {
        long[] n = {0};
        Datagrams.forEach(d, (int) d.byteSize(), (seg, off, len, type, flags, seq) -> {
            if (type == Cta.msgType(Cta.IPCTNL_MSG_CT_NEW)) {
                n[0]++;
            }
            return true;
        });
        return n[0];
    }
}
