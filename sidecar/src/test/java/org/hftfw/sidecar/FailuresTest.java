package org.hftfw.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's start-up error line quotes what was wrong, a config value included: it is one bounded line of printable
 * text, whatever the value holds (issue 14 review G4: a 2 MB {@code sync.peer-address} with ESC sequences and
 * newlines was echoed whole to stderr, the journal under systemd).
 */
class FailuresTest {
    @TempDir
    Path dir;

    @Test
    void aHostileConfigValueInTheStartUpErrorIsEscapedAndCut() throws IOException {
        String hostile = "\\u001b[2J\\u001b[1;1H\\nFORGED LINE\\n" + "X".repeat(2_000_000);
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "sync {\n  peer-address = \"" + hostile + "\"\n}\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldErr = System.err;
        int code;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = Hftfw.run("sync", "primary", "--config", conf.toString());
        } finally {
            System.setErr(oldErr);
        }
        String out = err.toString(StandardCharsets.UTF_8);
        assertEquals(Failures.EXIT_ERROR, code, out.substring(0, Math.min(out.length(), 500)));
        assertTrue(out.startsWith("hftfw: "), out.substring(0, Math.min(out.length(), 500)));
        // the value is trimmed (its leading ESC with it) before it is checked
        assertTrue(out.contains("peer-address must be an IP address literal, got '[2J\\x1b[1;1H\\nFORGED LINE"),
                out.substring(0, Math.min(out.length(), 500)));
        assertFalse(out.contains("\u001b"), "no raw ESC");
        assertEquals(1, out.lines().count(), "one line");
        assertTrue(out.length() < 5000, "bounded: " + out.length() + " characters");
        assertTrue(out.strip().endsWith("more characters not logged)"), out.substring(Math.max(0, out.length() - 200)));
    }
}
