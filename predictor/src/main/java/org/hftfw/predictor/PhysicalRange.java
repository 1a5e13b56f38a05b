package org.hftfw.predictor;

/**
 * What a sensor or counter can physically report. A value outside it is a broken driver, a corrupted or forged
 * file, or a unit mistake: it must not be believed as HEALTHY (1e9 °C is not "hot", a negative error count is not
 * "fewer errors"), so the sample that carries it is DEGRADED and names it.
 */
final class PhysicalRange {
    /** Below absolute zero is impossible; silicon is destroyed long before 300 °C. */
    static final double MIN_CELSIUS = -273.15;
    static final double MAX_CELSIUS = 300;
    /** Server fans run below 30 000 RPM; 10^6 leaves room for any sensor that is not broken. */
    static final double MAX_RPM = 1_000_000;
    /** hwmon voltages of a server are within ±1 kV (in mV). */
    static final double MAX_ABS_MILLIVOLTS = 1_000_000;

    private PhysicalRange() {}

    /** Null when {@code value} is possible for {@code metric}, else why not. */
    static String check(Metric metric, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "not a finite number";
        }
        return switch (metric.kind()) {
            case COUNTER -> value < 0 ? "a counter cannot be negative" : null;
            case FLAG -> value == 0 || value == 1 ? null : "a flag is 0 or 1";
            case GAUGE -> switch (metric) {
                case TEMP_C, TEMP_MAX_C, TEMP_CRIT_C -> value < MIN_CELSIUS || value > MAX_CELSIUS
                        ? "outside " + MIN_CELSIUS + "…" + MAX_CELSIUS + " °C" : null;
                case FAN_RPM, FAN_MIN_RPM -> value < 0 || value > MAX_RPM ? "outside 0…" + (long) MAX_RPM + " RPM" : null;
                case VOLT_MV, VOLT_MIN_MV, VOLT_MAX_MV -> Math.abs(value) > MAX_ABS_MILLIVOLTS
                        ? "outside ±" + (long) MAX_ABS_MILLIVOLTS + " mV" : null;
                default -> value < 0 ? "cannot be negative" : null;
            };
        };
    }
}
