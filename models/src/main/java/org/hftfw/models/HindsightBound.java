package org.hftfw.models;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.IpProto;
import org.hftfw.conntrack.Status;
import org.hftfw.conntrack.TcpState;
import org.hftfw.conntrack.Tuple;

/**
 * An upper bound on what any classifier using a given set of event-stream features can save in DEFER mode at a
 * wrong budget, computed in hindsight on the very log it is scored on (issue 13, item 3).
 *
 * <p><b>Cells.</b> Every labelled state change gets a cell: its feature vector, discretised. The features are what
 * the event stream carries at the change, each as it is known then (nothing from the future): the state (its name
 * includes the protocol and, for UDP, the reply bits), the protocol and destination port, every other attribute of
 * the event (timeout, mark, zone, helper, TCP window-tracking flags, and the byte and packet counters if the event
 * carries them), the handshake RTT (the flow's own once measured: NEW → ESTABLISHED for TCP, NEW → first reply
 * otherwise; before that the source address's last TCP handshake RTT, as the replicator's host table has it), the
 * previous two states' lifetimes in nanoseconds and ÷ RTT, the server address, the [src, dst, proto, dport] tuple's
 * last ended lifetime of this state and whether it was stable, the flow's elapsed time, the wall-clock time (its
 * hour, then 5-minute and 1-minute windows: time of day, and a classifier changing its mind over time), and the
 * client address. {@link #LEVELS} adds them in a ladder, times in 1, 2, 4, … bins per octave; each
 * level's cells <i>refine</i> the previous level's (every bin splits the coarser one), so the bound can only rise
 * from one level to the next.
 *
 * <p><b>The bound.</b> A decision rule on a level's features gives every change in a cell the same decision. With the
 * true label of every change known (hindsight), the best rule holds the cells in order of stable changes per unit of
 * saving (cells without a stable change first) until the stable changes held reach the budget — a fractional knapsack
 * whose fractional optimum is at least the best integral one. Holding a transitional change saves its message; a
 * DESTROY is saved only for a flow none of whose changes reached the backup, which is credited here as 1/k per held
 * change of a flow of k transitional changes (at least what holding any subset really saves). A stable change held is
 * sent B late in DEFER mode: it counts as wrong and still costs its message. Changes whose label is unknown (alive at
 * the end of the log, younger than B) are counted as never sent. Every rule that decides from these features alone —
 * however it was learned, even fitted on this very log — therefore saves at most the bound at that wrong rate; an
 * online learner whose decisions for one cell change over time is covered as far as the time windows resolve the
 * change ({@link GenieBound} bounds every classifier, but only on generated mixes). Finer cells fit the log's own
 * labels more closely (a cell of one change is always decided right): the bound then rises toward the oracle by
 * overfitting, which makes it looser, never wrong. {@link Result#singletonShare} says how much of the log sits in
 * one-change cells.
 */
public final class HindsightBound {
    /**
     * A rung of the ladder: the features up to {@code tier} (see {@link #LEVELS}), times and RTTs in
     * {@code binsPerOctave} bins per octave.
     */
    public record Level(int index, int tier, int binsPerOctave, String features) {}

    /**
     * The bound at one level.
     *
     * @param cells          cells holding at least one labelled change
     * @param singletonShare labelled changes alone in their cell ÷ labelled changes
     * @param saved          the bound on saved messages ÷ events (DEFER accounting)
     * @param ofOracle       {@code saved} ÷ the oracle's saved
     * @param transitionalHeld transitional changes held ÷ transitional changes
     * @param wrong          stable changes held ÷ labelled changes (the budget unless every cell fits in it)
     */
    public record Result(Level level, int cells, double singletonShare, double saved, double ofOracle,
                         double transitionalHeld, double wrong) {}

