package org.hftfw.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's first command: the whole pipeline in one JVM on the shipped capture. */
class DemoTest {

    @Test
    void demoMigratesEveryFlowToTheBackupAndSavesReplication() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = Hftfw.run("demo", "--speed", "0");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, out);
        assertTrue(out.contains("policy: SUSPECT -> MIGRATING"), out);
        assertTrue(out.contains("policy: HANDED_OVER"), out);
        Matcher held = Pattern.compile("the backup holds (\\d+) of the primary's (\\d+) flows").matcher(out);
        assertTrue(held.find(), out);
        assertEquals(held.group(2), held.group(1), "every flow of the primary reached the backup");
        assertTrue(Integer.parseInt(held.group(2)) > 0, "the primary had flows at the handover");
        Matcher saved = Pattern.compile("(\\d+) kernel events -> (\\d+) state messages").matcher(out);
        assertTrue(saved.find(), out);
        assertTrue(Long.parseLong(saved.group(2)) < Long.parseLong(saved.group(1)),
                "lazy replication sends fewer messages than there are kernel events");
    }

    @Test
    void badOptionsGiveOneLineErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(1, Hftfw.run("demo", "--barrier", "2"));
            assertEquals(1, Hftfw.run("demo", "--log", "/nonexistent/events.log"));
        } finally {
            System.setErr(old);
        }
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("--barrier must be in [0, 1]"), e);
        assertTrue(e.contains("cannot read /nonexistent/events.log"), e);
    }
}
