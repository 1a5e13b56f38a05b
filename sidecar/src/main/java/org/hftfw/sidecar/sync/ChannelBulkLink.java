package org.hftfw.sidecar.sync;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.hftfw.ftfw.FtfwChannel;
import org.hftfw.migrator.StateMigrator;

/**
 * The state migrator's bulk path over the daemon's own FT-FW channel: each entry goes out as an UPDATE data message
 * (as {@code conntrackd -B} sends its table), and the unacknowledged count is the channel's pending flows (queued or
 * sent but not yet ACKed by the peer).
 */
record ChannelBulkLink(FtfwChannel channel) implements StateMigrator.BulkLink {
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
