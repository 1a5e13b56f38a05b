package org.hftfw.migrator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The /proc probes the daemon migration bench prints beside its wall times: a process's CPU, a thread's state. */
class ProcessProbesTest {
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void cpuTimeOfThisProcessIsCountedAndOfAMissingOneIsUnknown() {
        long before = ProcessCpu.millis(SELF);
        assertTrue(before >= 0, "CPU of this JVM: " + before);
        assertTrue(ProcessCpu.millis(SELF) >= before, "CPU time never goes back");
        assertEquals(-1, ProcessCpu.millis(Long.MAX_VALUE));
        assertEquals(-1, ProcessCpu.millis(SELF, Long.MAX_VALUE), "one unreadable process makes the sum unknown");
    }

    @Test
    void aSleepingThreadIsIdleAndASpinningOneRunning() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong sink = new AtomicLong();
        CountDownLatch started = new CountDownLatch(2);
        Thread sleeper = Thread.ofPlatform().name("probe-sleeper").daemon().start(() -> {
            started.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread spinner = Thread.ofPlatform().name("probe-spinner").daemon().start(() -> {
            started.countDown();
            long x = 0;
            while (!stop.get()) {
                x += System.nanoTime() & 1;              // runnable or running the whole time: state R
            }
            sink.set(x);
        });
        try {
            started.await();
            assertTrue(ThreadStates.of(SELF, "probe-sleeper").isPresent() && ThreadStates.of(SELF, "probe-spinner")
                    .isPresent(), "both threads found by name");
            assertEquals(Optional.empty(), ThreadStates.of(SELF, "no-such-thread"));
            // the sleeper is in its 60 s sleep once one sample finds it idle; from then on every sample does
            long end = System.nanoTime() + 30_000_000_000L;
            ThreadStates asleep;
            do {
                assertTrue(System.nanoTime() < end, "the sleeper never seen asleep");
                asleep = ThreadStates.of(SELF, "probe-sleeper").orElseThrow();
                asleep.sample();
            } while (!asleep.describe(1).endsWith("idle 100 %"));
            asleep = ThreadStates.of(SELF, "probe-sleeper").orElseThrow();
            ThreadStates busy = ThreadStates.of(SELF, "probe-spinner").orElseThrow();
            for (int i = 0; i < 20; i++) {
                asleep.sample();
                busy.sample();
            }
            assertEquals("20 samples: running 0 %, waiting for the nfnetlink mutex 0 %, in the kernel otherwise 0 %, "
                    + "idle 100 %", asleep.describe(1));
            // runnable or running whenever it is not held at a JVM safepoint (a futex wait, counted idle)
            assertTrue(!busy.describe(1).startsWith("20 samples: running 0 %"), busy.describe(1));
            // once stopped, the spinner's CPU since it was found leads the description; on a loaded machine it may
            // not have run yet, so stop again until it has (stop() moves the end of the span)
            long spun = System.nanoTime() + 30_000_000_000L;
            do {
                assertTrue(System.nanoTime() < spun, "the spinner never ran: " + busy.describe(1));
                Thread.sleep(1);                        // leave the CPU to the spinner
                busy.stop();
            } while (busy.describe(1).startsWith("CPU 0.0 ms"));
            assertTrue(busy.describe(1).matches("CPU \\d+\\.\\d ms \\(.*\\), 20 samples: .*"), busy.describe(1));
        } finally {
            stop.set(true);
            sleeper.interrupt();
            spinner.join();
            sleeper.join();
        }
    }
}
