package org.hftfw.sidecar.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * Applies the config file's log levels ({@code log.level}, {@code log.components}) to logback, at start and on every
 * reload. A component dropped from the file goes back to inheriting; an empty {@code log.level} puts the root back
 * to what it was before the first apply ({@code -Dhftfw.log.level}, else INFO).
 */
public final class LogLevels {
    /** The level names the config accepts. */
    public static final Set<String> NAMES = Set.of("OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE");

    private final Map<String, Level> before = new HashMap<>();
    private Level rootBefore;
    private boolean first = true;

    /**
     * Sets the root to {@code root} ("" keeps the level the process started with) and each named logger (a package
     * or class name) to its level; names from an earlier call that are gone inherit again. Levels are names from
     * {@link #NAMES}, validated by the config reader. Does nothing when logback is not the logging backend.
     */
    public synchronized void apply(String root, Map<String, String> components) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        Logger rootLogger = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (first) {
            rootBefore = rootLogger.getLevel();
            first = false;
        }
        rootLogger.setLevel(root.isEmpty() ? rootBefore : Level.toLevel(root.toUpperCase(Locale.ROOT)));
        for (String name : Set.copyOf(before.keySet())) {
            if (!components.containsKey(name)) {
                ctx.getLogger(name).setLevel(before.remove(name));
            }
        }
        components.forEach((name, level) -> {
            Logger l = ctx.getLogger(name);
            before.putIfAbsent(name, l.getLevel());
            l.setLevel(Level.toLevel(level.toUpperCase(Locale.ROOT)));
        });
    }
}
