package org.hftfw.conntrack;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A conntrack table: the kernel's (through ctnetlink) or an in-memory one with the same behaviour.
 * Entries are identified by their original tuple and zone, as in the kernel.
 *
 * <p>Errors are reported as {@link ConntrackException} subclasses carrying the netlink errno.
 * Implementations are safe for use by one caller thread plus the event delivery thread.
 */
public interface ConntrackTable extends AutoCloseable {

    /** Streams every entry (all zones, IPv4 and IPv6) to {@code sink}; returns how many were delivered. */
    long dump(Consumer<ConntrackEntry> sink);

    /** The whole table as a list. */
    default List<ConntrackEntry> list() {
        List<ConntrackEntry> all = new ArrayList<>();
        dump(all::add);
        return all;
    }

    /** The entry with this original tuple in this zone, if present. */
    Optional<ConntrackEntry> get(Tuple original, int zone);

    /** Creates an entry; {@link EntryExistsException} if one with the same tuple exists. */
    void create(ConntrackEntry entry);

    /**
     * Updates the mutable attributes (status, timeout, mark, protocol state) of an existing entry;
     * {@link NoSuchEntryException} if there is none.
     */
    void update(ConntrackEntry entry);

    /** Deletes the entry; {@link NoSuchEntryException} if there is none. */
    void delete(Tuple original, int zone);

    /** Deletes every entry. */
    void flush();

    /**
     * Creates many entries in as few round trips as possible. With {@code replaceExisting}, an entry whose
     * tuple already exists is updated instead (the backup's commit semantics). Never throws for a single
     * entry's failure: failures are counted in the result.
     */
    BatchResult createAll(Collection<ConntrackEntry> entries, boolean replaceExisting);

    /**
     * Subscribes to NEW/UPDATE/DESTROY events. Delivery happens on a thread owned by the table, in kernel
     * order. Closing the subscription stops delivery.
     */
    EventSubscription subscribe(ConntrackEventListener listener);

    /** Counters of this table's access path. */
    SourceStats stats();

    @Override
    void close();

    /** An active event subscription. */
    interface EventSubscription extends AutoCloseable {
        @Override
        void close();

        /**
         * Delivers every event already queued for this subscription, then runs {@code step} while no further event
         * is delivered (they wait in the queue), then resumes. A table snapshot taken in {@code step} is then newer
         * than every event delivered before it and older than (or as new as) every event delivered after it, which
         * is what a migration needs to send a snapshot without a live change overtaking it or being overtaken.
         * The default, for sources that deliver synchronously, just runs the step.
         */
        default <T> T whileQuiet(java.util.concurrent.Callable<T> step) throws Exception {
            return step.call();
        }
    }

    /** Outcome of a batched create. */
    record BatchResult(int requested, int created, int updated, int failed, List<String> firstErrors) {
        public boolean allSucceeded() {
            return failed == 0;
        }
    }

    /**
     * Counters of a table access path (like {@code conntrack -S} plus the sidecar's own).
     *
     * @param events     events delivered to listeners
     * @param overruns   event-socket overruns (ENOBUFS): events the kernel could not queue for us
     * @param resyncs    full-table resync dumps done after overruns
     * @param malformed  messages or attributes rejected by the decoder
     * @param errors     netlink requests that failed
     */
    record SourceStats(long events, long overruns, long resyncs, long malformed, long errors) {}

    /** Convenience: {@link #createAll} over a collection with default replace semantics off. */
    default BatchResult createAll(Collection<ConntrackEntry> entries) {
        return createAll(entries, false);
    }
}
