package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DeadlineQueueTest {
    @Test
    void keepsFifoOrderAcrossGrowthAndWrapAround() {
        DeadlineQueue q = new DeadlineQueue();
        FlowRecord[] f = new FlowRecord[5000];
        for (int i = 0; i < 700; i++) {
            f[i] = new FlowRecord();
            q.add(f[i], i, i);
        }
        for (int i = 0; i < 500; i++) {
            q.pop();
        }
        for (int i = 700; i < 5000; i++) {
            f[i] = new FlowRecord();
            q.add(f[i], i, i);
        }
        assertEquals(4500, q.size());
        for (int i = 500; i < 5000; i++) {
            assertEquals(i, q.headStart());
            assertEquals(i, q.headSeq());
            assertSame(f[i], q.headFlow());
            q.pop();
        }
        assertTrue(q.isEmpty());
    }
}
