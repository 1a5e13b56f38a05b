package org.hftfw.ftfw;

import java.util.concurrent.Executor;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;

/**
 * One producer's changes for the FT-FW engine, handed to the event loop in one task per batch instead of one task per
 * change. The producer {@link #add}s the changes of a batch (the events of one read of the event socket) and calls
 * {@link #flush} at its end, like a Disruptor handler's {@code endOfBatch}; a batch that reaches {@value #CAPACITY}
 * changes is handed over early, so a batch never holds more than that. The engine sees the changes in the order
 * added, and a flush is ordered with the channel's other calls from the same thread (both queue on the loop). The
 * arrays of a flushed batch go with its task; the producer starts new ones. Not thread-safe: one producer at a time.
 */
public final class PublishBatch {
    static final int CAPACITY = 256;

    private final Executor loop;
    private final FtfwEngine engine;
    private FtfwMessage.DataType[] types = new FtfwMessage.DataType[CAPACITY];
    private ConntrackEntry[] entries = new ConntrackEntry[CAPACITY];
    private int size;

    PublishBatch(Executor loop, FtfwEngine engine) {
        this.loop = loop;
        this.engine = engine;
    }

    /** Adds one local change (NEW, UPDATE, DESTROY) to the batch. */
    public void add(EventType type, ConntrackEntry entry) {
        types[size] = FtfwChannel.map(type);
        entries[size] = entry;
        if (++size == CAPACITY) {
            flush();
        }
    }

    /** Hands the batch to the event loop; nothing happens for an empty batch. */
    public void flush() {
        if (size == 0) {
            return;
        }
        FtfwMessage.DataType[] t = types;
        ConntrackEntry[] e = entries;
        int n = size;
        types = new FtfwMessage.DataType[CAPACITY];
        entries = new ConntrackEntry[CAPACITY];
        size = 0;
        loop.execute(() -> {
            for (int i = 0; i < n; i++) {
                engine.publish(t[i], e[i], FlowExtras.NONE);
            }
        });
    }
}
