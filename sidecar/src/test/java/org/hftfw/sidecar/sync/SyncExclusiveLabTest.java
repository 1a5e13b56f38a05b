package org.hftfw.sidecar.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;
import org.hftfw.sidecar.Hftfw;
import org.hftfw.sidecar.config.ReloadableConfig;
import org.hftfw.sync.SyncNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A second {@code hftfw sync} on the sync address of a running one (issue 14: with SO_REUSEADDR it started and
 * took datagrams from the first): it refuses to start, in one line naming the address, and the first keeps it.
 */
@Tag("lab")
class SyncExclusiveLabTest {

    private static Path conf(Path dir, String name) throws Exception {
        return Files.writeString(dir.resolve(name + ".conf"), """
                sync { local-address = "127.0.0.1", peer-address = "127.0.0.2", startup-resync = false }
                control.socket = "%s"
                metrics.enabled = false
                """.formatted(dir.resolve(name + ".ctl")));
    }

    @Test
    void aSecondDaemonOnTheSameSyncAddressRefusesToStart(@TempDir Path dir) throws Exception {
        LabAssumptions.assumeAvailable();
        try (NetnsLab lab = new NetnsLab("hsx")) {
            NetnsLab.Netns ns = lab.netns("excl");
            try (ReloadableConfig<SyncSettings> rc = SyncCommand.load(conf(dir, "first"));
                 SyncDaemon first = SyncDaemon.start(SyncNode.Role.BACKUP, rc, ns.path(), System::nanoTime)) {
                StringWriter err = new StringWriter();
                int code = new CommandLine(new Hftfw()).setOut(new PrintWriter(new StringWriter()))
                        .setErr(new PrintWriter(err))
                        // bounded: were it to start, it would stop by itself after 2 s
                        .execute("sync", "backup", "--config", conf(dir, "second").toString(), "--netns", ns.name(),
                                "--run-for", "2");
                assertEquals(1, code);
                assertEquals("hftfw: cannot start the sync daemon: the sync address 127.0.0.1:3780 is in use: another "
                        + "daemon (hftfw sync or conntrackd) holds it", err.toString().strip());
                assertTrue(ControlClient.send(first.control().path(), "stats").ok(), "the first daemon still runs");
                assertTrue(Files.notExists(dir.resolve("second.ctl")), "the second left no control socket");
            }
        }
    }
}
