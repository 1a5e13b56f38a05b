package org.hftfw.predictor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.hftfw.common.ManualScheduler;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLogger;

class DeferredLogTest {

    private static final Logger LOG = LoggerFactory.getLogger(DeferredLogTest.class);

    private static String text(DeferredLog.Line l) {
        return l.level() + " " + l.format() + " " + List.of(l.args());
    }

    @Test
    void linesWaitForTheWriterAndKeepTheirOrder() {
        List<String> written = new ArrayList<>();
        DeferredLog log = new DeferredLog(l -> written.add(text(l)), 8, false);
        log.error(LOG, "alert {}", "a");
        log.warn(LOG, "alert {}", "b");
        log.info(LOG, "policy: {} -> {}", "HEALTHY", "SUSPECT");
        assertTrue(written.isEmpty(), "nothing is written on the caller's thread");
        log.drain();
        assertEquals(List.of("ERROR alert {} [a]", "WARN alert {} [b]", "INFO policy: {} -> {} [HEALTHY, SUSPECT]"),
                written);
        assertEquals(0, log.inlineWrites());
    }

    @Test
    void aFullQueueMakesTheCallerWriteInOrderAndIsCounted() {
        List<String> written = new ArrayList<>();
        DeferredLog log = new DeferredLog(l -> written.add((String) l.args()[0]), 3, false);
        for (int i = 0; i < 5; i++) {
            log.info(LOG, "{}", "line" + i);
        }
        assertEquals(List.of("line0", "line1", "line2", "line3"), written, "the 4th line drains the queue, then itself");
        assertEquals(1, log.inlineWrites());
        log.drain();
        assertEquals(List.of("line0", "line1", "line2", "line3", "line4"), written, "nothing lost");
    }

    @Test
    void aSchedulerGivenBeforeTheFirstLineWritesTheQueueInsteadOfAThread() {
        List<String> written = new ArrayList<>();
        DeferredLog log = new DeferredLog(l -> written.add((String) l.args()[0]), 8, true);
        ManualScheduler timers = new ManualScheduler();
        log.drainOn(timers);
        log.info(LOG, "{}", "a");
        log.info(LOG, "{}", "b");
        assertTrue(written.isEmpty(), "nothing is written before the scheduler's round");
        assertTrue(timers.round());
        assertEquals(List.of("a", "b"), written);
        assertEquals(java.time.Duration.ofMillis(DeferredLog.POLL_MILLIS), timers.period());
    }

    @Test
    void disabledLevelsAreNotQueued() {
        List<String> written = new ArrayList<>();
        DeferredLog log = new DeferredLog(l -> written.add(text(l)), 8, false);
        log.error(NOPLogger.NOP_LOGGER, "x");
        log.info(NOPLogger.NOP_LOGGER, "y");
        log.drain();
        assertTrue(written.isEmpty());
    }

    @Test
    void aFailingBackendIsCountedAndTheRestIsWritten() {
        List<String> written = new ArrayList<>();
        DeferredLog log = new DeferredLog(l -> {
            if (l.args()[0].equals("bad")) {
                throw new IllegalStateException("backend down");
            }
            written.add((String) l.args()[0]);
        }, 8, false);
        log.warn(LOG, "{}", "bad");
        log.warn(LOG, "{}", "good");
        log.drain();
        assertEquals(List.of("good"), written);
        assertEquals(1, log.writeFailures());
    }
}
