package org.hftfw.sync;

import java.util.Locale;
import org.hftfw.lazy.LazyConfig;
import org.hftfw.lazy.ReplicatorMetrics;

/** How the publisher replicates, as a snapshot for reports and metrics. */
public sealed interface Replication permits Replication.EveryChange, Replication.Lazy {

    /** The mode in the config file's words. */
    String describe();

    /** Every change is replicated. */
    record EveryChange() implements Replication {
        @Override
        public String describe() {
            return "off";
        }
    }

    /** The lazy replicator decides: its settings in force and its metrics. */
    record Lazy(LazyConfig config, ReplicatorMetrics metrics) implements Replication {
        @Override
        public String describe() {
            return describe(config);
        }

        /** A lazy configuration in the config file's words. */
        static String describe(LazyConfig c) {
            return String.format(Locale.ROOT, "%s mode, barrier %s, latency %d ms (B = %d ms), min-observations %d, "
                    + "max-failing-predictions %d%s", c.mode().name().toLowerCase(Locale.ROOT), c.barrier(),
                    c.latency().toMillis(), 2 * c.latency().toMillis(), c.minObservations(), c.maxFailingPredictions(),
                    c.learning() ? "" : ", learning off");
        }
    }
}
