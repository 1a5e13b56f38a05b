package org.hftfw.conntrack.log;

import java.io.IOException;
import java.util.Objects;
import org.hftfw.conntrack.ConntrackEntry;
import org.hftfw.conntrack.ConntrackEvent;
import org.hftfw.conntrack.ConntrackEventListener;
import org.hftfw.conntrack.ConntrackException;
import org.hftfw.conntrack.ConntrackException.EntryExistsException;
import org.hftfw.conntrack.ConntrackException.NoSuchEntryException;
import org.hftfw.conntrack.ConntrackTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays a recorded {@code conntrack -E} log into a {@link ConntrackTable} and/or to a listener, as fast as
 * possible or paced by the log's timestamps.
 *
 * <p>Design note. A recorded log is never a perfect history: it may start while flows are open (UPDATE or
 * DESTROY for flows it never saw created), lose events to ENOBUFS (conntrack prints a warning) and, per the
 * metrics definitions, "a NEW on a still-open flow ends the old instance there". So each event is applied
 * with the closest operation that keeps the table equal to the kernel's as the log describes it, and every
 * deviation is counted in {@link ReplayResult}:
 * <ul>
 *   <li>NEW → create; if the original tuple is still present, delete it first (newOnOpenFlow); if the table
 *       still refuses (reply tuple of another entry), newRejected.</li>
 *   <li>UPDATE → update (timeout, state, status, mark); if absent, create it (updateWithoutEntry) with the
 *       line's timeout or, when the line has none, {@link #missingTimeoutSeconds}; refusals count as
 *       updateRejected.</li>
 *   <li>DESTROY → delete; if absent, destroyWithoutEntry.</li>
 * </ul>
 * The listener receives each log event as recorded (log ids and times) after it was applied to the table.
 * An ENOBUFS warning in the log reaches it as {@code onOverrun}, followed by {@code onResync} with the table's
 * contents when a table is attached.
 *
 * <p>Pacing: event {@code i} is released at {@code start + (t_i - t_0) / speed} on the {@link ReplayClock},
 * where {@code t} is the event's {@code monotonicNanos} (the log's timestamps, see {@link ConntrackLogReader});
 * an event stamped earlier than any event before it is released at once (timeWentBack). Before each event the
 * optional {@link LogClock} is set to its time, so an in-memory table can run on recorded time.
 */
public final class ReplaySource {
    private static final Logger LOG = LoggerFactory.getLogger(ReplaySource.class);

    private final ConntrackLogReader reader;
    private ConntrackTable table;
    private ConntrackEventListener listener;
    private LogClock logClock;
    private ReplayClock pacer;
    private double speed = 1.0;
    private long missingTimeoutSeconds = 120;
    private boolean ran;

    private long events;
    private long applied;
    private long newOnOpenFlow;
    private long newRejected;
    private long updateWithoutEntry;
    private long updateRejected;
    private long destroyWithoutEntry;
    private long timeWentBack;
    private long overruns;

    private ReplaySource(ConntrackLogReader reader) {
        this.reader = Objects.requireNonNull(reader, "reader");
    }

    /** A replay of {@code reader}'s events; configure it, then {@link #run()} it once. */
    public static ReplaySource from(ConntrackLogReader reader) {
        return new ReplaySource(reader);
    }

    /** Applies the events to {@code table}. */
    public ReplaySource into(ConntrackTable table) {
        this.table = Objects.requireNonNull(table, "table");
        return this;
    }

