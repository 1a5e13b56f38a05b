package org.hftfw.lazy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A valid model file that passes the format's 256 MiB bound but not the heap: loaded in a child JVM with the shipped
 * daemon's options (conf/daemon.jvm, -XX:+ExitOnOutOfMemoryError included) and a small heap, it is refused with a
 * clear error instead of ending the process, and a file just under the heap-derived bound still loads (issue 14
 * review G3: a 252 MB model killed the daemon at start and at every reload).
 */
class ModelHeapBoundTest {
    private static final int CHILD_HEAP_MIB = 64;

    @TempDir
    Path dir;

    /** The child: loads the model named by {@code args[0]} and says how it went. */
    public static void main(String[] args) {
        try {
            LearnedModel m = ModelFile.load(Path.of(args[0]));
            System.out.println("loaded " + m.keyCount() + " tuples");
        } catch (ModelFileException e) {
            System.out.println("refused " + e.reason() + ": " + e.getMessage());
        } catch (IOException e) {
            System.out.println("failed: " + e);
        }
    }

    @Test
    void aValidModelTheHeapCannotDecodeIsRefusedNotFatal() throws Exception {
        Path big = write(40 << 20);
        Child c = load(big);
        assertEquals(0, c.exit(), c.output());
        assertTrue(c.output().startsWith("refused TOO_LARGE: " + big + " is "), c.output());
        assertTrue(c.output().contains("an eighth of its"), c.output());
    }

    @Test
    void aValidModelJustUnderTheHeapBoundLoads() throws Exception {
        Child c = load(write((CHILD_HEAP_MIB << 20) / ModelFile.HEAP_SHARE * 9 / 10));
        assertEquals(0, c.exit(), c.output());
        assertTrue(c.output().startsWith("loaded "), c.output());
    }

    @Test
    void theBoundIsAShareOfTheHeapUnderTheFormatsBound() {
        assertEquals(48 << 20, ModelFile.maxBytes(384L << 20));
        assertEquals(ModelFile.MAX_BYTES, ModelFile.maxBytes(16L << 30));
    }

    /** A valid model of about {@code bytes} bytes: IPv4 tuples of 28 bytes each. */
    private Path write(int bytes) throws IOException {
        int n4 = bytes / 28;
        LearnedModel m = new LearnedModel(1_000_000L, new long[n4], new int[n4], new long[2 * n4], new long[0],
                new int[0], new long[0], new long[2], new long[2][FeatureEncoder.P],
                new long[LatencyScaledModel.ROWS][]);
        Path f = dir.resolve("model-" + bytes + ".hfm");
        ModelFile.save(m, f);
        return f;
    }

    private record Child(int exit, String output) {}

    private static Child load(Path model) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("@" + Path.of("..", "conf", "daemon.jvm").toAbsolutePath().normalize());
        cmd.add("-Xmx" + CHILD_HEAP_MIB + "m");                    // after the file's -Xmx384m: this one counts
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ModelHeapBoundTest.class.getName(),
                model.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return new Child(p.waitFor(), out);
    }
}
