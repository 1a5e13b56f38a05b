package org.hftfw.conntrack.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hftfw.conntrack.ConntrackTable.EventSubscription;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The event reading thread's own nice value ({@code events.reader-nice}), on a real kernel. */
@Tag("lab")
class EventThreadNiceLabTest {
    private static final int UNSEEN = Integer.MIN_VALUE;

    @Test
    void theReadingThreadRunsAtItsOwnNiceValueAndTheRestOfTheProcessDoesNot() throws Exception {
        LabAssumptions.assumeAvailable();
        int before = niceOfThisThread();
        int wanted = before > -20 ? before - 1 : before + 1;
        AtomicInteger seen = new AtomicInteger(UNSEEN);
        Ctnetlink.Options o = Ctnetlink.Options.defaults().withEventThreadNice(wanted);
        try (NetnsLab lab = new NetnsLab("hnc"); KernelConntrackTable t = lab.netns("fw").openConntrack(o);
             EventSubscription _ = t.subscribe(e -> seen.compareAndSet(UNSEEN, niceOfThisThread()))) {
            t.createAll(List.of(Entries.udp("10.239.2.1", "10.239.2.2", 1000, 53, 60)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen.get() == UNSEEN && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(seen.get() != UNSEEN, "an event was delivered");
            assertEquals(wanted, seen.get(), "the listener runs on the reading thread, at its nice value");
            assertEquals(before, niceOfThisThread(), "other threads keep theirs");
        }
    }

    /** Field 19 of {@code /proc/thread-self/stat}: the calling thread's nice value. */
    private static int niceOfThisThread() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
            return Integer.parseInt(f[16]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
