package org.hftfw.sidecar.logging;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.nio.file.Path;

/**
 * Sets logback up in code: one appender on stderr (so that command output on stdout stays machine-readable) with the
 * {@link LineLayout}, the root at {@code -Dhftfw.log.level} (else INFO), Netty and OSHI at WARN. The sync daemon then
 * takes {@code log.level} and {@code log.components} from its config file ({@link LogLevels}). A logback file given
 * with {@code -Dlogback.configurationFile=FILE} is read instead, by logback's own configurator (this one steps aside);
 * such a file can use {@code %safemsg}, {@code %syslogprio} and {@code hftfwLogPattern} (docs/daemon.md, "Logs").
 *
 * <p>Design note. Found through {@code META-INF/services}, ahead of logback's default that reads {@code logback.xml}.
 * Reading an XML configuration cost every process about 580 classes (logback's Joran and model classes, the JDK's
 * XML parser, the pattern layout's 70 converters), metaspace the daemon kept for its whole run (issue #12's
 * footprint, docs/daemon.md "Footprint"), and start-up time of every command.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
    /** The system property that sets the root level. */
    static final String LEVEL_PROPERTY = "hftfw.log.level";

    /** For the service loader. */
    public LogSetup() {}

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY) != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LineLayout layout = new LineLayout(LogPattern.isJournal(System.getenv("JOURNAL_STREAM"),
                Path.of("/proc/self/fd/2")));
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getProperty(LEVEL_PROPERTY), Level.INFO));
        root.addAppender(stderr);
        context.getLogger("io.netty").setLevel(Level.WARN);
        context.getLogger("oshi").setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
