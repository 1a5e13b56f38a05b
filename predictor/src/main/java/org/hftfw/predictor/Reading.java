package org.hftfw.predictor;

import java.util.Objects;

/**
 * One value read from a source. {@code component} identifies the sensor or counter within its source and metric
 * (e.g. {@code mc0}, {@code mc0/dimm3}, {@code 0000:00:1c.0}, {@code hwmon1/temp2}, {@code eth0}); {@code label} is
 * for humans (DIMM label, sensor label, error breakdown) and may be empty.
 */
public record Reading(Metric metric, String component, double value, String label) {

    public Reading {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(component, "component");
        label = label == null ? "" : label;
    }

    public Reading(Metric metric, String component, double value) {
        this(metric, component, value, "");
    }
}
