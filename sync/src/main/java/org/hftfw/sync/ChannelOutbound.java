package org.hftfw.sync;

import java.util.Objects;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.FlowId;
import java.util.function.LongSupplier;
import org.hftfw.ftfw.FtfwChannel;
import org.hftfw.ftfw.FtfwStats;
import org.hftfw.ftfw.PublishBatch;

/**
 * The outbound to an FT-FW channel: changes go into the channel's {@link PublishBatch}, handed to its event loop at
 * the end of each batch. Attached once the channel has started (the publisher exists before the channel, which
 * answers RESYNC requests from it); nothing is published before that, since the table subscription starts after.
 * Called under the publisher's lock only.
 */
final class ChannelOutbound implements Outbound {
    private PublishBatch batch;
    private LongSupplier dropped = () -> 0;

    void attach(PublishBatch b) {
        batch = Objects.requireNonNull(b, "batch");
    }

    /** Attaches the channel and how it counts the states it dropped (its resend and transmit queue overflows). */
    void attach(FtfwChannel channel) {
        attach(channel.batch());
        dropped = () -> {
            FtfwStats s = channel.stats();
            return s.rsQueueOverflow() + s.txQueueOverflow();
        };
    }

    @Override
    public long statesDropped() {
        return dropped.getAsLong();
    }

    @Override
    public void publish(EventType type, ConntrackEntry entry, FlowId id) {
        publish(type, (EntryView) entry, id);
    }

    /** The batch copies a view into its own slot (see {@link PublishBatch}): nothing is allocated per change. */
    @Override
    public void publish(EventType type, EntryView entry, FlowId id) {
        if (batch == null) {
            throw new IllegalStateException("no FT-FW channel attached yet");
        }
        batch.add(type, entry, id);
    }

    @Override
    public void endOfBatch() {
        if (batch != null) {
            batch.flush();
        }
    }
}
