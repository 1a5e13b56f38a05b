package org.hftfw.sidecar.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingOverlapTest {
    @TempDir
    Path dir;

    @Test
    void aCopyOfATrainingLogIsFoundByItsContentUnderAnyName() throws Exception {
        Path trained = Files.writeString(dir.resolve("a.log"), "[NEW] tcp 6 120 SYN_SENT src=10.0.0.1\n");
        Path copy = Files.copy(trained, dir.resolve("renamed.log"));
        Path other = Files.writeString(dir.resolve("b.log"), "[NEW] tcp 6 120 SYN_SENT src=10.0.0.2\n");
        String provenance = "hftfw train --latency 100ms on 1 log(s), 1 events, at now:\n"
                + TrainingOverlap.provenanceLine(trained, 1);
        List<String> w = TrainingOverlap.warnings(provenance, List.of(copy, other));
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.getFirst().contains(copy + " (same content)"), w.getFirst());
    }

    @Test
    void aModelTrainedBeforeDigestsWereRecordedIsMatchedByFileName() throws Exception {
        Path log = Files.writeString(dir.resolve("homogeneous-11.events.log"), "x\n");
        String old = "hftfw train --latency 100ms on 1 log(s), 2897 events, at then:\n"
                + "../models/traces/homogeneous-11.events.log (2897 events)";
        List<String> w = TrainingOverlap.warnings(old, List.of(log));
        assertEquals(1, w.size(), w.toString());
        assertTrue(w.getFirst().contains("a log named homogeneous-11.events.log"), w.getFirst());
    }

    @Test
    void freeTextNamingHeldOutLogsWarnsOfNothing() throws Exception {
        Path log = Files.writeString(dir.resolve("heterogeneous-21.events.log.gz"), "x\n");
        String shipped = "hftfw train --no-keys ... Held out (never trained on): models/traces/heterogeneous-21, "
                + "homogeneous-11.";
        assertEquals(List.of(), TrainingOverlap.warnings(shipped, List.of(log)));
    }
}
