package org.hftfw.ftfw;

/**
 * The outcome of a bulk send to an hFT-FW peer, confirmed in-band ({@link Capability#BULK_COMPLETION}): the
 * primary's BULK_END, sent once every state of the bulk was acknowledged, and the backup's HOLDS answer.
 *
 * <p>{@code held} counts the backup's flows written since the bulk began, so a flow the primary deleted meanwhile
 * (its DEL followed the bulk's state) is rightly missing there: {@code deleted} counts those deletions on the
 * primary's side, and a bulk is complete when {@code held + deleted} reaches {@code sent}. Without live changes
 * during the bulk the check is exact; flows created meanwhile are held too and deletions of flows the bulk had not
 * sent yet are counted too, so under live traffic it is a lower bound a missing flow can hide behind (the per-flow
 * ACK count of a {@link BulkTransfer} is the exact one).
 *
 * @param id      the bulk, as {@link FtfwChannel#beginBulk} returned it
 * @param sent    entries the bulk sent (the count given to {@link FtfwChannel#endBulk})
 * @param held    flows the backup holds that it received since the bulk began (the bulk's flows, plus flows created
 *                meanwhile, minus flows deleted meanwhile or refused by a full external cache)
 * @param dropped states of the bulk dropped from a full queue of ours before the backup acknowledged them: flows the
 *                backup may miss (0 in a complete bulk)
 * @param deleted DESTROYs we sent from the bulk's start until its END (0 on the backup's side)
 */
public record BulkReceipt(long id, long sent, long held, long dropped, long deleted) {

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
