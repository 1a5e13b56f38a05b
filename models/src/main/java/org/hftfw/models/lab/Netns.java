package org.hftfw.models.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace created (and deleted) by the trace lab. Commands run inside it through
 * {@code ip netns exec}; every command has a timeout, and background processes are tracked by PID so that
 * {@link #close()} can kill exactly what this namespace started.
 */
public final class Netns implements AutoCloseable {
    final String name;
    private final List<Process> background = new ArrayList<>();

    private Netns(String name) {
        this.name = name;
    }

    static Netns create(String name) throws IOException {
        run(List.of("ip", "netns", "add", name));
        Netns ns = new Netns(name);
        try {
            ns.exec("ip", "link", "set", "lo", "up");
        } catch (IOException | RuntimeException e) {
            ns.close();                                   // never leave a half-made namespace behind
            throw e;
        }
        return ns;
    }

    /** Runs a command inside the namespace, waits up to 30 s, returns stdout; throws with stderr on failure. */
    String exec(String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(command));
        return run(cmd);
    }

    /** Starts a long-running command inside the namespace; its stdout goes to {@code out} if not null. */
    Process start(java.nio.file.Path out, String... command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(out == null);
        if (out != null) {
            pb.redirectOutput(out.toFile());
            pb.redirectError(ProcessBuilder.Redirect.appendTo(out.resolveSibling(out.getFileName() + ".err").toFile()));
        }
        Process p = pb.start();
        background.add(p);
        return p;
    }

    static String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", cmd));
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + out.strip());
        }
        return out;
    }

    /** Stops a background process: SIGTERM to it and its descendants, SIGKILL after 2 s. */
    static void stop(Process p) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        for (Process p : background) {
            stop(p);
        }
        try {
            run(List.of("ip", "netns", "del", name));
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(Netns.class).warn("could not delete namespace {}: {}", name, e.getMessage());
        }
    }
}
