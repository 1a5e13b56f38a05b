package org.hftfw.sidecar.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * keepalived's track file of a returning node ({@code control.resync-file}): 1 from this daemon's start until the node
 * holds its peer's current table ({@link org.hftfw.sync.SyncNode#peerTableHeld}), then 0.
 *
 * <p>Design note (issue 10, preempt failback). With keepalived's preempt, a node that comes back takes the VIPs back
 * as soon as its daemon check passes. Its kernel entries of the flows its peer served meanwhile still have the TCP
 * windows of before the takeover, so their packets are INVALID there ({@code ct state invalid drop},
 * nf_conntrack_tcp_loose = 0) until the peer's current states are written over them (as "be liberal", like
 * conntrackd's commit). The sync group tracks this file with a negative weight (conf/keepalived/keepalived.conf.in):
 * while it holds 1 the returning node's priority is below its peer's and it stays backup; the peer sees it restart
 * and sends its table; once the table's end is confirmed in-band and written, the file holds 0, the priority is
 * whole again, and the node preempts with current states. The file only weighs in an election between two live
 * nodes: a node whose peer is gone becomes master whatever it holds. It is written before the control socket listens,
 * so keepalived's daemon check cannot pass while it still holds the 0 of an earlier run. The testbed measured
 * keepalived's own notify ordering against conntrackd (../shared/testbed): committing first and then demoting through
 * a track file gave 0 INVALID; this is the same order for the way back.
 */
final class ResyncTrackFile {
    private static final Logger LOG = LoggerFactory.getLogger(ResyncTrackFile.class);

    private final Path path;

    private ResyncTrackFile(Path path) {
        this.path = path;
    }

    /** Writes 1 into {@code path} (its folder created if needed): this node does not hold its peer's table yet. */
    static ResyncTrackFile waiting(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        ResyncTrackFile f = new ResyncTrackFile(path);
        f.write("1");
        return f;
    }

    /** Writes 0: the node holds its peer's table and may be master, also by preemption. */
    void held() {
        try {
            write("0");
            LOG.info("{}: 0 (the peer's table is held: keepalived may make this node master)", path);
        } catch (IOException e) {
            LOG.error("cannot write 0 into {}: keepalived keeps this node's priority lowered ({})", path,
                    e.getMessage());
        }
    }

    /** One write of the whole value: keepalived reads the file when its inotify watch sees it closed. */
    private void write(String value) throws IOException {
        Files.writeString(path, value + "\n", StandardCharsets.US_ASCII);
    }

    Path path() {
        return path;
    }
}
