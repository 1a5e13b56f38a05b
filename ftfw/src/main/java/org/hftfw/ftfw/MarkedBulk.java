package org.hftfw.ftfw;

import java.util.concurrent.CompletableFuture;

/**
 * One marked bulk send of ours (hFT-FW peers only): the states published while it is open belong to it, and its
 * BULK_END is queued once it was ended and every one of them was acknowledged (or dropped from a full queue, which
 * is counted). Event-loop only.
 */
final class MarkedBulk {
    final long id;
    final boolean full;
    /** Our sequence counter when the bulk began: everything sent from here on is newer than what the peer held. */
    final int startSeq;
    final CompletableFuture<BulkReceipt> receipt = new CompletableFuture<>();
    long count = -1;
    long outstanding;
    long dropped;
    /** DESTROYs queued from the bulk's start until its END was queued (see {@link BulkReceipt}). */
    long deletes;
    boolean ended;
    boolean endQueued;
    /** Its BULK_BEGIN was queued ({@link Capability#BULK_BEGIN} agreed). */
    boolean beginQueued;

    MarkedBulk(long id, boolean full, int startSeq) {
        this.id = id;
        this.full = full;
        this.startSeq = startSeq;
    }

    boolean readyToEnd() {
        return ended && !endQueued && outstanding == 0;
    }
}
