package org.hftfw.migrator;

import java.util.Objects;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.hftfw.ftfw.FtfwChannel;

/**
 * The migrator's bulk path over an FT-FW channel, as {@code conntrackd -B} does it: every entry goes out as an
 * update (an upsert on the receiver), and what is not yet acknowledged is the channel's count of flows whose latest
 * state the peer has not acknowledged.
 */
public record FtfwBulkLink(FtfwChannel channel) implements StateMigrator.BulkLink {
    public FtfwBulkLink {
        Objects.requireNonNull(channel, "channel");
    }

    @Override
    public void send(ConntrackEntry entry) {
        channel.publish(EventType.UPDATE, entry);
    }

    @Override
    public void flush() {
        // the channel's event loop transmits as soon as it runs
    }

    @Override
    public long unacknowledged() {
        return channel.pendingFlows();
    }
}
