package org.hftfw.sidecar;

import org.hftfw.conntrack.ConntrackException;
import org.hftfw.sidecar.logging.SafeText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Turns expected failures (no privileges, no conntrack in the kernel, bad input) into one line on stderr
 * ({@link SafeText#line escaped and bounded}: it may quote a config value) and an exit code; only unexpected failures get a stack trace, and then in the log.
 */
final class Failures implements CommandLine.IExecutionExceptionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

    /** Exit code for an operational error (like conntrack(8), which exits 1 on errors). */
    static final int EXIT_ERROR = 1;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        String msg = switch (ex) {
            case ConntrackException.PermissionDeniedException e ->
                    "hftfw: permission denied: " + e.getMessage() + " (run as root or with CAP_NET_ADMIN)";
            case ConntrackException.ConntrackUnavailableException e ->
                    "hftfw: conntrack is not available: " + e.getMessage();
            case ConntrackException e -> "hftfw: " + e.getMessage();
            case UserError e -> "hftfw: " + e.getMessage();
            default -> null;
        };
        if (msg == null) {
            LOG.error("unexpected failure", ex);
            msg = "hftfw: internal error: " + ex + " (see the log for details)";
        }
        cl.getErr().println(SafeText.line(msg));
        return EXIT_ERROR;
    }

    /** An error caused by the user's input (bad file, bad option value): reported in one line. */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message);
        }

        UserError(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
