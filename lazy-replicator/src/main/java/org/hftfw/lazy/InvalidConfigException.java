package org.hftfw.lazy;

import java.util.List;

/** A lazy-replicator configuration was rejected; {@link #problems()} lists every reason. */
public final class InvalidConfigException extends IllegalArgumentException {
    private final List<String> problems;

    public InvalidConfigException(List<String> problems) {
        super("invalid lazy-replicator configuration: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
