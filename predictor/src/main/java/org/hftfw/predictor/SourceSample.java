package org.hftfw.predictor;

import java.util.List;
import java.util.Objects;

/** The result of reading one source once: when, how available it was, and what it read. */
public record SourceSample(String source, long timeNanos, Availability availability, List<Reading> readings) {

    public SourceSample {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(availability, "availability");
        readings = List.copyOf(readings);
    }

    public static SourceSample unavailable(String source, long timeNanos, String reason) {
        return new SourceSample(source, timeNanos, Availability.unavailable(reason), List.of());
    }
}
