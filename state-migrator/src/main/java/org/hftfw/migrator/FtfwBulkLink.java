package org.hftfw.migrator;

import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.ftfw.BulkTransfer;
import org.hftfw.ftfw.FtfwChannel;

/**
 * The migrator's bulk path over an FT-FW channel: every entry goes out as an update (an upsert on the receiver), as
 * {@code conntrackd -B} does, but paced by the peer's ACK window ({@link FtfwChannel#sendPaced}), so no entry is
 * dropped from the resend queue before the peer could ask for it again, and the transfer counts what the peer
 * acknowledged.
 */
public record FtfwBulkLink(FtfwChannel channel) implements StateMigrator.BulkLink {
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
        };
    }
}
