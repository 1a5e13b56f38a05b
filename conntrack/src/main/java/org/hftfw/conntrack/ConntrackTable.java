package org.hftfw.conntrack;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.hftfw.conntrack.ConntrackException.EntryExistsException;
import org.hftfw.conntrack.ConntrackException.NoSuchEntryException;

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
     * Applies many writes in as few round trips as possible, in order, and never throws for a single write's failure
     * (failures are counted in the result). The way a backup mirrors its peer's replicated states: an
     * {@link Write.Upsert} creates or updates, a {@link Write.Delete} of an absent entry is counted as absent (not as
     * a failure), a {@link Write.Timeout} sets only the timeout of an existing entry. The default issues one request
     * per write; the kernel table packs them into netlink batches.
     */
    default WriteResult writeAll(List<? extends Write> writes) {
        WriteResult.Tally t = new WriteResult.Tally();
        for (Write w : writes) {
            switch (w) {
                case Write.Upsert u -> upsertOne(u, t);
                case Write.Commit c -> upsertOne(new Write.Upsert(c.committed(), c.createFirst()), t);
                case Write.Delete d -> {
                    try {
                        delete(d.original(), d.zone());
                        t.deleted++;
                    } catch (NoSuchEntryException e) {
                        t.absent++;
                    } catch (ConntrackException e) {
                        t.fail("delete " + d.original(), e);
                    }
                }
                case Write.Timeout to -> {
                    try {
                        Optional<ConntrackEntry> e = get(to.original(), to.zone());
                        if (e.isEmpty()) {
                            t.absent++;
                        } else {
                            update(e.get().toBuilder().timeout(to.seconds()).build());
                            t.updated++;
                        }
                    } catch (NoSuchEntryException e) {
                        t.absent++;
                    } catch (ConntrackException e) {
                        t.fail("timeout " + to.original(), e);
                    }
                }
            }
        }
        return t.result(writes.size());
    }

    private void upsertOne(Write.Upsert u, WriteResult.Tally t) {
        ConntrackEntry e = u.entry();
        try {
            if (u.createFirst()) {
                try {
                    create(e);
                    t.created++;
                } catch (EntryExistsException exists) {
                    update(e);
                    t.updated++;
                }
            } else {
                try {
                    update(e);
                    t.updated++;
                } catch (NoSuchEntryException absent) {
                    create(e);
                    t.created++;
                } catch (ConntrackException refused) {
                    // an update the kernel refuses (a status bit that cannot change): replace the entry, as
                    // conntrackd's external_inject_upd does
                    delete(e.original(), e.zone());
                    create(e);
                    t.created++;
                }
            }
        } catch (ConntrackException | IllegalArgumentException ex) {
            t.fail("upsert " + e.original(), ex);
        }
    }

    /** The origin that events caused by this handle's writes carry ({@link ConntrackEvent#origin}); {@link
     * ConntrackEvent#ORIGIN_KERNEL} when the table cannot tell its writes from the kernel's own changes. */
    default int origin() {
        return ConntrackEvent.ORIGIN_KERNEL;
    }

    /**
     * Subscribes to NEW/UPDATE/DESTROY events. Delivery happens on a thread owned by the table, in kernel
     * order. Closing the subscription stops delivery.
     */
    EventSubscription subscribe(ConntrackEventListener listener);

    /**
     * Subscribes as {@link #subscribe(ConntrackEventListener)}, without the events caused by the writes of the handle
     * whose {@link #origin()} is {@code ignoredOrigin} (a writer of this node's own): a table that can leaves them
     * out before they are delivered (the kernel's: a socket filter), so they cost no delivery and no decoding. Those
     * that still arrive — any, by default, and those the kernel queued before the filter was in place — carry that
     * origin, and the listener must keep dropping them. {@link ConntrackEvent#ORIGIN_KERNEL}: nothing is left out.
     */
    default EventSubscription subscribe(ConntrackEventListener listener, int ignoredOrigin) {
        return subscribe(listener);
    }

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

    /** One write of {@link #writeAll}. */
    sealed interface Write {
        /**
         * Creates the entry or updates the existing one. {@code createFirst} tries the create first (a NEW state),
         * otherwise the update (an UPDATE of an entry that is probably there): the other is the fallback.
         */
        record Upsert(ConntrackEntry entry, boolean createFirst) implements Write {
            public Upsert {
                java.util.Objects.requireNonNull(entry, "entry");
            }
        }

        /**
         * A peer's state written as a backup commits it ({@link Upsert} of {@link #committed()}): the state as received
         * with this timeout (seconds), {@link Status#EXPECTED} cleared and, with {@code liberalTcp}, TCP "be liberal"
         * in both directions (conntrackd's external_inject and cache-ct commit; the backup does not track the peer's
         * windows). The kernel table encodes these changes straight into the request, so a backup writing every
         * received state builds no committed copy per flow (a builder, an entry and its TCP info each).
         */
        record Commit(ConntrackEntry asReceived, long timeout, boolean liberalTcp, boolean createFirst)
                implements Write {
            public Commit {
                java.util.Objects.requireNonNull(asReceived, "asReceived");
            }

            /** The status bits written: the received ones without {@link Status#EXPECTED}. */
            public long status() {
                return asReceived.status() & ~Status.EXPECTED;
            }

            /** The TCP details written: the received ones, with BE_LIBERAL in both directions if asked; null: none. */
            public ConntrackEntry.TcpInfo tcp() {
                ConntrackEntry.TcpInfo t = asReceived.tcp();
                if (!liberalTcp || asReceived.l4proto() != IpProto.TCP) {
                    return t;
                }
                int lib = ConntrackEntry.TcpInfo.FLAG_BE_LIBERAL;
                return t == null ? new ConntrackEntry.TcpInfo(0, 0, lib, lib)
                        : new ConntrackEntry.TcpInfo(t.wscaleOriginal(), t.wscaleReply(), t.flagsOriginal() | lib,
                                t.flagsReply() | lib);
            }

            /** The entry as written. */
            public ConntrackEntry committed() {
                return asReceived.toBuilder().timeout(timeout).status(status()).tcp(tcp()).build();
            }
        }

        /** Deletes the entry with this original tuple in this zone; an absent one is counted, not failed. */
        record Delete(Tuple original, int zone) implements Write {
            public Delete {
                java.util.Objects.requireNonNull(original, "original");
            }
        }

        /** Sets the timeout (seconds) of the existing entry and nothing else; an absent one is counted. */
        record Timeout(Tuple original, int zone, long seconds) implements Write {
            public Timeout {
                java.util.Objects.requireNonNull(original, "original");
                if (seconds < 1 || seconds > 0xffffffffL) {
                    throw new IllegalArgumentException("timeout out of 1..2^32-1 s: " + seconds);
                }
            }
        }
    }

    /**
     * Outcome of {@link #writeAll}.
     *
     * @param absent deletes and timeouts whose entry was not there
     */
    record WriteResult(int requested, int created, int updated, int deleted, int absent, int failed,
                       List<String> firstErrors) {
        public boolean allSucceeded() {
            return failed == 0;
        }

        /** Counts of a {@link #writeAll} in progress, for implementations. */
        public static final class Tally {
            public int created;
            public int updated;
            public int deleted;
            public int absent;
            public int failed;
            private final List<String> errors = new ArrayList<>();

            public void fail(String what, Exception e) {
                failed++;
                if (errors.size() < 10) {
                    errors.add(what + ": " + e.getMessage());
                }
            }

            public WriteResult result(int requested) {
                return new WriteResult(requested, created, updated, deleted, absent, failed, List.copyOf(errors));
            }
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
