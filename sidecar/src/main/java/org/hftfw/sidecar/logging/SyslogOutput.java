package org.hftfw.sidecar.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * The config file's optional syslog output ({@code log.syslog}, {@code log.syslog-facility}), applied at start and on
 * every reload: a {@link SyslogAppender} on the root logger beside the stderr one, added, moved to another socket or
 * facility, or removed as the file says. Every line that passes the levels goes to both.
 */
public final class SyslogOutput {
    /** The facility names {@code log.syslog-facility} accepts. */
    public static final java.util.Set<String> FACILITY_NAMES = SyslogAppender.FACILITIES.keySet();
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(SyslogOutput.class);

    private final Consumer<String> problems;
    private SyslogAppender appender;
    private String socket = "";
    private String facility = "";

    /** Problems of the syslog socket itself are reported on stderr. */
    public SyslogOutput() {
        this(System.err::println);
    }

    SyslogOutput(Consumer<String> problems) {
        this.problems = problems;
    }

    /**
     * Sends the log to {@code socket} with {@code facility} from now on ("" socket: no syslog output). The facility is
     * a name validated by the config reader ({@link #FACILITY_NAMES}). Does nothing when logback is not the logging
     * backend.
     */
    public synchronized void apply(String socket, String facility) {
        if ((socket.equals(this.socket) && facility.equals(this.facility))
                || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (appender != null) {
            root.detachAppender(appender);
            appender.stop();
            appender = null;
        }
        this.socket = socket;
        this.facility = facility;
        if (socket.isEmpty()) {
            return;
        }
        try {
            SyslogAppender a = new SyslogAppender(socket, facility, problems);
            a.setContext(ctx);
            a.start();
            root.addAppender(a);
            appender = a;
            LOG.info("logging to syslog at {} (facility {}) too", socket, facility);
        } catch (IOException e) {
            LOG.warn("cannot log to syslog at {}: {}; logging to stderr only", socket, e.getMessage());
        }
    }
}
