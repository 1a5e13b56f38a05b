package org.hftfw.sync;

import org.hftfw.conntrack.EventView;
import org.hftfw.conntrack.FlowId;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.LazyReplicator;
import org.hftfw.lazy.LearnedModel;

/**
 * What decides which accepted change the {@link Publisher} sends: every change (conntrackd's behaviour), or the Bayes
 * lazy replicator. The publisher calls a mode under its lock; a mode is never shared between publishers.
 */
sealed interface ReplicationMode permits ReplicationMode.EveryChange, ReplicationMode.Lazy {

    /**
     * Sees an accepted change of the flow {@code id} ({@code e.entry().flowId()}, which the publisher has at hand);
     * true when it must be sent now, false when the mode sends it later or never. {@code e} may be the event reader's
     * reused view: a mode copies what it keeps.
     */
    boolean sendsNow(EventView e, FlowId id);

    /** Sweeps the mode's deadlines: deferred sends go out. */
    void tick();

    /** The mode as reports show it. */
    Replication status();

    /** Replicates every change. */
    record EveryChange() implements ReplicationMode {
        @Override
        public boolean sendsNow(EventView e, FlowId id) {
            return true;
        }

        @Override
        public void tick() {
            // nothing is ever deferred
        }

        @Override
        public Replication status() {
            return new Replication.EveryChange();
        }
    }

    /** The lazy replicator decides; what it decides to send reaches the publisher through its sink. */
    record Lazy(LazyReplicator replicator) implements ReplicationMode {
        @Override
        public boolean sendsNow(EventView e, FlowId id) {
            replicator.onEvent(e, id);
            return false;
        }

        @Override
        public void tick() {
            replicator.tick();
        }

        @Override
        public Replication status() {
            return new Replication.Lazy(replicator.config(), replicator.metrics());
        }

        void reconfigure(LazyConfig config) {
            replicator.reconfigure(config);
        }

        LearnedModel snapshot() {
            return replicator.snapshot();
        }
    }
}
