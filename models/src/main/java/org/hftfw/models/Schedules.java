package org.hftfw.models;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hftfw.conntrack.IpProto;
import org.hftfw.lazy.LazyReplicator;
import org.hftfw.lazy.ReplicatorMetrics;

/** Computes, per policy, when each event of a {@link Trace} is sent (−1: never). */
final class Schedules {
    private Schedules() {}

    static long[] replicateAll(Trace t) {
        return t.time.clone();
    }

    /** Sends exactly the stable state changes, at their event time, and DESTROY only for flows the backup holds. */
    static long[] oracle(Trace t) {
        return stableOnly(t, 0);
    }

    /** Like the oracle, but every stable state goes out B after its event (held for B, sent if still current). */
    static long[] deferAll(Trace t) {
        return stableOnly(t, t.boundary);
    }

    private static long[] stableOnly(Trace t, long delay) {
        long[] s = never(t);
        boolean[] holds = new boolean[t.flows];
        for (int i = 0; i < t.n; i++) {
            if (t.destroy[i]) {
                if (holds[t.flow[i]]) {
                    s[i] = t.time[i];
                }
            } else if (t.label[i] == Trace.SS) {
                s[i] = t.time[i] + delay;
                holds[t.flow[i]] = true;
            }
        }
        return s;
    }

    static long[] stateFilter(Trace t, Policy.StateFilter p) {
        long[] s = never(t);
        boolean[] holds = new boolean[t.flows];
        boolean[] accepted = new boolean[t.stateNames.size()];
        for (int i = 0; i < accepted.length; i++) {
            accepted[i] = p.acceptTcp().contains(t.stateNames.get(i));
        }
        for (int i = 0; i < t.n; i++) {
            if (t.destroy[i]) {
                if (holds[t.flow[i]]) {
                    s[i] = t.time[i];
                }
                continue;
            }
            boolean send = t.l4proto[i] == IpProto.TCP ? accepted[t.state[i]] : p.replicateNonTcp();
            if (send) {
                s[i] = t.time[i];
                holds[t.flow[i]] = true;
            }
        }
        return s;
    }

    static long[] polling(Trace t, Policy.Polling p) {
        long[] s = never(t);
        long interval = p.interval().toNanos();
        int[] current = new int[t.flows];
        int[] backup = new int[t.flows];
        boolean[] dirty = new boolean[t.flows];
        Arrays.fill(current, -1);
        Arrays.fill(backup, -1);
        List<Integer> dirtyList = new ArrayList<>();
        if (t.n == 0) {
            return s;
        }
        long nextPoll = t.time[0] + interval;
        for (int i = 0; i <= t.n; i++) {
            long now = i < t.n ? t.time[i] : t.logEnd + 1;
            while (nextPoll < now && nextPoll <= t.logEnd) {
                for (int f : dirtyList) {
                    int e = current[f];
                    if (t.destroy[e]) {
                        if (backup[f] >= 0) {
                            s[e] = nextPoll;
                        }
                    } else if (t.state[e] != backup[f]) {
                        s[e] = nextPoll;
                        backup[f] = t.state[e];
                    }
                    dirty[f] = false;
                }
                dirtyList.clear();
                nextPoll += interval;
            }
            if (i == t.n) {
                break;
            }
            int f = t.flow[i];
            current[f] = i;
            if (!dirty[f]) {
                dirty[f] = true;
                dirtyList.add(f);
            }
        }
        return s;
    }

    static long[] queueCollapsing(Trace t, Policy.QueueCollapsing p) {
        long[] s = never(t);
        long delay = p.txDelay().toNanos();
        int[] current = new int[t.flows];
        boolean[] pending = new boolean[t.flows];
        ArrayDeque<long[]> queue = new ArrayDeque<>();
        for (int i = 0; i < t.n; i++) {
            while (!queue.isEmpty() && queue.peekFirst()[1] <= t.time[i]) {
                long[] q = queue.pollFirst();
                int f = (int) q[0];
                s[current[f]] = q[1];
                pending[f] = false;
            }
            int f = t.flow[i];
            current[f] = i;
            if (!pending[f]) {
                pending[f] = true;
                queue.addLast(new long[] {f, t.time[i] + delay});
            }
        }
        for (long[] q : queue) {
            s[current[(int) q[0]]] = q[1];
        }
        return s;
    }

    /** Runs the lazy replicator over the trace; the returned metrics are the replicator's own live view. */
    static ReplicatorMetrics bayes(Trace t, Policy.Bayes p, long[] out) {
        Arrays.fill(out, -1);
        int[] unknown = new int[1];
        LazyReplicator r = new LazyReplicator(p.config(), (event, at) -> {
            int i = t.indexOf(event);
            if (i < 0) {
                unknown[0]++;
            } else {
                out[i] = at;
            }
        }, () -> t.n == 0 ? 0 : t.time[0], p.initial());
        for (int i = 0; i < t.n; i++) {
            r.onEvent(t.events.get(i));
        }
        r.advanceTo(t.logEnd);
        if (unknown[0] > 0) {
            throw new IllegalStateException(unknown[0] + " sends of events not in the trace");
        }
        return r.metrics();
    }

    private static long[] never(Trace t) {
        long[] s = new long[t.n];
        Arrays.fill(s, -1);
        return s;
    }
}
