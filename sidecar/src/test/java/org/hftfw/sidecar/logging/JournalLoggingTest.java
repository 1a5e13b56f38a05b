package org.hftfw.sidecar.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class JournalLoggingTest {

    @Test
    void theJournalPatternIsUsedOnlyWhenJournalStreamNamesStderr(@TempDir Path dir) throws Exception {
        Path stderr = Files.createFile(dir.resolve("stderr"));
        long dev = ((Number) Files.getAttribute(stderr, "unix:dev")).longValue();
        long ino = ((Number) Files.getAttribute(stderr, "unix:ino")).longValue();
        assertEquals(LogPattern.JOURNAL, LogPattern.forStderr(dev + ":" + ino, stderr));
        assertEquals(LogPattern.TERMINAL, LogPattern.forStderr(null, stderr));
        // inherited by a child whose stderr went elsewhere (systemd.exec(5): check, do not trust)
        assertEquals(LogPattern.TERMINAL, LogPattern.forStderr(dev + ":" + (ino + 1), stderr));
        assertEquals(LogPattern.TERMINAL, LogPattern.forStderr("garbage", stderr));
        assertFalse(LogPattern.JOURNAL.contains("%d"), "journald stamps lines itself");
    }

    @Test
    void priorityPrefixesFollowSyslog() {
        assertEquals("<3>", SyslogPriorityConverter.prefix(Level.ERROR));
        assertEquals("<4>", SyslogPriorityConverter.prefix(Level.WARN));
        assertEquals("<6>", SyslogPriorityConverter.prefix(Level.INFO));
        assertEquals("<7>", SyslogPriorityConverter.prefix(Level.DEBUG));
        assertEquals("<7>", SyslogPriorityConverter.prefix(Level.TRACE));
    }

    @Test
    void configLevelsApplyAndAComponentDroppedOnReloadInheritsAgain() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger component = (Logger) LoggerFactory.getLogger("org.hftfw.test.journallogging");
        Level rootBefore = root.getLevel();
        LogLevels levels = new LogLevels();
        try {
            levels.apply("WARN", Map.of("org.hftfw.test.journallogging", "DEBUG"));
            assertEquals(Level.WARN, root.getLevel());
            assertEquals(Level.DEBUG, component.getLevel());
            assertTrue(component.isDebugEnabled());
            levels.apply("", Map.of());
            assertEquals(rootBefore, root.getLevel(), "an empty level puts back the level the process started with");
            assertNull(component.getLevel(), "inherits again");
        } finally {
            root.setLevel(rootBefore);
        }
    }
}
