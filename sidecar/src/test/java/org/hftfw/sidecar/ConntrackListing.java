package org.hftfw.sidecar;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code conntrack -L} text made comparable between two listings taken moments apart: the timeout column counts
 * down in between, so it becomes {@code T}; lines are sorted because the two dumps need not walk the table in the
 * same order. The timeout is the number after the layer-4 name and number ({@code tcp      6 297 …}); with
 * {@code -o extended} the layer-3 name and number come first ({@code ipv4     2 tcp      6 297 …}).
 */
final class ConntrackListing {
    private static final Pattern TIMEOUT = Pattern.compile("^((?:ipv[46] +\\d+ )?[a-z0-9-]+ +\\d+ )\\d+ ");

    private ConntrackListing() {
    }

    /** Every line with its timeout replaced by {@code T}, sorted; a line without a timeout column is an error. */
    static String withoutTimeouts(String listing) {
        return listing.lines().map(ConntrackListing::lineWithoutTimeout).sorted().map(l -> l + "\n")
                .collect(Collectors.joining());
    }

    private static String lineWithoutTimeout(String line) {
        Matcher m = TIMEOUT.matcher(line);
        if (!m.find()) {
            // not silently kept: a line the pattern misses would make the comparison depend on the clock again
            throw new IllegalArgumentException("no timeout column in conntrack line: " + line);
        }
        return m.group(1) + "T " + line.substring(m.end());
    }
}
