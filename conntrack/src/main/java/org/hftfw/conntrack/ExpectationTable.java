package org.hftfw.conntrack;

import java.util.function.Consumer;

/**
 * The expectation table of a conntrack table (ctnetlink's NFNL_SUBSYS_CTNETLINK_EXP): what {@code conntrack -L
 * expect}, {@code -I expect}, {@code -D expect} and {@code -E expect} reach. Methods throw {@link ConntrackException}
 * on failure ({@link ConntrackException.NoSuchEntryException} when the master or the expectation is absent).
 */
public interface ExpectationTable extends AutoCloseable {

    /** Streams every expectation; returns how many. */
    long dump(Consumer<Expectation> sink);

    /**
     * Creates {@code e} (its master must exist and have a helper). With {@code replaceExisting}, an existing one
     * (EEXIST) is deleted and the create retried once, as conntrackd does.
     */
    void create(Expectation e, boolean replaceExisting);

    /** Deletes the expectation of {@code e}'s expected tuple. */
    void delete(Expectation e);

    /** Subscribes to NEW, UPDATE and DESTROY events of expectations. */
    ConntrackTable.EventSubscription subscribe(Listener listener);

    @Override
    void close();

    /** Receives expectation events, on the subscription's thread. */
    interface Listener {
        void onExpectation(EventType type, Expectation e);

        /** The kernel dropped events (ENOBUFS); {@code table} is the whole table re-read after it. */
        default void onResync(java.util.List<Expectation> table) {}

        /** The subscription failed and stopped. */
        default void onError(ConntrackException error) {}
    }
}
