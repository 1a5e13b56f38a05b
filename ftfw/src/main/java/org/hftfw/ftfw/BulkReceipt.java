package org.hftfw.ftfw;

/**
 * The outcome of a bulk send to an hFT-FW peer, confirmed in-band ({@link Capability#BULK_COMPLETION}): the
 * primary's BULK_END, sent once every state of the bulk was acknowledged, and the backup's HOLDS answer.
 *
 * @param id      the bulk, as {@link FtfwChannel#beginBulk} returned it
 * @param sent    entries the bulk sent (the count given to {@link FtfwChannel#endBulk})
 * @param held    flows the backup holds that it received since the bulk began (the bulk's flows, plus flows created
 *                meanwhile, minus flows deleted meanwhile or refused by a full external cache)
 * @param dropped states of the bulk dropped from a full queue of ours before the backup acknowledged them: flows the
 *                backup may miss (0 in a complete bulk)
 */
public record BulkReceipt(long id, long sent, long held, long dropped) {

    /** Nothing was dropped on our side and the backup holds at least as many flows as the bulk sent. */
    public boolean complete() {
        return dropped == 0 && held >= sent;
    }
}
