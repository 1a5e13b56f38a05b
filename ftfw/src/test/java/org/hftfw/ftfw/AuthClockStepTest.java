package org.hftfw.ftfw;

import static org.hftfw.ftfw.SimLink.MS;
import static org.hftfw.ftfw.SimLink.SEC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import org.hftfw.common.Scheduler;
import org.junit.jupiter.api.Test;

/**
 * An authenticated pair whose primary restarts with its wall clock behind its previous start (an NTP step back, a VM
 * restore, a wrong RTC at boot), review14 G1: its datagram counter started below what the backup had seen, and every
 * datagram, its CAPS included, was dropped as a replay for good.
 */
class AuthClockStepTest {
    private static final long SEQ_A = 1_764_000_000L;
    private static final long SEQ_B = 1_764_000_500L;

    private static void publish(SimLink s, int from, int n) {
        for (int i = from; i < from + n; i++) {
            s.publish(FtfwMessage.DataType.NEW, RandomEntries.tcpFlow(i, 600));
        }
    }

    /** The link's clock with the wall clock {@code behindMicros} back. */
    private static Scheduler behind(SimLink s, long behindMicros) {
        return new Scheduler() {
            @Override
            public long nanos() {
                return s.clock.nanos();
            }

            @Override
            public Cancellable schedule(Runnable task, long delayNanos) {
                return s.clock.schedule(task, delayNanos);
            }

            @Override
            public long epochMicros() {
                return s.clock.epochMicros() - behindMicros;
            }
        };
    }

    /** Replaces A by an engine whose wall clock is a minute behind, on the same simulated link. */
    private static void restartAWithTheClockBack(SimLink s) {
        s.a.close();
        s.a = new FtfwEngine(s.cfg, behind(s, 60_000_000L), (int) SEQ_A + 5000, s.alloc, d ->
                s.clock.schedule(() -> {
                    s.b.receive(d, s.cfg.peer());
                    d.release();
                }, 200_000L), s.cacheA, s.sourceA, Runnable::run);
    }

    @Test
    void aPrimaryRestartedWithItsClockBackIsHeardAgain() {
        SimLink s = new SimLink(AuthTest.withKey(AuthTest.KEY, true), 1, SEQ_A, SEQ_B);
        publish(s, 0, 100);
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0);
        restartAWithTheClockBack(s);
        publish(s, 100, 100);
        long t = s.clock.advanceUntil(s::converged, 10 * MS, 30 * SEC);
        assertTrue(t >= 0, "backup holds " + s.cacheB.size() + " of " + s.truth.size() + "\n" + s.b.stats().format());
        assertEquals(0, s.b.stats().dropped(DropReason.AUTH_REPLAY));
    }

    @Test
    void theEarlierIncarnationsDatagramsAreStillReplays() {
        SimLink s = new SimLink(AuthTest.withKey(AuthTest.KEY, true), 2, SEQ_A, SEQ_B);
        List<ByteBuf> captured = new ArrayList<>();
        s.tapAtoB = captured::add;
        publish(s, 0, 50);
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 10 * SEC) >= 0);
        s.tapAtoB = null;
        restartAWithTheClockBack(s);
        publish(s, 50, 50);
        assertTrue(s.clock.advanceUntil(s::converged, 10 * MS, 30 * SEC) >= 0);
        long replays = s.b.stats().dropped(DropReason.AUTH_REPLAY);
        int bound = 0;
        for (ByteBuf d : captured) {
            if ((d.getUnsignedByte(d.writerIndex() - Ext.AUTH_SIZE + 1) & Ext.AUTH_BOUND) != 0) {
                bound++;
                s.b.receive(d.duplicate(), s.cfg.peer());
            }
        }
        assertTrue(bound > 0);
        assertEquals(replays + bound, s.b.stats().dropped(DropReason.AUTH_REPLAY),
                "every datagram the primary sent before its restart is refused");
        assertTrue(s.converged());
        captured.forEach(ByteBuf::release);
    }
}
