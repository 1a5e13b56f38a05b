package org.hftfw.sidecar.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Where running daemons record their control sockets, and how a client reads a record: the naming that
 * {@link ControlSocketRegistry} (the daemon, which writes) and the control clients (which read: {@link FastClient} and
 * {@code src/main/c/hftfw-client.c}) share. java.base only, no lambdas or string concatenation: the fast client pays
 * for every class and call site it links.
 *
 * <p>A record is a symbolic link {@code ${HFTFW_RUNTIME_DIR:-/run/hftfw}/by-config/<NAME>} to the socket, where NAME is
 * the real path of the file the socket came from with {@code [A-Za-z0-9._-]} kept and every other byte of its UTF-8
 * form written as {@code %XX}, so distinct paths never share a link; a path whose NAME exceeds one file name (255
 * bytes) is not recorded.
 */
final class ControlSocketRecords {
    static final String DEFAULT_RUNTIME_DIR = "/run/hftfw";
    private static final int NAME_MAX = 255;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private ControlSocketRecords() {}

    /**
     * The directory of the records: {@code HFTFW_RUNTIME_DIR} (tests, non-root runs) or {@value #DEFAULT_RUNTIME_DIR}.
     */
    static Path directory() {
        String dir = System.getenv("HFTFW_RUNTIME_DIR");
        return Path.of(dir == null || dir.isEmpty() ? DEFAULT_RUNTIME_DIR : dir, "by-config");
    }

    /** The record's file name for a file's real path, or null when it would not fit in one file name. */
    static String name(Path realFile) {
        StringBuilder b = new StringBuilder();
        for (byte c : realFile.toString().getBytes(StandardCharsets.UTF_8)) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                    || c == '-') {
                b.append((char) c);
            } else {
                b.append('%').append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            }
        }
        return b.length() > NAME_MAX ? null : b.toString();
    }

    /**
     * The socket recorded in {@code dir} for {@code file}, or null: no such file, no record, or one that cannot be
     * read.
     */
    static Path recorded(Path dir, Path file) {
        try {
            String name = name(file.toRealPath());
            Path link = name == null ? null : dir.resolve(name);
            return link != null && Files.isSymbolicLink(link) ? Files.readSymbolicLink(link) : null;
        } catch (IOException | InvalidPathException | SecurityException | UnsupportedOperationException e) {
            return null;
        }
    }
}
