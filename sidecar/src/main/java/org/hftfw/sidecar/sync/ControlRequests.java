package org.hftfw.sidecar.sync;

/**
 * The request lines of the control commands that take arguments, built the same way by the full command line
 * ({@link ProactiveCommands}) and by {@link FastClient}. Plain string operations only: the fast client's start-up
 * pays for every class and call site it links, and a {@code +} between strings links a bootstrap method.
 */
final class ControlRequests {
    private ControlRequests() {}

    /** The {@code --why} text stripped, or null when it cannot ride on a one-line request (a control character). */
    static String why(String why) {
        String w = why == null ? "" : why.strip();
        for (int k = 0; k < w.length(); k++) {
            if (w.charAt(k) < 0x20) {
                return null;
            }
        }
        return w;
    }

    /** {@code migrate now [WHY]}; {@code why} as returned by {@link #why}. */
    static String migrateNow(String why) {
        return why.isEmpty() ? "migrate now" : "migrate now ".concat(why);
    }

    /** {@code policy manual COMMAND [WHY]}; {@code why} as returned by {@link #why}. */
    static String policyManual(String command, String why) {
        String line = "policy manual ".concat(command);
        return why.isEmpty() ? line : line.concat(" ").concat(why);
    }
}
