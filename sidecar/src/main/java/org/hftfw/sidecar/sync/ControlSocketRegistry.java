package org.hftfw.sidecar.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running daemon's record of where its control socket is, by the file its socket came from (its
 * {@code --conntrackd-conf} when given, else its {@code --config}): a symbolic link
 * {@code ${HFTFW_RUNTIME_DIR:-/run/hftfw}/by-config/<the file's real path, escaped>} to the socket. The no-JVM
 * control client ({@code sidecar/src/main/c/hftfw-client.c}) follows it instead of parsing HOCON: the daemon is the
 * one that knows which socket it bound (a reload does not rebind it), and a client that finds no link hands over
 * to the Java client, which reads the file.
 *
 * <p>The name keeps {@code [A-Za-z0-9._-]} and writes every other byte of the UTF-8 path as {@code %XX}, so distinct
 * paths never share a link; a path whose escaped form exceeds one file name (255 bytes) is not recorded. The link is
 * replaced atomically (a new link renamed over the old: a client never sees none while a daemon restarts) and removed
 * at stop only while it still points to this daemon's socket. Recording is best effort: a directory that cannot be
 * written (a non-root run) costs the fast path, not the daemon, and is logged at debug level.
 */
final class ControlSocketRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlSocketRegistry.class);
    static final String DEFAULT_RUNTIME_DIR = "/run/hftfw";
    private static final int NAME_MAX = 255;

    private final Path socket;
    private final List<Path> links;

    private ControlSocketRegistry(Path socket, List<Path> links) {
        this.socket = socket;
        this.links = links;
    }

    /** The directory of the links: {@code HFTFW_RUNTIME_DIR} (tests, non-root runs) or {@value #DEFAULT_RUNTIME_DIR}. */
    static Path directory() {
        String dir = System.getenv("HFTFW_RUNTIME_DIR");
        return Path.of(dir == null || dir.isEmpty() ? DEFAULT_RUNTIME_DIR : dir, "by-config");
    }

    /** The link's file name for a config's real path, or null when it would not fit in one file name. */
    static String name(Path realConfig) {
        StringBuilder b = new StringBuilder();
        for (byte c : realConfig.toString().getBytes(StandardCharsets.UTF_8)) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                    || c == '-') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format(Locale.ROOT, "%02X", c & 0xff));
            }
        }
        return b.length() > NAME_MAX ? null : b.toString();
    }

    /** Records {@code socket} under each existing file of {@code configs} (nulls skipped) in {@code dir}. */
    static ControlSocketRegistry register(Path dir, Path socket, Path... configs) {
        Path target = socket.toAbsolutePath();
        List<Path> links = new ArrayList<>();
        for (Path config : configs) {
            if (config == null || !Files.isRegularFile(config)) {
                continue;
            }
            try {
                String name = name(config.toRealPath());
                if (name == null) {
                    LOG.debug("config path {} too long to record its control socket", config);
                    continue;
                }
                Files.createDirectories(dir);
                pruneDead(dir);
                Path link = dir.resolve(name);
                Path tmp = dir.resolve("." + name.substring(0, Math.min(name.length(), 200)) + "."
                        + ProcessHandle.current().pid());
                Files.deleteIfExists(tmp);
                Files.createSymbolicLink(tmp, target);
                try {
                    Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, link, StandardCopyOption.REPLACE_EXISTING);
                }
                links.add(link);
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                LOG.debug("cannot record the control socket for {} in {}: {}", config, dir, e.toString());
            }
        }
        return new ControlSocketRegistry(target, links);
    }

    /**
     * Removes the records of daemons that did not stop cleanly (kill -9): links whose socket is gone. A record whose
     * socket file remains but nobody answers is left; the client hands over on it, and the next daemon on that config
     * replaces it.
     */
    private static void pruneDead(Path dir) {
        try (var links = Files.newDirectoryStream(dir)) {
            for (Path link : links) {
                if (Files.isSymbolicLink(link) && !Files.exists(link)) {
                    Files.deleteIfExists(link);
                }
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            LOG.debug("cannot prune {}: {}", dir, e.toString());
        }
    }

    /** The links this daemon wrote (tests). */
    List<Path> links() {
        return List.copyOf(links);
    }

    @Override
    public void close() {
        for (Path link : links) {
            try {
                if (Files.isSymbolicLink(link) && Objects.equals(Files.readSymbolicLink(link), socket)) {
                    Files.delete(link);
                }
            } catch (IOException e) {
                LOG.debug("cannot remove {}: {}", link, e.toString());
            }
        }
        links.clear();
    }

    /** The socket a link records, or null (tests, diagnostics). */
    static Path recorded(Path dir, Path config) throws IOException {
        String name = name(config.toRealPath());
        Path link = name == null ? null : dir.resolve(name);
        return link != null && Files.exists(link, LinkOption.NOFOLLOW_LINKS) ? Files.readSymbolicLink(link) : null;
    }
}
