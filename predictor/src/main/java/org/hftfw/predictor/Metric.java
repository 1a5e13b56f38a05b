package org.hftfw.predictor;

/** What a {@link Reading} measures. Counters are cumulative and monotonic until a reset; gauges are instantaneous. */
public enum Metric {
    /** EDAC memory-controller total of corrected errors ({@code mcN/ce_count}). */
    MEM_CE(Kind.COUNTER, "errors"),
    /** EDAC memory-controller total of uncorrected errors ({@code mcN/ue_count}). */
    MEM_UE(Kind.COUNTER, "errors"),
    MEM_CE_NOINFO(Kind.COUNTER, "errors"),
    MEM_UE_NOINFO(Kind.COUNTER, "errors"),
    /** Per DIMM/rank/csrow-channel corrected errors: evidence for the MC totals, not an independent signal. */
    DIMM_CE(Kind.COUNTER, "errors"),
    DIMM_UE(Kind.COUNTER, "errors"),
    EDAC_SECONDS_SINCE_RESET(Kind.GAUGE, "s"),
    AER_CORRECTABLE(Kind.COUNTER, "errors"),
    AER_NONFATAL(Kind.COUNTER, "errors"),
    AER_FATAL(Kind.COUNTER, "errors"),
    AER_ROOTPORT_CORRECTABLE(Kind.COUNTER, "errors"),
    AER_ROOTPORT_NONFATAL(Kind.COUNTER, "errors"),
    AER_ROOTPORT_FATAL(Kind.COUNTER, "errors"),
    TEMP_C(Kind.GAUGE, "°C"),
    /** Warning limit: hwmon {@code tempY_max}, thermal trip points of type hot or passive. */
    TEMP_MAX_C(Kind.GAUGE, "°C"),
    /** Critical limit: hwmon {@code tempY_crit}, thermal trip points of type critical. */
    TEMP_CRIT_C(Kind.GAUGE, "°C"),
    TEMP_ALARM(Kind.FLAG, ""),
    TEMP_CRIT_ALARM(Kind.FLAG, ""),
    TEMP_FAULT(Kind.FLAG, ""),
    FAN_RPM(Kind.GAUGE, "RPM"),
    FAN_MIN_RPM(Kind.GAUGE, "RPM"),
    FAN_FAULT(Kind.FLAG, ""),
    FAN_ALARM(Kind.FLAG, ""),
    VOLT_MV(Kind.GAUGE, "mV"),
    VOLT_MIN_MV(Kind.GAUGE, "mV"),
    VOLT_MAX_MV(Kind.GAUGE, "mV"),
    VOLT_ALARM(Kind.FLAG, ""),
    /** Sum of an interface's error counters; the label carries the non-zero breakdown. */
    NIC_ERRORS(Kind.COUNTER, "errors"),
    NIC_DROPS(Kind.COUNTER, "packets"),
    NIC_CARRIER_CHANGES(Kind.COUNTER, "changes"),
    NIC_OPER_UP(Kind.FLAG, ""),
    /** {@code /proc/interrupts} rows, summed over CPUs. */
    MCE_EXCEPTIONS(Kind.COUNTER, "interrupts"),
    MCE_POLLS(Kind.COUNTER, "polls"),
    THRESHOLD_INTERRUPTS(Kind.COUNTER, "interrupts"),
    DEFERRED_ERROR_INTERRUPTS(Kind.COUNTER, "interrupts"),
    /** {@code HardwareCorrupted:} in {@code /proc/meminfo}: memory poisoned by memory-failure handling. */
    MEM_POISONED_KB(Kind.GAUGE, "kB"),
    /** Log/event-store events, component = a {@link LogEventClass} name. */
    LOG_EVENTS(Kind.COUNTER, "events"),
    /** Kernel log records overwritten before they were read (seq gaps, EPIPE). */
    LOG_RECORDS_LOST(Kind.COUNTER, "records");

    /** How to interpret successive values. */
    public enum Kind { COUNTER, GAUGE, FLAG }

    private final Kind kind;
    private final String unit;

    Metric(Kind kind, String unit) {
        this.kind = kind;
        this.unit = unit;
    }

    public Kind kind() {
        return kind;
    }

    public String unit() {
        return unit;
    }
}
