package org.hftfw.conntrack.log;

/**
 * What a replay did.
 *
 * @param events                events read from the log and replayed
 * @param applied               events applied to the table without an anomaly (0 without a table)
 * @param newOnOpenFlow         NEW for a tuple still in the table: the old instance was deleted first (its
 *                              DESTROY is missing from the log)
 * @param newRejected           NEW the table refused (reply tuple taken by another entry, bad attributes)
 * @param updateWithoutEntry    UPDATE for a tuple not in the table (its NEW is missing): created instead
 * @param updateRejected        UPDATE the table refused (e.g. EBUSY for clearing ASSURED)
 * @param destroyWithoutEntry   DESTROY for a tuple not in the table
 * @param timeWentBack          events stamped earlier than some event before them (replayed without waiting)
 * @param overruns              ENOBUFS warnings in the log, passed on as overruns
 * @param parse                 the reader's report
 */
public record ReplayResult(long events, long applied, long newOnOpenFlow, long newRejected, long updateWithoutEntry,
                           long updateRejected, long destroyWithoutEntry, long timeWentBack, long overruns,
                           ParseReport parse) {

    /** Events the table could not apply as they were. */
    public long anomalies() {
        return newOnOpenFlow + newRejected + updateWithoutEntry + updateRejected + destroyWithoutEntry;
    }
}
