package org.hftfw.ftfw;

/**
 * The outcome of a bulk send to an hFT-FW peer, confirmed in-band ({@link Capability#BULK_COMPLETION}): the
 * primary's BULK_END, sent once every state of the bulk was acknowledged, and the backup's HOLDS answer.
 *
 * <p>Per flow ({@link Capability#BULK_FLOWS}, {@code perFlow}): the flows of the bulk are those its paced transfers
 * queued, and their states carry a mark. {@code held} counts the bulk's flows the backup holds, {@code deleted} the
 * bulk's flows the primary deleted after sending them (the backup saw the DEL), each flow once: a bulk is complete
 * when {@code held + deleted} reaches {@code sent}, and {@link #shortfall} is the number of the bulk's flows missing
 * on the backup (an upper bound when its kernel writer refused writes of other flows too, which are counted against
 * the bulk; never less than what is missing). Flows created or deleted meanwhile by live traffic count for nothing.
 *
 * <p>With an older hFT-FW peer (not {@code perFlow}) {@code held} counts the backup's flows written since the bulk
 * began, flows created meanwhile included, and {@code deleted} every DESTROY we sent meanwhile: without live changes
 * during the bulk the check is exact, under live traffic it is a lower bound a missing flow can hide behind.
 *
 * @param id      the bulk, as {@link FtfwChannel#beginBulk} returned it
 * @param sent    entries the bulk sent (the count given to {@link FtfwChannel#endBulk})
 * @param held    flows of the bulk the backup holds, less the writes its kernel writer refused (see above for an
 *                older peer)
 * @param dropped states of the bulk dropped from a full queue of ours before the backup acknowledged them: flows the
 *                backup may miss (0 in a complete bulk)
 * @param deleted flows of the bulk deleted here after it sent them (see above for an older peer)
 * @param perFlow the backup counted per flow of the bulk (both peers have {@link Capability#BULK_FLOWS})
 */
public record BulkReceipt(long id, long sent, long held, long dropped, long deleted, boolean perFlow) {

    /**
     * Nothing was dropped on our side and the backup holds every flow the bulk sent that was not deleted meanwhile.
     */
    public boolean complete() {
        return dropped == 0 && shortfall() == 0;
    }

    /** Flows of the bulk the backup does not hold and no deletion explains (0 in a complete bulk). */
    public long shortfall() {
        return Math.max(0, sent - held - deleted);
    }
}