    /** Passes the recorded events (and overruns) to {@code listener}. */
    public ReplaySource to(ConntrackEventListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** Sets {@code clock} to each event's time before the event is applied. */
    public ReplaySource logClock(LogClock clock) {
        this.logClock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /** Releases events at the log's pace divided by {@code speed} (1.0 = as recorded) on {@code clock}. */
    public ReplaySource paced(ReplayClock clock, double speed) {
        if (!(speed > 0) || Double.isInfinite(speed)) {
            throw new IllegalArgumentException("speed must be a positive number: " + speed);
        }
        this.pacer = Objects.requireNonNull(clock, "clock");
        this.speed = speed;
        return this;
    }

    /** Timeout given to an entry created for an UPDATE line that carries none (default 120 s). */
    public ReplaySource missingTimeoutSeconds(long seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("timeout must be >= 0: " + seconds);
        }
        this.missingTimeoutSeconds = seconds;
        return this;
    }

    /** Replays the whole log; returns the counts. Interrupting the thread stops a paced replay. */
    public ReplayResult run() throws IOException, InterruptedException {
        if (ran) {
            throw new IllegalStateException("a ReplaySource runs once");
        }
        ran = true;
        long startNanos = pacer == null ? 0 : pacer.nanos();
        long firstLogNanos = 0;
        long previousLogNanos = Long.MIN_VALUE;
        long seenWarnings = 0;
        for (ConntrackEvent e = reader.next(); e != null; e = reader.next()) {
            long warnings = reader.overrunWarnings();
            if (warnings != seenWarnings) {
                reportOverruns(warnings - seenWarnings);
                seenWarnings = warnings;
            }
            long t = e.monotonicNanos();
            if (events == 0) {
                firstLogNanos = t;
            } else if (t < previousLogNanos) {
                timeWentBack++;
            }
            if (pacer != null && t >= previousLogNanos) {
                pacer.awaitNanos(startNanos + (long) ((t - firstLogNanos) / speed));
            } else if (Thread.interrupted()) {
                throw new InterruptedException("replay interrupted");
            }
            previousLogNanos = Math.max(previousLogNanos, t);
            if (logClock != null) {
                logClock.set(t, e.epochMicros());
            }
            events++;
            if (table != null) {
                apply(e);
            }
            if (listener != null) {
                listener.onEvent(e);
                listener.endOfBatch();                              // replayed events are paced one by one
            }
        }
        long warnings = reader.overrunWarnings();
        if (warnings != seenWarnings) {
            reportOverruns(warnings - seenWarnings);
        }
        ReplayResult result = new ReplayResult(events, applied, newOnOpenFlow, newRejected, updateWithoutEntry,
                updateRejected, destroyWithoutEntry, timeWentBack, overruns, reader.report());
        if (result.anomalies() > 0 || result.parse().malformed() > 0) {
            LOG.info("replay finished with anomalies: {}", result);
        }
        return result;
    }

    private void reportOverruns(long n) {
        overruns += n;
        if (listener != null) {
            listener.onOverrun(overruns);
            if (table != null) {
                listener.onResync(table.list());
            }
        }
    }

    private void apply(ConntrackEvent e) {
        ConntrackEntry entry = e.entry();
        switch (e.type()) {
            case NEW -> {
                if (table.get(entry.original(), entry.zone()).isPresent()) {
                    newOnOpenFlow++;
                    table.delete(entry.original(), entry.zone());
                    if (tryCreate(entry)) {
                        return;
                    }
                    newRejected++;
                } else if (tryCreate(entry)) {
                    applied++;
                } else {
                    newRejected++;
                }
            }
            case UPDATE -> {
                try {
                    table.update(entry);
                    applied++;
                } catch (NoSuchEntryException absent) {
                    updateWithoutEntry++;
                    ConntrackEntry withTimeout = entry.timeout() >= 0 ? entry
                            : entry.toBuilder().timeout(missingTimeoutSeconds).build();
                    if (!tryCreate(withTimeout)) {
                        updateRejected++;
                    }
                } catch (ConntrackException refused) {
                    updateRejected++;
                    LOG.debug("update refused at log line {}: {}", reader.lineNumber(), refused.getMessage());
                }
            }
            case DESTROY -> {
                try {
                    table.delete(entry.original(), entry.zone());
                    applied++;
                } catch (NoSuchEntryException absent) {
                    destroyWithoutEntry++;
                }
            }
        }
    }

    private boolean tryCreate(ConntrackEntry entry) {
        try {
            table.create(entry);
            return true;
        } catch (EntryExistsException exists) {
            LOG.debug("create refused at log line {}: {}", reader.lineNumber(), exists.getMessage());
            return false;
        } catch (ConntrackException refused) {
            LOG.debug("create refused at log line {}: {}", reader.lineNumber(), refused.getMessage());
            return false;
        }
    }
}
