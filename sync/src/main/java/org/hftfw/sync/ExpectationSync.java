package org.hftfw.sync;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.hftfw.conntrack.Expectation;

/**
 * Which local expectations a node replicates (conntrackd's {@code Sync { Options { ExpectationSync On | { ftp sip
 * ... } } }}, src/read_config_yy.y: {@code On} replicates all, a list only the expectations of those helpers,
 * matched by the master's helper name like conntrackd's {@code exp_filter}). Received expectations are applied
 * whatever this says, as conntrackd does.
 *
 * @param enabled replicate local expectations at all
 * @param helpers helper names to replicate (lower case); empty: every helper
 */
public record ExpectationSync(boolean enabled, Set<String> helpers) {
    public static final ExpectationSync OFF = new ExpectationSync(false, Set.of());
    public static final ExpectationSync ALL = new ExpectationSync(true, Set.of());

    public ExpectationSync {
        Objects.requireNonNull(helpers, "helpers");
        TreeSet<String> lower = new TreeSet<>();
        for (String h : helpers) {
            lower.add(h.toLowerCase(Locale.ROOT));
        }
        helpers = Set.copyOf(lower);
    }

    /** Only the expectations of these helpers. */
    public static ExpectationSync of(Set<String> helpers) {
        return new ExpectationSync(true, helpers);
    }

    /** Whether {@code e} is replicated. */
    public boolean accepts(Expectation e) {
        return enabled && (helpers.isEmpty()
                || (e.helper() != null && helpers.contains(e.helper().toLowerCase(Locale.ROOT))));
    }

    /** {@code off}, {@code all}, or the helper list. */
    public String describe() {
        return !enabled ? "off" : helpers.isEmpty() ? "all" : String.join(",", new TreeSet<>(helpers));
    }
}
