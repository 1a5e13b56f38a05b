package org.hftfw.ftfw;

import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.EventType;
import org.hftfw.conntrack.Expectation;
import org.hftfw.conntrack.ExpectationTable;

/**
 * A channel's receiver with the peer's expectations added: flows go to {@code flows} unchanged, expectations to the
 * {@link ExpectationCache} and then to {@code listener} (the always-committed backup's writer), if any.
 */
final class ExpectationReceiver implements FtfwEngine.Receiver {
    private final FtfwEngine.Receiver flows;
    private final ExpectationCache cache;
    private final ExpectationTable.Listener listener;

    ExpectationReceiver(FtfwEngine.Receiver flows, ExpectationCache cache, ExpectationTable.Listener listener) {
        this.flows = flows;
        this.cache = cache;
        this.listener = listener;
    }

    @Override
    public void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras) {
        flows.onData(type, entry, extras);
    }

    @Override
    public void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras, long stamp) {
        flows.onData(type, entry, extras, stamp);
    }

    @Override
    public void onData(FtfwMessage.DataType type, ConntrackEntry entry, FlowExtras extras, long stamp,
                       boolean bulkFlow) {
        flows.onData(type, entry, extras, stamp, bulkFlow);
    }

    @Override
    public FtfwEngine.BulkOutcome onBulkEnd(long fromStamp, boolean full) {
        return flows.onBulkEnd(fromStamp, full);
    }

    @Override
    public java.util.concurrent.CompletionStage<Long> applied() {
        return flows.applied();
    }

    @Override
    public void onExpectation(EventType type, Expectation e) {
        cache.apply(type, e);
        if (listener != null) {
            listener.onExpectation(type, e);
        }
    }
}
