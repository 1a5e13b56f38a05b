package org.hftfw.sync;

import java.util.List;
import java.util.Objects;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.ExpectationTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publishing node's listener on its kernel expectation table (ExpectationSync): hands every expectation
 * {@code sync.expectation-sync} accepts to the channel, in kernel order.
 *
 * <p>Design note. The kernel drops events when the subscription's socket buffer overruns (ENOBUFS); the table then
 * re-reads itself and hands over the whole of it ({@link #onResync}). An expectation created during the overrun
 * exists only in that list: it is sent as NEW like the start-up dump's, or the peer would never get it (there is
 * no later event for it: it lives until its data connection uses it or it times out), which is conntrackd's
 * {@code NetlinkOverrunResync} for the expectation cache. The peer replaces one it holds already (an always-committed
 * backup creates with replace, an external cache keeps the newest). One deleted during the overrun stays on the peer
 * until its own timeout, as with conntrackd. A failed subscription stops the replication of expectations: said
 * loudly, as the flow subscription does ({@link Publisher#onError}).
 */
final class ExpectationPublisher implements ExpectationTable.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(ExpectationPublisher.class);

    /** Where an accepted expectation goes (the channel's {@code publishExpectation}). */
    interface Sink {
        void publish(EventType type, Expectation e);
    }

    private final ExpectationSync accept;
    private final Sink sink;

    ExpectationPublisher(ExpectationSync accept, Sink sink) {
        this.accept = Objects.requireNonNull(accept);
        this.sink = Objects.requireNonNull(sink);
    }

    @Override
    public void onExpectation(EventType type, Expectation e) {
        if (accept.accepts(e)) {
            sink.publish(type, e);
        }
    }

    @Override
    public void onResync(List<Expectation> table) {
        int sent = 0;
        for (Expectation e : table) {
            if (accept.accepts(e)) {
                sink.publish(EventType.NEW, e);
                sent++;
            }
        }
        LOG.warn("expectation events overran: the {} replicated expectations of the table re-read were sent again",
                sent);
    }

    @Override
    public void onError(ConntrackException error) {
        LOG.error("expectation event subscription failed, the primary no longer replicates its expectations: {}",
                error.getMessage());
    }
}
