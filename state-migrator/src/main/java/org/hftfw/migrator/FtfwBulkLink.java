package org.hftfw.migrator;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.ftfw.BulkReceipt;
import org.hftfw.ftfw.BulkTransfer;
import org.hftfw.ftfw.Capability;
import org.hftfw.ftfw.FtfwChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The migrator's bulk path over an FT-FW channel: every entry goes out as an update (an upsert on the receiver), as
 * {@code conntrackd -B} does, but paced by the peer's ACK window ({@link FtfwChannel#sendPaced}), so no entry is
 * dropped from the resend queue before the peer could ask for it again, and the transfer counts what the peer
 * acknowledged.
 *
 * <p>Between two hFT-FW peers ({@link Capability#BULK_COMPLETION}) the migration is also a marked bulk, and its end is
 * confirmed in-band ({@link InBand}): no hook process has to say that the backup got the table.
 */
public record FtfwBulkLink(FtfwChannel channel) implements StateMigrator.BulkLink {
    private static final Logger LOG = LoggerFactory.getLogger(FtfwBulkLink.class);

    public FtfwBulkLink {
        Objects.requireNonNull(channel, "channel");
    }

    @Override
    public StateMigrator.Transfer send(Iterator<ConntrackEntry> entries) {
        BulkTransfer t = channel.sendPaced(entries);
        return new StateMigrator.Transfer() {
            @Override
            public StateMigrator.Sent progress() {
                BulkTransfer.Progress p = t.progress();
                return new StateMigrator.Sent(p.queued(), p.acknowledged(), p.lost(), p.fed());
            }

            @Override
            public List<ConntrackEntry> lost() {
                return t.lost();
            }

            @Override
            public void cancel() {
                t.cancel();
            }

            @Override
            public boolean awaitMilestone(boolean fedSeen, long nanos) throws InterruptedException {
                t.awaitMilestone(fedSeen, nanos);
                return true;
            }
        };
    }

    @Override
    public StateMigrator.Confirmation confirmation() {
        return new InBand(channel);
    }

    /**
     * The in-band confirmation between hFT-FW peers: the migration opens a marked bulk ({@link FtfwChannel#beginBulk})
     * before its first entry, so the flows its transfers queue (its entries and resends) are the bulk's flows; once
     * the migrator counted every flow acknowledged, the bulk is ended with that count, its BULK_END follows the last
     * acknowledgement, and the backup's HOLDS answer says how many of the bulk's flows it holds and how many of them
     * were deleted here after they were sent ({@link BulkReceipt}, per flow with {@link Capability#BULK_FLOWS}): a
     * DESTROY during a migration makes the backup's count lower, rightly, while live flows created or deleted
     * meanwhile count for nothing, so a shortfall fails the migration with its count. An older hFT-FW backup counts
     * every flow written since the bulk began, a lower bound under live traffic: said in the log. With a stock
     * conntrackd peer, or while another marked bulk is open (the answer to the peer's RESYNC), there is no bulk and no
     * confirmation: the ACK count and the commit hook decide.
     */
    static final class InBand implements StateMigrator.Confirmation {
        private final FtfwChannel channel;
        private long bulk;

        InBand(FtfwChannel channel) {
            this.channel = channel;
        }

        @Override
        public void begin() {
            bulk = channel.peerCapabilities().contains(Capability.BULK_COMPLETION) ? channel.beginBulk(false) : 0;
            if (bulk == 0 && !channel.peerCapabilities().isEmpty()) {
                LOG.info("migration: another marked bulk is open (the answer to a RESYNC): the backup will not "
                        + "confirm this one in-band");
            }
        }

        @Override
        public OptionalLong holds(long sent, Duration wait) throws Exception {
            if (bulk == 0) {
                return OptionalLong.empty();
            }
            long id = bulk;
            bulk = 0;
            BulkReceipt r;
            try {
                r = channel.endBulk(id, sent).toCompletableFuture().get(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new TimeoutException("no HOLDS answer within " + wait.toMillis() + " ms");
            }
            if (r.perFlow()) {
                LOG.info("migration confirmed by the backup: {} flows sent, {} of them held, {} of them deleted here "
                        + "meanwhile, {} dropped from a full queue", r.sent(), r.held(), r.deleted(), r.dropped());
            } else {
                LOG.warn("migration confirmed by an older hFT-FW backup: {} flows sent, {} held since the migration "
                        + "began, {} deleted here meanwhile, {} dropped from a full queue (flows created or deleted "
                        + "meanwhile are counted too: a missing flow can hide behind them)", r.sent(), r.held(),
                        r.deleted(), r.dropped());
            }
            return OptionalLong.of(Math.min(sent, r.held() + r.deleted()));
        }

        @Override
        public void end() {
            if (bulk != 0) {
                var _ = channel.endBulk(bulk, 0);           // a migration that gave up: the marked bulk is closed
                bulk = 0;
            }
        }
    }
}
