package org.hftfw.predictor;

/**
 * One hardware/OS interface that can reveal a coming fault. Implementations never throw for missing or garbled
 * files: they answer with an {@link Availability} that says what is wrong, and keep whatever they could read.
 */
public interface FaultSource extends AutoCloseable {

    /** Stable short name, e.g. {@code edac}, {@code aer}, {@code hwmon}. */
    String name();

    /** Reads the interface now. */
    SourceSample sample(long nowNanos);

    /** Starts background readers (the kernel log); sampling-only sources do nothing. */
    default void start() {}

    @Override
    default void close() {}
}
