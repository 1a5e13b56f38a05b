package org.hftfw.predictor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Predictor thresholds. Counts are per sliding window; temperatures in °C. The defaults are conservative starting
 * points (one CE now and then is normal on a large memory; ten in ten minutes on one controller is a burst), to be
 * tuned with the replay evaluator on recorded histories.
 *
 * @param ceWindow               window for the corrected-memory-error rate
 * @param ceWarning              CEs within {@code ceWindow} on one controller that raise a WARNING
 * @param ceCritical             CEs within {@code ceWindow} that raise a CRITICAL (a storm; a UE tends to follow)
 * @param aerWindow              window for correctable PCIe errors
 * @param aerCorrectableWarning  correctable AER errors within {@code aerWindow} on one device for a WARNING
 * @param tempMarginC            WARNING when a temperature is within this of its critical limit
 * @param tempSlopeWindow        window over which the temperature slope is measured
 * @param tempSlopeCPerMin       WARNING when the temperature rises at least this fast
 * @param nicWindow              window for NIC error bursts
 * @param nicErrorWarning        NIC errors within {@code nicWindow} on one interface for a WARNING
 * @param flapWindow             window for carrier flaps
 * @param flapWarning            carrier changes within {@code flapWindow} for a WARNING
 * @param logWindow              window for corrected errors seen in logs and threshold interrupts
 * @param logCorrectedWarning    such events within {@code logWindow} for a WARNING
 * @param realert                a condition that persists is re-alerted at most this often
 */
public record PredictorConfig(Duration ceWindow, long ceWarning, long ceCritical, Duration aerWindow,
        long aerCorrectableWarning, double tempMarginC, Duration tempSlopeWindow, double tempSlopeCPerMin,
        Duration nicWindow, long nicErrorWarning, Duration flapWindow, long flapWarning, Duration logWindow,
        long logCorrectedWarning, Duration realert) {

    public PredictorConfig {
        List<String> errors = new ArrayList<>();
        positive(errors, "ceWindow", ceWindow);
        positive(errors, "aerWindow", aerWindow);
        positive(errors, "tempSlopeWindow", tempSlopeWindow);
        positive(errors, "nicWindow", nicWindow);
        positive(errors, "flapWindow", flapWindow);
        positive(errors, "logWindow", logWindow);
        positive(errors, "realert", realert);
        atLeastOne(errors, "ceWarning", ceWarning);
        atLeastOne(errors, "aerCorrectableWarning", aerCorrectableWarning);
        atLeastOne(errors, "nicErrorWarning", nicErrorWarning);
        atLeastOne(errors, "flapWarning", flapWarning);
        atLeastOne(errors, "logCorrectedWarning", logCorrectedWarning);
        if (ceCritical <= ceWarning) {
            errors.add("ceCritical (" + ceCritical + ") must be greater than ceWarning (" + ceWarning + ")");
        }
        if (!(tempMarginC >= 0) || Double.isInfinite(tempMarginC)) {
            errors.add("tempMarginC must be a finite number >= 0, got " + tempMarginC);
        }
        if (!(tempSlopeCPerMin > 0) || Double.isInfinite(tempSlopeCPerMin)) {
            errors.add("tempSlopeCPerMin must be a finite number > 0, got " + tempSlopeCPerMin);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid predictor config: " + String.join("; ", errors));
        }
    }

    private static void positive(List<String> errors, String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            errors.add(name + " must be a positive duration, got " + d);
        }
    }

    private static void atLeastOne(List<String> errors, String name, long v) {
        if (v < 1) {
            errors.add(name + " must be >= 1, got " + v);
        }
    }

    public static PredictorConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.ceWindow = ceWindow;
        b.ceWarning = ceWarning;
        b.ceCritical = ceCritical;
        b.aerWindow = aerWindow;
        b.aerCorrectableWarning = aerCorrectableWarning;
        b.tempMarginC = tempMarginC;
        b.tempSlopeWindow = tempSlopeWindow;
        b.tempSlopeCPerMin = tempSlopeCPerMin;
        b.nicWindow = nicWindow;
        b.nicErrorWarning = nicErrorWarning;
        b.flapWindow = flapWindow;
        b.flapWarning = flapWarning;
        b.logWindow = logWindow;
        b.logCorrectedWarning = logCorrectedWarning;
        b.realert = realert;
        return b;
    }

    /** Mutable builder holding the defaults. */
    public static final class Builder {
        private Duration ceWindow = Duration.ofMinutes(10);
        private long ceWarning = 10;
        private long ceCritical = 200;
        private Duration aerWindow = Duration.ofMinutes(10);
        private long aerCorrectableWarning = 20;
        private double tempMarginC = 5.0;
        private Duration tempSlopeWindow = Duration.ofMinutes(2);
        private double tempSlopeCPerMin = 5.0;
        private Duration nicWindow = Duration.ofMinutes(1);
        private long nicErrorWarning = 100;
        private Duration flapWindow = Duration.ofMinutes(10);
        private long flapWarning = 3;
        private Duration logWindow = Duration.ofMinutes(10);
        private long logCorrectedWarning = 10;
        private Duration realert = Duration.ofMinutes(5);

        private Builder() {}

        public Builder ceWindow(Duration v) { ceWindow = v; return this; }
        public Builder ceWarning(long v) { ceWarning = v; return this; }
        public Builder ceCritical(long v) { ceCritical = v; return this; }
        public Builder aerWindow(Duration v) { aerWindow = v; return this; }
        public Builder aerCorrectableWarning(long v) { aerCorrectableWarning = v; return this; }
        public Builder tempMarginC(double v) { tempMarginC = v; return this; }
        public Builder tempSlopeWindow(Duration v) { tempSlopeWindow = v; return this; }
        public Builder tempSlopeCPerMin(double v) { tempSlopeCPerMin = v; return this; }
        public Builder nicWindow(Duration v) { nicWindow = v; return this; }
        public Builder nicErrorWarning(long v) { nicErrorWarning = v; return this; }
        public Builder flapWindow(Duration v) { flapWindow = v; return this; }
        public Builder flapWarning(long v) { flapWarning = v; return this; }
        public Builder logWindow(Duration v) { logWindow = v; return this; }
        public Builder logCorrectedWarning(long v) { logCorrectedWarning = v; return this; }
        public Builder realert(Duration v) { realert = v; return this; }

        public PredictorConfig build() {
            return new PredictorConfig(ceWindow, ceWarning, ceCritical, aerWindow, aerCorrectableWarning, tempMarginC,
                    tempSlopeWindow, tempSlopeCPerMin, nicWindow, nicErrorWarning, flapWindow, flapWarning, logWindow,
                    logCorrectedWarning, realert);
        }
    }
}
