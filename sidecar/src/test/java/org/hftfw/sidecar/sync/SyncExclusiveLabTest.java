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

    /**
     * A second daemon started by hand with the running one's config (the same control socket and resync file) is
     * refused on the live control socket before it opens anything: it wrote 1 into the running node's resync file
     * first (keepalived would lower the live master's priority by the track file's weight and move the VIPs), and
     * left it there when the sync address then refused it.
     */
    @Test
    void aSecondDaemonWithTheRunningOnesConfigLeavesItsResyncFileAlone(@TempDir Path dir) throws Exception {
        LabAssumptions.assumeAvailable();
        Path resync = dir.resolve("resync");
        Path conf = Files.writeString(dir.resolve("node.conf"), """
                sync { local-address = "127.0.0.1", peer-address = "127.0.0.2", startup-resync = false }
                control { socket = "%s", resync-file = "%s" }
                metrics.enabled = false
                """.formatted(dir.resolve("node.ctl"), resync));
        try (NetnsLab lab = new NetnsLab("hsx")) {
            NetnsLab.Netns ns = lab.netns("lock");
            try (ReloadableConfig<SyncSettings> rc = SyncCommand.load(conf);
                 SyncDaemon first = SyncDaemon.start(SyncNode.Role.BACKUP, rc, ns.path(), System::nanoTime)) {
                Files.writeString(resync, "0\n");              // as once the running node held its peer's table
                StringWriter err = new StringWriter();
                int code = new CommandLine(new Hftfw()).setOut(new PrintWriter(new StringWriter()))
                        .setErr(new PrintWriter(err))
                        .execute("sync", "backup", "--config", conf.toString(), "--netns", ns.name(), "--run-for", "2");
                assertEquals(1, code);
                assertEquals("hftfw: cannot start the sync daemon: another hftfw sync daemon is already running on "
                        + "control socket " + dir.resolve("node.ctl"), err.toString().strip());
                assertEquals("0\n", Files.readString(resync), "the running node's resync file is untouched");
                assertTrue(ControlClient.send(first.control().path(), "stats").ok(), "the first daemon still runs");
            }
        }
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
