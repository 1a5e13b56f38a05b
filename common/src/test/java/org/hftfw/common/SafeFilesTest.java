package org.hftfw.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeFilesTest {
    @TempDir
    Path dir;

    @Test
    void readsARegularFileWithinTheBound() throws IOException {
        Path f = Files.write(dir.resolve("a"), new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, SafeFiles.read(f, 3));
        IOException e = assertThrows(IOException.class, () -> SafeFiles.read(f, 2));
        assertTrue(e.getMessage().contains("larger than 2 bytes"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> SafeFiles.read(dir.resolve("missing"), 10));
    }

    @Test
    void refusesALinkToADeviceAndAFifoWithoutBlocking() throws Exception {
        Path zero = Files.createSymbolicLink(dir.resolve("zero"), Path.of("/dev/zero"));
        IOException e = assertThrows(IOException.class, () -> SafeFiles.read(zero, 1 << 20));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        Path fifo = dir.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertTrue(p.waitFor() == 0 && Files.exists(fifo), "mkfifo");
        assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(IOException.class, () -> SafeFiles.read(fifo, 1 << 20)));
        assertThrows(IOException.class, () -> SafeFiles.read(dir, 10));
    }

    @Test
    void seesAFileOthersMayWrite() throws IOException {
        Path f = Files.write(dir.resolve("m"), new byte[] {1});
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertFalse(SafeFiles.writableByOthers(f));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertTrue(SafeFiles.writableByOthers(f));
    }
}
