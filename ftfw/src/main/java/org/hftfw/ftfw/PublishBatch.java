package org.hftfw.ftfw;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EntryView;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.FlowId;
import org.hftfw.conntrack.MutableEntry;

/**
 * One producer's changes for the FT-FW engine, handed to the event loop in one task per batch instead of one task per
 * change. The producer {@link #add}s the changes of a batch (the events of one read of the event socket) and calls
 * {@link #flush} at its end, like a Disruptor handler's {@code endOfBatch}; a batch that reaches {@value #CAPACITY}
 * changes is handed over early, so a batch never holds more than that. The engine sees the changes in the order
 * added, and a flush is ordered with the channel's other calls from the same thread (both queue on the loop).
 *
 * <p>A batch travels in a {@link Chunk}, which is its own loop task; the loop hands a chunk it has run back through
 * a one-slot exchange, so while the loop keeps up two chunks take turns and a batch allocates nothing. A reused
 * view (the event path's {@link EntryView}, which changes with the next event) is copied into the chunk's own
 * {@link MutableEntry} of that position, made once; an immutable entry travels by reference. On the loop the engine
 * takes that copy for the flow's queue item and hands the chunk another for the position ({@link
 * FtfwEngine#publishCopy}): a view is copied once on its way to the link, not a second time into the item. Not
 * thread-safe: one producer at a time.
 */
public final class PublishBatch {
    static final int CAPACITY = 256;

    private final Executor loop;
    private final FtfwEngine engine;
    private final AtomicReference<Chunk> spare = new AtomicReference<>();
    private Chunk current;

    PublishBatch(Executor loop, FtfwEngine engine) {
        this.loop = loop;
        this.engine = engine;
    }

    /** Adds one local change (NEW, UPDATE, DESTROY) to the batch. */
    public void add(EventType type, ConntrackEntry entry) {
        add(type, entry, entry.flowId());
    }

    /**
     * Adds one local change of the flow {@code id} ({@code entry.flowId()}, when the caller has it already); a view
     * is copied, so it may change after the call.
     */
    public void add(EventType type, EntryView entry, FlowId id) {
        Chunk c = current;
        if (c == null) {
            c = spare.getAndSet(null);
            current = c = c != null ? c : new Chunk();
        }
        c.types[c.size] = FtfwChannel.map(type);
        if (entry instanceof ConntrackEntry immutable) {
            c.entries[c.size] = immutable;
        } else {
            MutableEntry copy = c.copies[c.size];
            if (copy == null) {
                copy = c.copies[c.size] = new MutableEntry();
            }
            c.entries[c.size] = copy.copyFrom(entry);
        }
        c.ids[c.size] = id;
        if (++c.size == CAPACITY) {
            flush();
        }
    }

    /** Hands the batch to the event loop; nothing happens for an empty batch. */
    public void flush() {
        Chunk c = current;
        if (c != null) {
            current = null;
            loop.execute(c);
        }
    }

    /** A batch in transit: publishes its changes on the loop, then clears itself and becomes the spare. */
    private final class Chunk implements Runnable {
        final FtfwMessage.DataType[] types = new FtfwMessage.DataType[CAPACITY];
        final EntryView[] entries = new EntryView[CAPACITY];
        final MutableEntry[] copies = new MutableEntry[CAPACITY];
        final FlowId[] ids = new FlowId[CAPACITY];
        int size;

        @Override
        @SuppressWarnings("ReferenceEquality")             // identity on purpose: the position's own copy or not
        public void run() {
            for (int i = 0; i < size; i++) {
                MutableEntry own = copies[i];
                if (own != null && entries[i] == own) {
                    // the view's copy goes to the flow's queue item, which gives another back for this position
                    copies[i] = engine.publishCopy(types[i], own, ids[i], FlowExtras.NONE);
                } else {
                    engine.publish(types[i], entries[i], ids[i], FlowExtras.NONE);
                }
                entries[i] = null;
                ids[i] = null;
            }
            size = 0;
            spare.set(this);
        }
    }
}
