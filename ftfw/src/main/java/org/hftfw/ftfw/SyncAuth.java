package org.hftfw.ftfw;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The shared key of an authenticated pair of hFT-FW peers ({@code sync.auth.key-file}) and whether authentication is
 * required ({@code sync.auth.require}). The key is the file's bytes as they are (at least {@link #MIN_KEY_BYTES}; e.g.
 * {@code head -c 32 /dev/urandom}), and the file must be a regular file that neither group nor others may read or
 * write: a key others can read authenticates nothing.
 */
public final class SyncAuth {
    /** HMAC-SHA-256 keys shorter than the hash add no strength to guess against (RFC 2104 section 3). */
    public static final int MIN_KEY_BYTES = 32;
    /** Refuse larger files: a key file is a few bytes, not something to read whole. */
    static final int MAX_KEY_BYTES = 4096;

    private static final Set<PosixFilePermission> NOT_PRIVATE = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final byte[] key;
    private final boolean require;

    private SyncAuth(byte[] key, boolean require) {
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("the auth key has " + key.length + " bytes, at least " + MIN_KEY_BYTES
                    + " are needed");
        }
        this.key = key.clone();
        this.require = require;
    }

    /** A key given as bytes (tests, benches). */
    public static SyncAuth of(byte[] key, boolean require) {
        return new SyncAuth(key, require);
    }

    /**
     * Reads the key file; refuses (with the reason) a file that is not a regular file, that group or others may
     * access, or that holds fewer than {@link #MIN_KEY_BYTES} or more than 4096 bytes.
     */
    public static SyncAuth fromKeyFile(Path file, boolean require) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is not a regular file (a symbolic link, device or FIFO is refused)");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> open = EnumSet.copyOf(NOT_PRIVATE);
        open.retainAll(perms);
        if (!open.isEmpty()) {
            throw new IOException(file + " may be accessed by group or others (" + open + "): chmod 600 it");
        }
        long size = Files.size(file);
        if (size > MAX_KEY_BYTES) {
            throw new IOException(file + " has " + size + " bytes: not a key file (at most " + MAX_KEY_BYTES + ")");
        }
        byte[] key = Files.readAllBytes(file);
        try {
            if (key.length < MIN_KEY_BYTES) {
                throw new IOException(file + " holds " + key.length + " bytes, at least " + MIN_KEY_BYTES
                        + " are needed (e.g. head -c 32 /dev/urandom > " + file + ")");
            }
            return new SyncAuth(key, require);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    byte[] key() {
        return key.clone();
    }

    /** True when unauthenticated datagrams are never accepted and a peer without the key is refused. */
    public boolean require() {
        return require;
    }

    @Override
    public String toString() {
        return "SyncAuth[require=" + require + "]";   // never the key
    }
}
