package org.hftfw.common;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Reads of files that an operator, a package or an attacker may have put anything into: a model, a config, a sysfs
 * attribute. Each read is bounded in size, and only a regular file is opened (after following links), so a link to
 * {@code /dev/zero} is refused instead of filling the heap and a FIFO is refused instead of blocking the reader.
 */
public final class SafeFiles {
    private SafeFiles() {}

    /**
     * The whole file, at most {@code maxBytes}.
     *
     * @throws java.nio.file.NoSuchFileException if it does not exist
     * @throws IOException if it is not a regular file, is larger than {@code maxBytes}, or cannot be read
     */
    public static byte[] read(Path file, int maxBytes) throws IOException {
        if (!Files.isRegularFile(file)) {
            if (!Files.exists(file)) {
                throw new java.nio.file.NoSuchFileException(file.toString());
            }
            throw new IOException(file + " is not a regular file (a device, FIFO or directory is never read)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(maxBytes + 1);
            if (b.length > maxBytes) {
                throw new IOException(file + " is larger than " + describeBytes(maxBytes) + ": refused");
            }
            return b;
        }
    }

    /** True when users other than the owner and group may write the file: a model or config anyone can swap. */
    public static boolean writableByOthers(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            return p.contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    static String describeBytes(long n) {
        return n >= 1 << 20 && n % (1 << 20) == 0 ? (n >> 20) + " MiB"
                : n >= 1 << 10 && n % (1 << 10) == 0 ? (n >> 10) + " KiB" : n + " bytes";
    }
}
