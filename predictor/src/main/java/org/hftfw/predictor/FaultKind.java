package org.hftfw.predictor;

/** Faults {@link FaultInjector} can inject; the CLI's {@code hftfw fault inject <kind>} names them in kebab case. */
public enum FaultKind {
    /** Corrected memory errors: {@code count} errors on {@code mcN[/dimmM]}. */
    EDAC_CE("edac-ce"),
    /** Uncorrected memory errors: {@code count} errors on {@code mcN[/dimmM]}. */
    EDAC_UE("edac-ue"),
    /** Correctable PCIe errors (Receiver Error) on device {@code <BDF>}. */
    AER_CORRECTABLE("aer-cor"),
    /** Non-fatal uncorrectable PCIe errors (Completion Timeout) on {@code <BDF>}. */
    AER_NONFATAL("aer-nonfatal"),
    /** Fatal PCIe errors (Malformed TLP) on {@code <BDF>}. */
    AER_FATAL("aer-fatal"),
    /** Sets the temperature of {@code hwmonN/tempY} or {@code thermal_zoneN} to {@code count} °C. */
    TEMPERATURE("temp"),
    /** Stops fan {@code hwmonN/fanY} (0 RPM); {@code count} is ignored. */
    FAN_FAILURE("fan-fail"),
    /** {@code count} receive errors (CRC) on interface {@code <if>}. */
    NIC_ERRORS("nic-errors"),
    /** {@code count} carrier flaps (down + up) on interface {@code <if>}. */
    CARRIER_FLAP("carrier-flap");

    private final String cliName;

    FaultKind(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** Parses {@code edac-ce} or {@code EDAC_CE}. */
    public static FaultKind parse(String name) {
        for (FaultKind k : values()) {
            if (k.cliName.equalsIgnoreCase(name) || k.name().equalsIgnoreCase(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown fault kind '" + name + "', expected one of "
                + java.util.Arrays.stream(values()).map(FaultKind::cliName).toList());
    }
}
