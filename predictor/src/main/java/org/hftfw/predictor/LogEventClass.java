package org.hftfw.predictor;

/** Classes of hardware events found in the kernel log, rasdaemon's store or mcelog output, with their severity. */
public enum LogEventClass {
    EDAC_CE(Severity.INFO, true),
    EDAC_UE(Severity.CRITICAL, false),
    MCE_CORRECTED(Severity.INFO, true),
    MCE_DEFERRED(Severity.WARNING, false),
    MCE_UNCORRECTED(Severity.CRITICAL, false),
    /** "Machine check events logged": the details are elsewhere (rasdaemon/mcelog); rate-limited to 2 a minute. */
    MCE_LOGGED(Severity.INFO, true),
    CMCI_STORM(Severity.WARNING, false),
    AER_CORRECTED(Severity.INFO, true),
    AER_NONFATAL(Severity.WARNING, false),
    AER_FATAL(Severity.CRITICAL, false),
    THERMAL_THROTTLE(Severity.WARNING, false),
    THERMAL_CRITICAL(Severity.CRITICAL, false),
    NIC_TX_TIMEOUT(Severity.WARNING, false),
    NIC_LINK_DOWN(Severity.INFO, false);

    private final Severity severity;
    private final boolean corrected;

    LogEventClass(Severity severity, boolean corrected) {
        this.severity = severity;
        this.corrected = corrected;
    }

    /** Severity of one such event on its own. */
    public Severity severity() {
        return severity;
    }

    /** Corrected errors matter as a rate (bursts), not one by one. */
    public boolean corrected() {
        return corrected;
    }
}
