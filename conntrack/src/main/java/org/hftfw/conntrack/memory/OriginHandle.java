package org.hftfw.conntrack.memory;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.Tuple;

/**
 * A second handle on an {@link InMemoryConntrackTable} ({@link InMemoryConntrackTable#handle()}): reads and
 * subscriptions go to the table, writes go to it with this handle's origin on the events they cause.
 */
final class OriginHandle implements ConntrackTable {
    private final InMemoryConntrackTable table;
    private final int origin;

    OriginHandle(InMemoryConntrackTable table, int origin) {
        this.table = table;
        this.origin = origin;
    }

    @Override
    public int origin() {
        return origin;
    }

    @Override
    public long dump(Consumer<ConntrackEntry> sink) {
        return table.dump(sink);
    }

    @Override
    public Optional<ConntrackEntry> get(Tuple original, int zone) {
        return table.get(original, zone);
    }

    @Override
    public void create(ConntrackEntry entry) {
        table.as(origin, () -> {
            table.create(entry);
            return null;
        });
    }

    @Override
    public void update(ConntrackEntry entry) {
        table.as(origin, () -> {
            table.update(entry);
            return null;
        });
    }

    @Override
    public void delete(Tuple original, int zone) {
        table.as(origin, () -> {
            table.delete(original, zone);
            return null;
        });
    }

    @Override
    public void flush() {
        table.as(origin, () -> {
            table.flush();
            return null;
        });
    }

    @Override
    public BatchResult createAll(Collection<ConntrackEntry> entries, boolean replaceExisting) {
        return table.as(origin, () -> table.createAll(entries, replaceExisting));
    }

    @Override
    public WriteResult writeAll(List<? extends Write> writes) {
        return table.as(origin, () -> ConntrackTable.super.writeAll(writes));
    }

    @Override
    public EventSubscription subscribe(ConntrackEventListener listener) {
        return table.subscribe(listener);
    }

    @Override
    public SourceStats stats() {
        return table.stats();
    }

    /** Leaves the table open: it belongs to whoever created it. */
    @Override
    public void close() {
    }
}
