package org.hftfw.ftfw;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.hftfw.conntrack.ConntrackEntry;

/**
 * One bulk send paced by the peer's ACK window ({@link FtfwChannel#sendPaced}): its entries are read and queued on
 * the event loop only as fast as the resend queue has room for them, and each one is counted until the peer has
 * acknowledged it (or a newer state of the same flow) or it was lost for good.
 *
 * <p>Why: conntrackd's {@code -B} (and the old bulk here) queues the whole table at once. Beyond the resend queue
 * ({@code ResendQueueSize}) the oldest unacknowledged messages are dropped before the peer can NACK them, and the
 * sender then believes it is done while the backup misses them (issue 10: 824 465 of 1 000 000 arrived). A paced
 * transfer never has more in flight than the queue holds, and it knows exactly how many of its flows were
 * acknowledged, so a caller can tell a complete transfer from one with flows missing, and resend {@link #lost()}.
 *
 * <p>Counters are written on the event loop only; other threads read {@link #progress()}, a snapshot the loop
 * publishes whenever a count changes, or wait for the next milestone ({@link #awaitMilestone}: fed, complete) instead
 * of polling for it: the migrator's 2 ms progress poll was 4–13 % of the primary's CPU in a migration on a loaded
 * machine (docs/performance.md §5), and the loop wakes a waiter only at those transitions, a few per transfer.
 */
public final class BulkTransfer {

    /**
     * Where a transfer stands.
     *
     * @param queued       entries read from the source and queued so far
     * @param acknowledged of those, acknowledged by the peer (also as a newer state of the flow)
     * @param lost         of those, not known to be delivered by this transfer: dropped from a full queue before an ACK,
     *                     or handed to a newer transfer of the same flow (a RESYNC answered meanwhile); see
     *                     {@link #lost()}
     * @param fed          the source is exhausted: nothing more will be queued
     * @param cancelled    the transfer was cancelled or the channel closed
     */
    public record Progress(long queued, long acknowledged, long lost, boolean fed, boolean cancelled) {
        static final Progress START = new Progress(0, 0, 0, false, false);

        /** Queued entries neither acknowledged nor lost yet. */
        public long outstanding() {
            return queued - acknowledged - lost;
        }

        /** Every entry of the source was queued and is acknowledged or lost. */
        public boolean complete() {
            return fed && outstanding() == 0;
        }
    }

    private final Iterator<ConntrackEntry> source;
    private final Runnable onFed;
    private final List<ConntrackEntry> lostEntries = new ArrayList<>();
    private long queued;
    private long acknowledged;
    private long lost;
    private boolean fed;
    private volatile boolean cancelled;
    private volatile Progress progress = Progress.START;
    private final ReentrantLock milestoneLock = new ReentrantLock();
    private final Condition milestone = milestoneLock.newCondition();

    /**
     * @param source read on the event loop, one entry at a time as room appears; an entry read late carries a
     *               newer state than one read early, which is what a source over a live table wants
     * @param onFed  runs on the event loop once the source is exhausted
     */
    BulkTransfer(Iterator<ConntrackEntry> source, Runnable onFed) {
        this.source = source;
        this.onFed = onFed;
    }

    /** Where the transfer stands now (read from any thread). */
    public Progress progress() {
        return progress;
    }

    /**
     * The states dropped from a full queue before the peer acknowledged them, for a resend; complete once
     * {@link Progress#complete()}. Read it after completion, from any thread.
     */
    public synchronized List<ConntrackEntry> lost() {
        return List.copyOf(lostEntries);
    }

    /** Stops queueing further entries; what is already queued is still sent and counted. */
    public void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    /** The next entry to queue, or null when the source is exhausted (or the transfer cancelled). */
    ConntrackEntry next() {
        if (!fed && !cancelled && source.hasNext()) {
            return source.next();
        }
        if (!fed) {
            fed = true;
            onFed.run();
        }
        return null;
    }

    boolean fed() {
        return fed;
    }

    void queued() {
        queued++;
    }

    void acknowledged() {
        acknowledged++;
    }

    /** A queued state of this transfer was dropped from a full queue, or handed to a newer transfer. */
    synchronized void lost(ConntrackEntry entry) {
        lost++;
        lostEntries.add(entry);
    }

    /**
     * Waits at most {@code nanos} until the transfer is fed (when {@code fedSeen} is false), complete or cancelled;
     * returns at once when it already is. The caller reads {@link #progress()} after.
     */
    public void awaitMilestone(boolean fedSeen, long nanos) throws InterruptedException {
        milestoneLock.lock();
        try {
            long left = nanos;
            while (!reached(progress, fedSeen) && left > 0) {
                left = milestone.awaitNanos(left);
            }
        } finally {
            milestoneLock.unlock();
        }
    }

    private static boolean reached(Progress p, boolean fedSeen) {
        return p.fed() != fedSeen || p.complete() || p.cancelled();
    }

    /** Publishes the counters to other threads; called on the loop after a batch of changes. */
    void publish() {
        Progress before = progress;
        Progress now = new Progress(queued, acknowledged, lost, fed, cancelled);
        progress = now;
        if (now.fed() != before.fed() || now.complete() != before.complete() || now.cancelled() != before.cancelled()) {
            milestoneLock.lock();
            try {
                milestone.signalAll();
            } finally {
                milestoneLock.unlock();
            }
        }
    }

    /** Ends the transfer as it stands: the channel closed. */
    void abandon() {
        cancelled = true;
        fed = true;
        publish();
    }
}
