package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The per-flow record's narrow fields hold every value their sources produce; the RTT shares a field with the start. */
class FlowRecordTest {
    @Test
    void theNarrowFieldsHoldTheirSourcesRanges() {
        assertTrue(StateIds.COUNT - 1 <= Byte.MAX_VALUE, "state ids in a byte");
        assertTrue(FeatureEncoder.PORT_CLASSES - 1 <= Byte.MAX_VALUE, "port classes in a byte");
        assertTrue(LatencyScaledModel.PREV_BUCKETS - 1 <= Byte.MAX_VALUE, "lifetime buckets in a byte");
        assertTrue(FeatureEncoder.CODES - 1 <= Short.MAX_VALUE, "feature codes in a short");
        FlowRecord f = new FlowRecord();
        f.stateId = (byte) (StateIds.COUNT - 1);
        f.code = (short) (FeatureEncoder.CODES - 1);
        assertEquals(StateIds.UNKNOWN, f.stateId);
        assertEquals(FeatureEncoder.CODES - 1, f.code);
    }

    @Test
    void theRttIsTheTimeFromTheFlowsStartAndUnknownAfterANewStart() {
        FlowRecord f = new FlowRecord();
        f.flowStarted(1_000);
        assertEquals(-1, f.rtt());
        f.rttMeasured(1_250);
        assertEquals(250, f.rtt());
        f.flowStarted(5_000);
        assertEquals(-1, f.rtt(), "a NEW of the same tuple measures again");
        f.rttMeasured(5_040);
        assertEquals(40, f.rtt());
    }

    @Test
    void theSlotFollowsTheState() {
        FlowRecord f = new FlowRecord();
        for (int id = 0; id < StateIds.COUNT; id++) {
            f.stateId = (byte) id;
            assertEquals(StateIds.slot(id), f.slot(), StateIds.name(id));
        }
    }
}
