package org.hftfw.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code hftfw bench jmh} hands its arguments to JMH's parser, which knows {@code -h} but not {@code --help}. */
class BenchJmhHelpTest {

    @Test
    void helpPrintsTheUsageAndAnUnknownOptionIsAOneLineError() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        int help;
        int bad;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            help = Hftfw.run("bench", "jmh", "--help");
            bad = Hftfw.run("bench", "jmh", "--no-such-jmh-option");
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        String o = out.toString(StandardCharsets.UTF_8);
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, help, e);
        assertTrue(o.contains("JMH benchmarks of the hot paths"), o);
        assertEquals(1, bad, e);
        assertTrue(e.contains("hftfw bench jmh -h shows JMH's options"), e);
        assertTrue(!e.contains("\tat "), "no stack trace: " + e);
    }
}
