package org.hftfw.lazy;

import org.hftfw.conntrack.FlowId;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The live-flow table: original tuple + zone → {@link FlowRecord}, bounded in size (least recently seen flow evicted
 * first) and in idle time (a flow without events for {@code idleNanos} is dropped, e.g. when its DESTROY was lost to
 * a netlink overrun). An access-ordered {@link LinkedHashMap}: the replicator is single-threaded, and on the per-event
 * path a plain map with LRU links costs a fraction of a concurrent cache's maintenance (measured with
 * {@code ClassifyLearnBench}). Evicted or expired records are marked {@link FlowRecord#gone} so that their pending
 * deadlines are ignored.
 */
final class FlowTable {
    private final LinkedHashMap<FlowId, FlowRecord> map = new LinkedHashMap<>(1024, 0.75f, true);
    private long max;
    private long idleNanos;
    private long evictions;

    FlowTable(long max, long idleNanos) {
        this.max = max;
        this.idleNanos = idleNanos;
    }

    FlowRecord get(FlowId id, long now) {
        FlowRecord f = map.get(id);
        if (f != null) {
            f.lastSeen = now;
        }
        return f;
    }

    void put(FlowId id, FlowRecord f, long now) {
        f.lastSeen = now;
        map.put(id, f);
        if (map.size() > max) {
            trim();
        }
    }

    void remove(FlowId id) {
        map.remove(id);
    }

    /** Drops flows idle for the idle limit or longer at {@code now}. */
    void expire(long now) {
        Iterator<Map.Entry<FlowId, FlowRecord>> it = map.entrySet().iterator();
        while (it.hasNext()) {
            FlowRecord f = it.next().getValue();
            if (now - f.lastSeen < idleNanos) {
                return;
            }
            f.gone = true;
            evictions++;
            it.remove();
        }
    }

    void resize(long newMax, long newIdleNanos) {
        max = newMax;
        idleNanos = newIdleNanos;
        trim();
    }

    private void trim() {
        Iterator<Map.Entry<FlowId, FlowRecord>> it = map.entrySet().iterator();
        while (map.size() > max && it.hasNext()) {
            it.next().getValue().gone = true;
            evictions++;
            it.remove();
        }
    }

    long size() {
        return map.size();
    }

    long evictions() {
        return evictions;
    }
}
