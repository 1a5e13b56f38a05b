package org.hftfw.sidecar.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hftfw.sidecar.Hftfw;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hftfw train → model inspect → evaluate on a shipped real trace; a corrupt model is refused in one line. */
class ModelCommandsTest {
    static final Path TRACE = Path.of("../models/traces/homogeneous-11.events.log.gz");

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Hftfw.run(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void trainInspectEvaluateAndRefuseACorruptModel() throws Exception {
        Path model = dir.resolve("m.hfm");
        Run t = run("train", "--out", model.toString(), TRACE.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.err().contains("2897 events"), t.err());
        Run i = run("model", "inspect", model.toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("knowledge base:") && i.out().contains("TIME_WAIT"), i.out());
        Run e = run("evaluate", "--model", model.toString(), "--mode", "defer", "--barrier", "0.2", "--json",
                "--plot", dir.resolve("p.svg").toString(), TRACE.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().startsWith("{\"results\": [") && e.out().contains("\"mode\": \"defer\""), e.out());
        assertTrue(Files.readString(dir.resolve("p.svg")).contains("saved messages rate (defer)"));
        assertTrue(e.err().contains("hftfw: warning: the model was trained on " + TRACE + " (same content)"), e.err());
        Run heldOut = run("evaluate", "--barrier", "0.2", "--json", TRACE.toString());
        assertEquals(0, heldOut.code(), heldOut.err());
        assertTrue(!heldOut.err().contains("warning: the model was trained on"), "the shipped model never saw it: "
                + heldOut.err());

        byte[] b = Files.readAllBytes(model);
        b[b.length - 7] ^= 0x40;
        Files.write(model, b);
        Run bad = run("evaluate", "--model", model.toString(), TRACE.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("model refused") && bad.err().contains("checksum"), bad.err());
        assertEquals(1, run("model", "inspect", model.toString()).code());
        Run noFile = run("evaluate", dir.resolve("missing.log").toString());
        assertEquals(1, noFile.code());
        assertTrue(noFile.err().contains("no such file"), noFile.err());
    }
}