    /** The ladder of feature sets, each refining the previous one (more features, or the same ones finer). */
    public static final List<Level> LEVELS = List.of(
            new Level(0, 0, 1, "state"),
            new Level(1, 1, 1, "+ protocol, port and the event's other attributes (timeout, mark, zone, helper, "
                    + "TCP flags, counters)"),
            new Level(2, 2, 1, "+ handshake RTT (the flow's own once measured, else the client's last)"),
            new Level(3, 3, 1, "+ previous state's lifetime, and ÷ RTT"),
            new Level(4, 4, 2, "+ the lifetime before it, and ÷ RTT"),
            new Level(5, 4, 4, "the same, finer"),
            new Level(6, 4, 8, "the same, finer"),
            new Level(7, 4, 16, "the same, finer"),
            new Level(8, 5, 16, "+ server address, the tuple's last lifetime of this state and its label, hour"),
            new Level(9, 6, 16, "+ the flow's elapsed time, 5-minute window"),
            new Level(10, 7, 32, "+ client address, 1-minute window"));

    private static final long NONE = Long.MIN_VALUE;

    private HindsightBound() {}

    /** The bound at every level of {@link #LEVELS} at wrong ≤ {@code budget} (a fraction of labelled changes). */
    public static List<Result> compute(Trace t, double budget) {
        return compute(List.of(t), budget);
    }

    /**
     * The same over several logs pooled: one decision per cell across all of them, the budget and the figures over
     * their sum (logs of the same traffic: more observations per cell, less of the fit's luck).
     */
    public static List<Result> compute(List<Trace> traces, double budget) {
        List<Changes> changes = traces.stream().map(Changes::of).toList();
        List<Result> out = new ArrayList<>();
        for (Level level : LEVELS) {
            out.add(bound(traces, changes, level, budget));
        }
        return out;
    }

    private static Result bound(List<Trace> traces, List<Changes> changes, Level level, double budget) {
        Map<String, double[]> cells = new HashMap<>();
        long labelled = 0;
        long transitional = 0;
        long events = 0;
        double unknown = 0;
        double oracleValue = 0;
        for (int j = 0; j < traces.size(); j++) {
            Trace t = traces.get(j);
            Changes c = changes.get(j);
            events += t.n;
            unknown += c.unknownChanges;
            oracleValue += c.totalValue;
            for (int i = 0; i < t.n; i++) {
                if (t.destroy[i] || t.label[i] == Trace.UNKNOWN) {
                    continue;
                }
                labelled++;
                // cell: transitional saving credit, stable count, transitional count, changes
                double[] v = cells.computeIfAbsent(c.key(i, level), k -> new double[4]);
                v[3]++;
                if (t.label[i] == Trace.TS) {
                    transitional++;
                    v[0] += c.value[i];
                    v[2]++;
                } else {
                    v[1]++;
                }
            }
        }
        List<double[]> order = new ArrayList<>(cells.values());
        // most saving per stable change first; cells without a stable change (ratio +inf) lead
        order.sort((a, b) -> Double.compare(b[0] * a[1], a[0] * b[1]));
        double allowed = budget * labelled;
        double savedValue = 0;
        double heldTs = 0;
        double wrong = 0;
        long singletons = 0;
        for (double[] v : order) {
            if (v[3] == 1) {
                singletons++;
            }
        }
        for (double[] v : order) {
            if (v[0] == 0) {
                continue;
            }
            double share = v[1] == 0 ? 1 : Math.min(1, (allowed - wrong) / v[1]);
            if (share <= 0) {
                break;
            }
            savedValue += share * v[0];
            heldTs += share * v[2];
            wrong += share * v[1];
        }
        double saved = events == 0 ? 0 : (unknown + savedValue) / events;
        double oracle = events == 0 ? 0 : (unknown + oracleValue) / events;
        return new Result(level, cells.size(), labelled == 0 ? 0 : (double) singletons / labelled, saved,
                oracle == 0 ? 0 : saved / oracle, transitional == 0 ? 0 : heldTs / transitional,
                labelled == 0 ? 0 : wrong / labelled);
    }

