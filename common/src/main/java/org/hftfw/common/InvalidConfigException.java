package org.hftfw.common;

import org.hftfw.common.InvalidConfigException;

import java.util.List;

/**
 * A configuration was rejected: it does not parse, or it does not validate. The one configuration-error type of
 * every module (lazy replicator, policy, sync settings, the config file loader), so a caller that reloads a file
 * catches one thing and logs one line. {@link #problems()} lists every reason found, so an operator fixes them all
 * in one edit; the message joins them.
 */
public final class InvalidConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** Every problem found, each naming its key. */
    public InvalidConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public InvalidConfigException(String problem) {
        this(List.of(problem));
    }

    public InvalidConfigException(String problem, Throwable cause) {
        super(problem, cause);
        this.problems = List.of(problem);
    }

    /** The same problems, each prefixed with where they were found (a file, a config section). */
    public InvalidConfigException in(String where) {
        return new InvalidConfigException(problems.stream().map(p -> where + ": " + p).toList());
    }

    public List<String> problems() {
        return problems;
    }
}
