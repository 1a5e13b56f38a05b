package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.hftfw.common.Scheduler;
import org.hftfw.common.VirtualScheduler;
import org.junit.jupiter.api.Test;

class NativeHeapTrimTest {

    /** Each period runs malloc_trim on the timer and schedules the next (a failing call would end the chain). */
    @Test
    void trimsOnTheTimerEveryPeriod() {
        VirtualScheduler virtual = new VirtualScheduler();
        AtomicInteger scheduled = new AtomicInteger();
        Scheduler counting = new Scheduler() {
            @Override
            public long nanos() {
                return virtual.nanos();
            }

            @Override
            public Cancellable schedule(Runnable task, long delayNanos) {
                scheduled.incrementAndGet();
                return virtual.schedule(task, delayNanos);
            }
        };
        assumeTrue(NativeHeapTrim.every(counting), "no malloc_trim in this C library");
        virtual.advance(NativeHeapTrim.PERIOD.multipliedBy(3).toNanos());
        // the start, then each run (at once and after each of the 3 periods) schedules the next
        assertEquals(5, scheduled.get());
    }
}
