package org.hftfw.models;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LearnedModel;

/** A replication policy to score on a {@link Trace}. */
public sealed interface Policy {

    /** A short name for tables. */
    String name();

    /** Sends every event at once (conntrackd FT-FW without a filter and without queueing delay). */
    record ReplicateAll() implements Policy {
        @Override
        public String name() {
            return "replicate-all";
        }
    }

    /**
     * Sends exactly the SS state changes at their event time (it knows every lifetime) and a DESTROY only for flows
     * the backup holds: the upper bound on savings at zero exposure.
     */
    record Oracle() implements Policy {
        @Override
        public String name() {
            return "oracle";
        }
    }

    /**
     * conntrackd's static filter {@code Filter { State Accept { ... } for TCP }}: a TCP state change is replicated
     * when its state is in {@code acceptTcp}. The filter applies to TCP only; whether other protocols are replicated
     * is {@code replicateNonTcp} (with conntrackd's default {@code Protocol Accept} they are). A DESTROY goes out
     * when the backup holds the flow (conntrackd finds no cache object for a flow it filtered out).
     */
    record StateFilter(Set<String> acceptTcp, boolean replicateNonTcp) implements Policy {
        /** conntrackd.conf example: {@code State Accept { ESTABLISHED CLOSED TIME_WAIT CLOSE_WAIT } for TCP}. */
        public static StateFilter conntrackdExample(boolean replicateNonTcp) {
            // conntrackd's "CLOSED" is the kernel's TCP_CONNTRACK_CLOSE, printed CLOSE by conntrack
            return new StateFilter(Set.of("ESTABLISHED", "CLOSE", "TIME_WAIT", "CLOSE_WAIT"), replicateNonTcp);
        }

        public StateFilter {
            acceptTcp = Set.copyOf(acceptTcp);
        }

        @Override
        public String name() {
            return "state-filter" + (replicateNonTcp ? "" : "-tcp-only");
        }
    }

    /**
     * conntrackd {@code PollSecs N}: every {@code interval} the table is read and every flow whose state name
     * differs from what the backup holds is sent (one message, its current state); flows gone since the previous
     * poll get a DESTROY if the backup holds them. Flows born and dead between two polls are never sent. (Modelled on
     * state names: changes of other attributes, e.g. timeouts, are not counted.)
     */
    record Polling(Duration interval) implements Policy {
        public Polling {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("poll interval must be > 0");
            }
        }

        @Override
        public String name() {
            return "poll-" + interval.toMillis() / 1000.0 + "s";
        }
    }

    /**
     * conntrackd FT-FW queue collapsing: the transmit queue holds cache objects, not messages, and a message is built
     * from the object's state when it is transmitted, so events of a flow arriving while its object waits go out as
     * one message (conntrackd src/queue.c, src/network.c; testbed: 7 kernel events per short HTTP connection gave
     * ≈ 4.4 messages). Modelled as a fixed delay from the first pending event to transmission; every flow's last
     * event (DESTROY included) is sent.
     */
    record QueueCollapsing(Duration txDelay) implements Policy {
        public QueueCollapsing {
            if (txDelay.isNegative()) {
                throw new IllegalArgumentException("tx delay must be ≥ 0");
            }
        }

        @Override
        public String name() {
            return "ftfw-queue-" + txDelay.toNanos() / 1e6 + "ms";
        }
    }

    /**
     * Holds every state change for B and sends it then if the flow is still in that state (a DESTROY only for flows
     * the backup holds): the lazy replicator in DEFER mode with every change classified TS. It sends exactly the
     * oracle's messages at zero exposure, each stable state B late; Bayes in DEFER mode improves on it only by
     * sending the states it predicts stable at once (less exposure counted from the event time).
     */
    record DeferAll() implements Policy {
        @Override
        public String name() {
            return "defer-all";
        }
    }

    /**
     * The lazy replicator ({@link org.hftfw.lazy.LazyReplicator}) run on the trace, starting from {@code initial}
     * ({@link LearnedModel#empty()} = online learning from nothing, as the seed evaluated it).
     */
    record Bayes(LazyConfig config, LearnedModel initial) implements Policy {
        public Bayes {
            Objects.requireNonNull(config, "config").validated();
            Objects.requireNonNull(initial, "initial");
        }

        @Override
        public String name() {
            return "bayes";
        }
    }
}
