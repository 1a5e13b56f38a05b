package org.hftfw.predictor;

/**
 * Whether a fault source gives a signal at all. "No signal" is never "healthy": a host whose firmware handles
 * RAS first (APEI/GHES) hides EDAC counts, a VM has no hwmon, and both must be visible as such in a health
 * report rather than as zero errors.
 */
public sealed interface Availability {

    /** The source was read completely. */
    record Available() implements Availability {}

    /** The interface does not exist on this host (driver not loaded, no hardware, VM, no permission). */
    record Unavailable(String reason) implements Availability {}

    /** The interface exists but part of it could not be read or parsed; the readings that did parse are kept. */
    record Degraded(String reason) implements Availability {}

    // Available is constructed nowhere else, so no other thread can be initialising it while this runs
    @SuppressWarnings("ClassInitializationDeadlock")
    Availability AVAILABLE = new Available();

    static Availability unavailable(String reason) {
        return new Unavailable(reason);
    }

    static Availability degraded(String reason) {
        return new Degraded(reason);
    }

    default boolean isAvailable() {
        return this instanceof Available;
    }

    default boolean givesSignal() {
        return !(this instanceof Unavailable);
    }

    /** Short label for reports and logs: {@code AVAILABLE}, {@code UNAVAILABLE(reason)}, {@code DEGRADED(reason)}. */
    default String label() {
        return switch (this) {
            case Available a -> "AVAILABLE";
            case Unavailable u -> "UNAVAILABLE(" + u.reason() + ")";
            case Degraded d -> "DEGRADED(" + d.reason() + ")";
        };
    }
}
