package org.hftfw.sidecar.sync;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running daemon's record of where its control socket is, by the file its socket came from (its
 * {@code --conntrackd-conf} when given, else its {@code --config}): a symbolic link named as
 * {@link ControlSocketRecords} says, to the socket. The control clients follow it instead of parsing the file: the
 * daemon is the one that knows which socket it bound (a reload does not rebind it), and a client that finds no link
 * hands over to the full command line, which reads the file.
 *
 * <p>The link is replaced atomically (a new link renamed over the old: a client never sees none while a daemon
 * restarts) and removed at stop only while it still points to this daemon's socket. Recording is best effort: a
 * directory that cannot be written (a non-root run) costs the fast path, not the daemon, and is logged at debug level.
 */
final class ControlSocketRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlSocketRegistry.class);

    private final Path socket;
    private final List<Path> links;

    private ControlSocketRegistry(Path socket, List<Path> links) {
        this.socket = socket;
        this.links = links;
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
                String name = ControlSocketRecords.name(config.toRealPath());
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
}
