package org.hftfw.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped hftfw-notify.sh as keepalived's {@code vrrp_notify_fifo_script}: the sync group's transitions run one
 * after the other in the order keepalived wrote them. keepalived starts notify_master/notify_backup scripts without
 * waiting for each other, so a node coming back (FAULT, BACKUP, MASTER within a second) could see its BACKUP step's
 * resync reach the daemon after the MASTER step's commit (the DeployGuideLabTest failback's INVALID drops). The
 * stand-in client below makes resync slow, so only an ordered reader lets it end before the commit starts.
 */
class NotifyFifoTest {
    @TempDir
    Path dir;
    private Path fifo;
    private Path calls;
    private Process reader;

    @BeforeEach
    void startReader() throws IOException, InterruptedException {
        Path script = FailoverLab.findConfDir().orElseThrow(() -> new AssertionError("conf/keepalived not found"))
                .resolve("hftfw-notify.sh");
        calls = dir.resolve("calls");
        Path client = Files.writeString(dir.resolve("client"), """
                #!/bin/sh
                echo "start $*" >> %1$s
                if [ "$1" = sync ]; then
                    i=0
                    while [ $i -lt 30 ]; do i=$((i + 1)); sleep 0.01; done
                fi
                echo "end $*" >> %1$s
                """.formatted(calls));
        Files.setPosixFilePermissions(client, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path env = Files.writeString(dir.resolve("env"), """
                DAEMON=hftfw
                HFTFW=%s
                HFTFW_SOCKET=%s
                NOTIFY_LOG=%s
                """.formatted(client, dir.resolve("sync.ctl"), dir.resolve("notify.log")));
        fifo = dir.resolve("notify.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        reader = new ProcessBuilder("sh", script.toString(), "fifo", env.toString(), fifo.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("reader.out").toFile()).start();
    }

    @AfterEach
    void stopReader() throws InterruptedException {
        reader.destroyForcibly();
        reader.waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    void aBackupThenMasterTransitionRunTheResyncBeforeTheCommit() throws Exception {
        keepalivedWrites("""
                INSTANCE "VI_LAN" FAULT 150
                GROUP "FW" FAULT 0
                INSTANCE "VI_LAN" BACKUP 50
                GROUP "FW" BACKUP 50
                INSTANCE "VI_LAN" MASTER 150
                GROUP "FW" MASTER 150
                """);
        List<String> seen = callsWhenDone(4);
        assertEquals(List.of("start sync resync --socket " + dir.resolve("sync.ctl"),
                "end sync resync --socket " + dir.resolve("sync.ctl"),
                "start commit --socket " + dir.resolve("sync.ctl"),
                "end commit --socket " + dir.resolve("sync.ctl")), seen);
    }

    @Test
    void theReaderOpensTheFifoAgainAfterKeepalivedClosedItAndSkipsOtherGroups() throws Exception {
        keepalivedWrites("GROUP \"OTHER\" MASTER 100\nGROUP \"FW\" BACKUP 100\n");
        callsWhenDone(2);
        keepalivedWrites("GROUP \"FW\" MASTER 150\nGROUP \"FW\" MASTER_PRIORITY 150\n");
        List<String> seen = callsWhenDone(4);
        assertTrue(seen.get(2).startsWith("start commit "), seen.toString());
        assertTrue(reader.isAlive(), "the reader waits for keepalived's next open");
    }

    @Test
    void sigtermEndsTheReaderWithStatusZero() throws Exception {
        keepalivedWrites("GROUP \"FW\" FAULT 0\n");
        Await.until("the fault step is logged", 10_000, () -> Files.exists(dir.resolve("notify.log")));
        reader.destroy();
        assertTrue(reader.waitFor(10, TimeUnit.SECONDS), "the reader ends on SIGTERM");
        assertEquals(0, reader.exitValue());
    }

    /** Opens the FIFO as keepalived does (waits for the reader), writes the lines and closes it. */
    private void keepalivedWrites(String lines) throws IOException {
        try (OutputStream out = Files.newOutputStream(fifo)) {
            out.write(lines.getBytes(StandardCharsets.US_ASCII));
        }
    }

    private List<String> callsWhenDone(int lines) throws Exception {
        assertTrue(Await.within(20_000, () -> read().size() >= lines), () -> "client calls: " + read());
        return read();
    }

    private List<String> read() {
        try {
            return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
