package org.hftfw.ftfw;

import org.hftfw.conntrack.FlowId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.Tuple;

/** A tiny in-memory ConntrackTable for commit tests (the shared in-memory table lives in another module). */
final class FakeTable implements ConntrackTable {
    final Map<FlowId, ConntrackEntry> rows = new LinkedHashMap<>();
    final List<Integer> batchSizes = new ArrayList<>();

    @Override
    public long dump(Consumer<ConntrackEntry> sink) {
        rows.values().forEach(sink);
        return rows.size();
    }

    @Override
    public Optional<ConntrackEntry> get(Tuple original, int zone) {
        return Optional.ofNullable(rows.get(new FlowId(original, zone)));
    }

    @Override
    public void create(ConntrackEntry entry) {
        rows.putIfAbsent(entry.flowId(), entry);
    }

    @Override
    public void update(ConntrackEntry entry) {
        rows.put(entry.flowId(), entry);
    }

    @Override
    public void delete(Tuple original, int zone) {
        rows.remove(new FlowId(original, zone));
    }

    @Override
    public void flush() {
        rows.clear();
    }

    @Override
    public BatchResult createAll(Collection<ConntrackEntry> entries, boolean replaceExisting) {
        batchSizes.add(entries.size());
        int created = 0;
        int updated = 0;
        for (ConntrackEntry e : entries) {
            if (rows.put(e.flowId(), e) == null) {
                created++;
            } else {
                updated++;
            }
        }
        return new BatchResult(entries.size(), created, updated, 0, List.of());
    }

    @Override
    public EventSubscription subscribe(ConntrackEventListener listener) {
        return () -> { };
    }

    @Override
    public SourceStats stats() {
        return new SourceStats(0, 0, 0, 0, 0);
    }

    @Override
    public void close() {
    }
}
