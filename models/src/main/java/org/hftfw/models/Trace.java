package org.hftfw.models;

import org.hftfw.conntrack.FlowId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Tuple;

/**
 * A conntrack event log prepared for scoring, exactly per the shared metrics definitions: events in time order;
 * a <b>flow</b> is original tuple + zone + conntrack id, started by NEW (or by its first event when the log begins
 * mid-flow), ended by DESTROY, or silently by a NEW (or an event with another id) on the same tuple; every NEW and
 * UPDATE is a <b>state change</b> labelled by its state name; its <b>lifetime</b> runs to the flow's next event;
 * lifetime &lt; B ⇒ TS, ≥ B ⇒ SS; a state still alive at the end of the log is SS if it is already ≥ B old,
 * otherwise unknown (left out).
 */
public final class Trace {
    static final byte TS = 0;
    static final byte SS = 1;
    static final byte UNKNOWN = 2;
    static final byte NONE = 3;

    final List<ConntrackEvent> events;
    final long boundary;
    final int n;
    final long[] time;
    final boolean[] destroy;
    final int[] flow;
    final int[] state;
    final int[] l4proto;
    /** End of the state begun by event i (next event of its flow), or −1 if alive at the end of the log. */
    final long[] end;
    final byte[] label;
    final int flows;
    final long logEnd;
    final List<String> stateNames;
    private IdentityHashMap<ConntrackEvent, Integer> index;

    private Trace(List<ConntrackEvent> sorted, long boundary) {
        this.events = sorted;
        this.boundary = boundary;
        this.n = sorted.size();
        time = new long[n];
        destroy = new boolean[n];
        flow = new int[n];
        state = new int[n];
        l4proto = new int[n];
        end = new long[n];
        label = new byte[n];
        stateNames = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        record Open(int flow, long id, int lastEvent) {}
        Map<FlowId, Open> open = new HashMap<>();
        int nextFlow = 0;
        for (int i = 0; i < n; i++) {
            ConntrackEvent e = sorted.get(i);
            time[i] = e.monotonicNanos();
            l4proto[i] = e.entry().l4proto();
            end[i] = -1;
            FlowId k = e.entry().flowId();
            long id = e.entry().id();
            Open o = open.get(k);
            boolean same = o != null && e.type() != EventType.NEW && (o.id == id || o.id == 0 || id == 0);
            if (o != null && !same) {
                end[o.lastEvent] = time[i];
                open.remove(k);
                o = null;
            }
            if (o != null) {
                end[o.lastEvent] = time[i];
            }
            int f = o != null ? o.flow : nextFlow++;
            flow[i] = f;
            if (e.type() == EventType.DESTROY) {
                destroy[i] = true;
                state[i] = -1;
                label[i] = NONE;
                open.remove(k);
            } else {
                state[i] = names.computeIfAbsent(e.entry().stateLabel(), s -> {
                    stateNames.add(s);
                    return stateNames.size() - 1;
                });
                open.put(k, new Open(f, id, i));
            }
        }
        flows = nextFlow;
        logEnd = n == 0 ? 0 : time[n - 1];
        for (int i = 0; i < n; i++) {
            if (destroy[i]) {
                continue;
            }
            long life = (end[i] >= 0 ? end[i] : logEnd) - time[i];
            label[i] = life >= boundary ? SS : end[i] >= 0 ? TS : UNKNOWN;
        }
    }

    /**
     * Prepares {@code events} (sorted by {@code monotonicNanos} if they are not; ties keep their order) with the
     * boundary B = 2·{@code latency}.
     */
    public static Trace of(List<ConntrackEvent> events, Duration latency) {
        if (latency.isNegative() || latency.isZero()) {
            throw new IllegalArgumentException("latency must be > 0, got " + latency);
        }
        List<ConntrackEvent> sorted = events;
        for (int i = 1; i < events.size(); i++) {
            if (events.get(i).monotonicNanos() < events.get(i - 1).monotonicNanos()) {
                sorted = new ArrayList<>(events);
                sorted.sort(Comparator.comparingLong(ConntrackEvent::monotonicNanos));
                break;
            }
        }
        return new Trace(List.copyOf(sorted), latency.toNanos() * 2);
    }

    public int size() {
        return n;
    }

    public int flowCount() {
        return flows;
    }

    public Duration boundary() {
        return Duration.ofNanos(boundary);
    }

    public List<ConntrackEvent> events() {
        return events;
    }

    /** Index of an event object of this trace (identity), or −1. */
    int indexOf(ConntrackEvent e) {
        if (index == null) {
            index = new IdentityHashMap<>(n * 2);
            for (int i = 0; i < n; i++) {
                index.put(events.get(i), i);
            }
        }
        Integer i = index.get(e);
        return i == null ? -1 : i;
    }
}
