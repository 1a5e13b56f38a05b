package org.hftfw.sidecar;

import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackTable;
import org.hftfw.conntrack.EventType;

/**
 * The primary's traffic: each recorded change is applied to its table (as the kernel would on real packets; the
 * table's events reach the node's publisher), atomically with respect to the demotion, so the table seen at the
 * demotion is exactly what the backup has to hold.
 */
final class DemoTraffic {
    private final ConntrackTable table;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean dead;
    private long skipped;

    DemoTraffic(ConntrackTable table) {
        this.table = table;
    }

    /** Applies one recorded change; refuses once the primary is dead. */
    void apply(ConntrackEvent e) {
        lock.lock();
        try {
            if (dead) {
                throw new Stopped();
            }
            apply(e.entry(), e.type());
        } finally {
            lock.unlock();
        }
    }

    private void apply(ConntrackEntry entry, EventType type) {
        try {
            switch (type) {
                case NEW -> {
                    table.get(entry.original(), entry.zone())
                            .ifPresent(old -> table.delete(old.original(), old.zone()));
                    table.create(entry);
                }
                case UPDATE -> {
                    if (table.get(entry.original(), entry.zone()).isPresent()) {
                        table.update(entry);
                    } else {
                        table.create(entry.timeout() >= 0 ? entry : entry.toBuilder().timeout(120).build());
                    }
                }
                case DESTROY -> {
                    if (table.get(entry.original(), entry.zone()).isPresent()) {
                        table.delete(entry.original(), entry.zone());
                    }
                }
            }
        } catch (ConntrackException refused) {
            // a log is not a perfect history (it may start mid-flow): the change is skipped, as a kernel would
            // refuse it, and counted in the summary
            skipped++;
        }
    }

    /** Recorded changes the table refused (e.g. an update of a flow the log never created). */
    long skipped() {
        lock.lock();
        try {
            return skipped;
        } finally {
            lock.unlock();
        }
    }

    /** The demotion: from now on the primary changes nothing; returns its last table. */
    List<ConntrackEntry> die() {
        lock.lock();
        try {
            dead = true;
            return table.list();
        } finally {
            lock.unlock();
        }
    }

    /** Thrown into the replay once the primary is dead: the replay ends there. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }
}
