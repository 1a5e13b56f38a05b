package org.hftfw.migrator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Handover through operator commands, the way keepalived notify scripts drive conntrackd: e.g.
 * {@code ["ssh", "fw2", "conntrackd", "-c"]} to commit on the backup and
 * {@code ["sh", "-c", "echo 1 > /run/hftfw/drain"]} to lower this node's VRRP priority through a keepalived
 * track file. Each command runs without a shell unless the operator asks for one, with a timeout; a non-zero
 * exit or a timeout fails the handover step with the command's output in the message.
 */
public final class CommandHandover implements StateMigrator.Handover {
    private final List<String> commit;
    private final List<String> demote;
    private final Duration timeout;

    public CommandHandover(List<String> commit, List<String> demote, Duration timeout) {
        this.commit = List.copyOf(commit);
        this.demote = List.copyOf(demote);
        this.timeout = Objects.requireNonNull(timeout);
    }

    @Override
    public void commitOnBackup() throws IOException, InterruptedException {
        run("commit", commit);
    }

    @Override
    public void demoteSelf() throws IOException, InterruptedException {
        run("demote", demote);
    }

    private static String tail(String s) {
        return s.length() <= 2000 ? s : "..." + s.substring(s.length() - 2000);
    }

    private void run(String step, List<String> cmd) throws IOException, InterruptedException {
        if (cmd.isEmpty()) {
            return;                                            // step not configured: nothing to do
        }
        // output goes to a file, not a pipe: a chatty command must not block on a full pipe and time out
        java.nio.file.Path out = java.nio.file.Files.createTempFile("hftfw-" + step, ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IOException(step + " command timed out after " + timeout.toMillis() + " ms: "
                        + String.join(" ", cmd));
            }
            if (p.exitValue() != 0) {
                String text = tail(java.nio.file.Files.readString(out, StandardCharsets.UTF_8).strip());
                throw new IOException(step + " command failed (exit " + p.exitValue() + "): " + String.join(" ", cmd)
                        + (text.isEmpty() ? "" : ": " + text));
            }
        } finally {
            java.nio.file.Files.deleteIfExists(out);
        }
    }
}
