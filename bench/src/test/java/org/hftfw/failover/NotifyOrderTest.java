package org.hftfw.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.lab.NetnsLab;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped hftfw-notify.sh when keepalived starts two transitions' scripts at once, as it does (it does not wait
 * for one before starting the next): on a node that comes back, FAULT, BACKUP and MASTER fall within a second, and
 * the BACKUP step's resync reached the daemon after the MASTER step's commit (DeployGuideLabTest's INVALID drops
 * after failback). The steps must run one at a time and act on what the node is when their turn comes: whether the
 * VIP is on one of its interfaces (keepalived adds it before notify_master and removes it before notify_backup). A
 * stand-in client records each call; its resync is slow, so overlapping steps would show as interleaved calls.
 */
@Tag("lab")
class NotifyOrderTest {
    private static final String VIP = "192.0.2.1";

    @TempDir
    Path dir;
    private NetnsLab lab;
    private NetnsLab.Netns node;
    private Path script;
    private Path calls;
    private Path env;

    @BeforeEach
    void node() throws IOException {
        NetnsLab.unavailable().ifPresent(Assumptions::abort);
        NetnsLab.missing("flock").ifPresent(Assumptions::abort);
        script = FailoverLab.findConfDir().orElseThrow(() -> new AssertionError("conf/keepalived not found"))
                .resolve("hftfw-notify.sh");
        calls = dir.resolve("calls");
        Path client = Files.writeString(dir.resolve("client"), """
                #!/bin/sh
                echo "start $1" >> %1$s
                [ "$1" = commit ] && [ -e %2$s ] && exec sleep 600
                if [ "$1" = sync ]; then
                    i=0
                    while [ $i -lt 30 ]; do i=$((i + 1)); sleep 0.01; done
                fi
                echo "end $1" >> %1$s
                """.formatted(calls, dir.resolve("hang")));
        Files.setPosixFilePermissions(client, PosixFilePermissions.fromString("rwxr-xr-x"));
        env = Files.writeString(dir.resolve("env"), """
                DAEMON=hftfw
                HFTFW=%s
                HFTFW_SOCKET=%s
                NOTIFY_LOG=%s
                NOTIFY_LOCK=%s
                NOTIFY_LOCK_WAIT=1
                """.formatted(client, dir.resolve("sync.ctl"), dir.resolve("notify.log"), dir.resolve("lock")));
        lab = new NetnsLab("hfnot");
        node = lab.netns("fw");
        node.ip("link", "set", "lo", "up");
    }

    @AfterEach
    void close() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void aBackupStepWhoseTurnComesAfterTheNodeTookTheVipSkipsItsResync() throws Exception {
        node.addr("lo", VIP + "/24");               // the node is master now: keepalived added the VIP, then notified
        runTogether(List.of("backup", "master"), true);
        assertEquals(List.of("start commit", "end commit"), read(calls));
        assertTrue(read(dir.resolve("notify.log")).stream().anyMatch(l -> l.contains("backup skipped: " + VIP)),
                () -> "notify log: " + read(dir.resolve("notify.log")));
    }

    @Test
    void aMasterStepWhoseTurnComesAfterTheNodeLostTheVipSkipsItsCommit() throws Exception {
        runTogether(List.of("master", "backup"), true);   // master, then backup again: the VIP is gone
        assertEquals(List.of("start sync", "end sync"), read(calls));
    }

    @Test
    void withoutTheVipTheStepsStillRunOneAtATime() throws Exception {
        runTogether(List.of("backup", "master"), false);
        List<String> seen = read(calls);
        assertEquals(4, seen.size(), seen::toString);
        for (int i = 0; i < 4; i += 2) {
            String step = seen.get(i).substring("start ".length());
            assertEquals("end " + step, seen.get(i + 1), () -> "one step ends before the next starts: " + seen);
        }
    }

    @Test
    void aHungStepHoldsTheNextOneBackOnlyForTheLockWait() throws Exception {
        Files.writeString(dir.resolve("hang"), "");
        node.addr("lo", VIP + "/24");
        Process hung = start("master", true);
        assertTrue(Await.within(10_000, () -> read(calls).contains("start commit")), () -> "calls: " + read(calls));
        node.ip("addr", "del", VIP + "/24", "dev", "lo");
        Process next = start("backup", true);
        assertTrue(next.waitFor(20, TimeUnit.SECONDS), "the backup step runs after the 1 s lock wait");
        assertEquals(List.of("start commit", "start sync", "end sync"), read(calls));
        assertTrue(read(dir.resolve("notify.log")).stream().anyMatch(l -> l.contains("not free after 1s")),
                () -> "notify log: " + read(dir.resolve("notify.log")));
        hung.destroyForcibly();
    }

    /** Starts the steps as keepalived does, each without waiting for the one before, and waits for all. */
    private void runTogether(List<String> roles, boolean withVip) throws Exception {
        List<Process> steps = new ArrayList<>();
        for (String role : roles) {
            steps.add(start(role, withVip));
        }
        for (Process p : steps) {
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "a notify step ended");
            assertEquals(0, p.exitValue());
        }
    }

    private Process start(String role, boolean withVip) {
        List<String> cmd = new ArrayList<>(List.of("sh", script.toString(), role, env.toString()));
        if (withVip) {
            cmd.add(VIP + "/24");
        }
        return node.spawn(null, cmd.toArray(String[]::new));
    }

    private static List<String> read(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
