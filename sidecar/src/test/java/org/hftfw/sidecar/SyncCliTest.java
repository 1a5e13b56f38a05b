package org.hftfw.sidecar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/** {@code hftfw sync ...} registers only the sync command, and reads as it does in the whole command tree. */
class SyncCliTest {

    @Test
    void syncsUsageAndErrorsAreThoseOfTheWholeTree() {
        for (String[] args : new String[][] {{"sync", "both", "--help"}, {"sync", "--help"}, {"sync", "no-such"}}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream oldOut = System.out;
            PrintStream oldErr = System.err;
            int code;
            try {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                code = Hftfw.run(args);
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
            StringWriter wholeOut = new StringWriter();
            StringWriter wholeErr = new StringWriter();
            int wholeCode = new CommandLine(new Hftfw()).setUsageHelpWidth(110).setOut(new PrintWriter(wholeOut))
                    .setErr(new PrintWriter(wholeErr)).execute(args);
            String what = String.join(" ", args);
            assertEquals(wholeCode, code, what);
            assertEquals(wholeOut.toString(), out.toString(StandardCharsets.UTF_8), what);
            assertEquals(wholeErr.toString(), err.toString(StandardCharsets.UTF_8), what);
        }
    }

    @Test
    void theDaemonsUsageNamesTheProgram() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            assertEquals(0, Hftfw.run("sync", "both", "--help"));
        } finally {
            System.setOut(oldOut);
        }
        String usage = out.toString(StandardCharsets.UTF_8);
        assertTrue(usage.startsWith("Usage: hftfw sync both"), usage);
    }
}