    /** A table of the ladder: one row per level. */
    public static String table(String name, double oracleSaved, List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "hindsight bound, %s (DEFER, oracle %.2f %%):%n", name,
                100 * oracleSaved));
        sb.append(String.format(Locale.ROOT, "  %-5s %-6s %7s %9s %8s %8s %9s %7s  %s%n", "level", "bins", "cells",
                "singleton", "saved", "%oracle", "TS held", "wrong", "features"));
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "  %-5d %-6s %7d %8.1f%% %7.2f%% %7.1f%% %8.1f%% %6.3f%%  %s%n",
                    r.level().index(), "1/" + r.level().binsPerOctave(), r.cells(), 100 * r.singletonShare(),
                    100 * r.saved(), 100 * r.ofOracle(), 100 * r.transitionalHeld(), 100 * r.wrong(),
                    r.level().features()));
        }
        return sb.toString();
    }

    /** Per change: its causal features (raw) and the saving its holding is credited with. */
    private static final class Changes {
        final String[] state;
        final String[] attributes;
        final long[] rtt;
        final boolean[] ownRtt;
        final long[] prev;
        final long[] prev2;
        final String[] server;
        final String[] client;
        final long[] tupleLast;
        final byte[] tupleLastLabel;
        final long[] elapsed;
        final long[] wallMicros;
        final double[] value;
        long unknownChanges;
        double totalValue;

        private Changes(int n) {
            state = new String[n];
            attributes = new String[n];
            rtt = new long[n];
            ownRtt = new boolean[n];
            prev = new long[n];
            prev2 = new long[n];
            server = new String[n];
            client = new String[n];
            tupleLast = new long[n];
            tupleLastLabel = new byte[n];
            elapsed = new long[n];
            wallMicros = new long[n];
            value = new double[n];
        }

        static Changes of(Trace t) {
            Changes c = new Changes(t.n);
            int[] firstEvent = new int[t.flows];
            long[] rttOf = new long[t.flows];
            long[] lastStart = new long[t.flows];
            long[] lastLife = new long[t.flows];
            int[] transitional = new int[t.flows];
            boolean[] hasStable = new boolean[t.flows];
            boolean[] destroyed = new boolean[t.flows];
            Arrays.fill(firstEvent, -1);
            Arrays.fill(rttOf, NONE);
            Arrays.fill(lastLife, NONE);
            Map<InetAddress, Long> clientRtt = new HashMap<>();
            record Ended(long at, String tupleKey, long life, byte label) {}
            java.util.PriorityQueue<Ended> ended = new java.util.PriorityQueue<>(
                    (a, b) -> Long.compare(a.at(), b.at()));
            Map<String, Ended> tupleHistory = new HashMap<>();
            for (int i = 0; i < t.n; i++) {
                long now = t.time[i];
                while (!ended.isEmpty() && ended.peek().at() <= now) {
                    Ended x = ended.poll();
                    tupleHistory.put(x.tupleKey(), x);
                }
                ConntrackEvent e = t.events.get(i);
                ConntrackEntry en = e.entry();
                Tuple o = en.original();
                int f = t.flow[i];
                if (t.destroy[i]) {
                    destroyed[f] = true;
                    continue;
                }
                if (firstEvent[f] < 0) {
                    firstEvent[f] = i;
                }
                long start = t.time[firstEvent[f]];
                boolean confirmed = en.l4proto() == IpProto.TCP ? en.tcpState() == TcpState.ESTABLISHED
                        : en.hasStatus(Status.SEEN_REPLY);
                if (confirmed && rttOf[f] == NONE && e.type() != EventType.NEW) {
                    rttOf[f] = now - start;
                    if (en.l4proto() == IpProto.TCP) {
                        clientRtt.put(o.src(), now - start);
                    }
                }
                c.ownRtt[i] = rttOf[f] != NONE;
                c.rtt[i] = rttOf[f] != NONE ? rttOf[f] : clientRtt.getOrDefault(o.src(), NONE);
                boolean firstState = firstEvent[f] == i;
                c.prev[i] = firstState ? NONE : now - lastStart[f];
                c.prev2[i] = firstState ? NONE : lastLife[f];
                lastLife[f] = c.prev[i];
                lastStart[f] = now;
                c.state[i] = t.stateNames.get(t.state[i]);
                c.attributes[i] = o.l4proto() + "/" + o.dport() + "/" + en.timeout() + "/" + en.mark() + "/"
                        + en.zone() + "/" + en.helper() + "/" + en.tcp() + "/" + en.originalCounters() + "/"
                        + en.replyCounters();
                c.server[i] = o.dst().getHostAddress();
                c.client[i] = o.src().getHostAddress();
                String tupleKey = o.src().getHostAddress() + ">" + o.dst().getHostAddress() + "/" + o.l4proto()
                        + "/" + o.dport() + "/" + c.state[i];
                Ended last = tupleHistory.get(tupleKey);
                c.tupleLast[i] = last == null ? NONE : last.life();
                c.tupleLastLabel[i] = last == null ? Trace.NONE : last.label();
                c.elapsed[i] = now - start;
                c.wallMicros[i] = e.epochMicros();
                if (t.end[i] >= 0) {
                    ended.add(new Ended(t.end[i], tupleKey, t.end[i] - now, t.label[i]));
                }
                if (t.label[i] == Trace.TS) {
                    transitional[f]++;
                } else if (t.label[i] == Trace.SS) {
                    hasStable[f] = true;
                } else {
                    c.unknownChanges++;
                }
            }
            for (int i = 0; i < t.n; i++) {
                if (!t.destroy[i] && t.label[i] == Trace.TS) {
                    int f = t.flow[i];
                    boolean destroyCredit = destroyed[f] && !hasStable[f] && transitional[f] > 0;
                    c.value[i] = 1 + (destroyCredit ? 1.0 / transitional[f] : 0);
                    c.totalValue += c.value[i];
                }
            }
            return c;
        }

        String key(int i, Level level) {
            int k = level.tier();
            int bins = level.binsPerOctave();
            StringBuilder sb = new StringBuilder(state[i]);
            if (k >= 1) {
                sb.append('|').append(attributes[i]);
            }
            if (k >= 2) {
                sb.append('|').append(ownRtt[i] ? 'o' : 'c').append(log(rtt[i], bins));
            }
            if (k >= 3) {
                sb.append('|').append(log(prev[i], bins)).append('|').append(ratio(prev[i], rtt[i], bins));
            }
            if (k >= 4) {
                sb.append('|').append(log(prev2[i], bins)).append('|').append(ratio(prev2[i], rtt[i], bins));
            }
            if (k >= 5) {
                sb.append('|').append(server[i]).append('|').append(log(tupleLast[i], bins)).append('/')
                        .append(tupleLastLabel[i]).append('|').append(Math.floorDiv(wallMicros[i], 3_600_000_000L));
            }
            if (k >= 6) {
                sb.append('|').append(log(elapsed[i], bins)).append('|')
                        .append(Math.floorDiv(wallMicros[i], k >= 7 ? 60_000_000L : 300_000_000L));
            }
            if (k >= 7) {
                sb.append('|').append(client[i]);
            }
            return sb.toString();
        }

        /** floor(log2(v) · bins), "-" when unknown; 0 and below share one bin. */
        private static String log(long v, int bins) {
            if (v == NONE) {
                return "-";
            }
            if (v <= 0) {
                return "z";
            }
            return Long.toString((long) Math.floor(Math.log((double) v) / Math.log(2) * bins));
        }

        /** floor(log2(v ÷ rtt) · bins), "-" when either is unknown. */
        private static String ratio(long v, long rtt, int bins) {
            if (v == NONE || rtt == NONE) {
                return "-";
            }
            if (v <= 0 || rtt <= 0) {
                return "z";
            }
            return Long.toString((long) Math.floor(Math.log((double) v / rtt) / Math.log(2) * bins));
        }
    }
}
