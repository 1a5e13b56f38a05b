package org.hftfw.ftfw;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * Lab helpers: network namespaces of our own (prefix {@code hff-}), commands run inside them, and sockets created
 * inside them from this JVM (a helper thread enters the namespace with setns(2) through the FFM API; a socket stays
 * in the namespace it was created in). Everything created is removed by {@link #close}.
 */
final class Lab implements AutoCloseable {

    final String a;
    final String b;
    final Path dir;
    final int subnet;
    private final List<Process> procs = new ArrayList<>();

    private Lab() throws IOException {
        String suffix = Long.toHexString(System.nanoTime() & 0xffffffL);
        a = "hff-a-" + suffix;
        b = "hff-b-" + suffix;
        subnet = 2 + (int) (System.nanoTime() % 200);
        dir = Files.createTempDirectory("hff-lab");
    }

    /** Skips unless root, with conntrack in the kernel and ip, conntrack, conntrackd and nft on the PATH. */
    static void assumeCapable() {
        NetnsLab.assumeAvailable();
        for (String bin : new String[] {"conntrack", "conntrackd", "nft"}) {
            NetnsLab.assumeBinary(bin);
        }
    }

    /** Two namespaces joined by a veth {@code sync} link, 10.233.N.1 (a) and 10.233.N.2 (b). */
    static Lab create() throws IOException, InterruptedException {
        Lab lab = new Lab();
        try {
            lab.sh("ip", "netns", "add", lab.a);
            lab.sh("ip", "netns", "add", lab.b);
            lab.sh("ip", "link", "add", "sync", "netns", lab.a, "type", "veth", "peer", "name", "sync", "netns", lab.b);
            for (String[] x : new String[][] {{lab.a, "1"}, {lab.b, "2"}}) {
                lab.sh("ip", "-n", x[0], "link", "set", "lo", "up");
                lab.sh("ip", "-n", x[0], "addr", "add", lab.ip(x[1]) + "/24", "dev", "sync");
                lab.sh("ip", "-n", x[0], "link", "set", "sync", "up");
            }
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    String ip(String host) {
        return "10.233." + subnet + "." + host;
    }

    /** Runs a command to completion (bounded), returns stdout; throws on a non-zero exit. */
    String sh(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timeout: " + String.join(" ", cmd));
        }
        String s = new String(out.join(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException("exit " + p.exitValue() + ": " + String.join(" ", cmd) + "\n" + s);
        }
        return s;
    }

    String in(String ns, String... cmd) throws IOException, InterruptedException {
        String[] full = new String[cmd.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = ns;
        System.arraycopy(cmd, 0, full, 4, cmd.length);
        return sh(full);
    }

    /** Writes a conntrackd FTFW config for a daemon in {@code ns} at host {@code self} syncing with {@code peer}. */
    Path conntrackdConf(String ns, String self, String peer) throws IOException {
        return ConntrackdConf.lab(dir, ns, ip(self), ip(peer), List.of("127.0.0.1", "10.233." + subnet + ".0/24")).write();
    }

    /** Starts a stock conntrackd in {@code ns} and waits until it answers on its UNIX socket. */
    void startConntrackd(String ns, Path conf) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns, "conntrackd", "-C", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(ns + ".out").toFile()).start();
        procs.add(p);
        long end = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end) {
            try {
                in(ns, "conntrackd", "-C", conf.toString(), "-s");
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IOException("conntrackd did not start in " + ns + ": " + Files.readString(dir.resolve(ns + ".out")));
    }

    /** Runs {@code task} on a thread that has entered namespace {@code ns} (sockets it opens live there). */
    static <T> T inNetns(String ns, Callable<T> task) {
        return org.hftfw.conntrack.netlink.Ctnetlink.callInNetns(Path.of("/var/run/netns", ns), task);
    }

    @Override
    public void close() {
        for (Process p : procs) {
            p.toHandle().descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            try {
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : new String[] {a, b}) {
            try {
                sh("ip", "netns", "del", ns);
            } catch (IOException | InterruptedException e) {
                // namespace may not exist if creation failed half-way
            }
        }
        try (var files = Files.list(dir)) {
            files.forEach(f -> f.toFile().delete());
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // best effort: a temp directory
        }
    }
}
