package org.hftfw.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hftfw.common.Await;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * One "Debian machine" of the deploy lab (docs/deploy.md followed on two of them): a network namespace of its own
 * and, inside it, a mount namespace whose root is an overlay over the host's root. Everything the guide writes (the
 * package dpkg installs, /etc, /var/lib/dpkg) lands in the overlay's upper layer, a tmpfs of that mount namespace,
 * and disappears with it: the host's /etc, /usr and dpkg database are never touched. The machine has its own empty
 * /run and /tmp, a /dev of its own with the host's basic devices (and /dev/log pointing into its /run), its
 * namespace's /sys, and /proc with /proc/sys read-only except /proc/sys/net
 * (a network namespace owns only its net sysctls; a guide command that set a kernel-wide one would fail here rather
 * than change the host).
 *
 * <p>A holder process (sleep, chrooted into that root) keeps the namespaces alive; every command enters them with
 * {@code nsenter --target HOLDER --mount --net --root --wd}. Nothing is mounted in the host's mount namespace, so
 * stopping the holder and every process started in the machine (by PID) releases every mount; the network namespace
 * goes with its {@link NetnsLab}.
 */
final class LabMachine implements AutoCloseable {
    /** A root login shell's PATH on Debian (what the guide's commands find). */
    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final long COMMAND_TIMEOUT_SECONDS = 300;

    private final String name;
    private final Process holder;
    private final Path transcript;
    private final List<Process> processes = new ArrayList<>();

    private LabMachine(String name, Process holder, Path transcript) {
        this.name = name;
        this.holder = holder;
        this.transcript = transcript;
    }

    /** The .deb that dist/build.sh made (system property {@code hftfw.packages}); skips the test when there is none. */
    static Path builtPackage() throws IOException {
        String dir = System.getProperty("hftfw.packages", "");
        Optional<Path> deb = Optional.empty();
        if (!dir.isEmpty() && Files.isDirectory(Path.of(dir))) {
            try (java.util.stream.Stream<Path> files = Files.list(Path.of(dir))) {
                deb = files.filter(f -> f.getFileName().toString().matches("hftfw_.*_amd64\\.deb")).findFirst();
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(deb.isPresent(),
                "no hftfw_*_amd64.deb in '" + dir + "' (dist/build.sh did not run)");
        return deb.orElseThrow();
    }

    /** {@code target/NAME}, emptied of an earlier run's files: where a lab test leaves its transcript and logs. */
    static Path emptyOutputDir(String name) throws IOException {
        Path out = Files.createDirectories(Path.of("target", name));
        try (java.util.stream.Stream<Path> old = Files.list(out)) {
            for (Path f : old.toList()) {
                Files.delete(f);
            }
        }
        return out;
    }

    /** Why a machine cannot be made here (a missing tool), or empty. */
    static Optional<String> unavailable() {
        for (String tool : List.of("nsenter", "unshare", "chroot", "setpriv", "dpkg", "apt-get")) {
            Optional<String> missing = NetnsLab.missing(tool);
            if (missing.isPresent()) {
                return missing;
            }
        }
        return Optional.empty();
    }

    /**
     * Boots a machine in {@code ns}: its root is mounted on {@code mountpoint} (made here, empty) inside the new
     * mount namespace only. Commands and their output are appended to {@code transcript}.
     *
     * @throws MachineRefused when the kernel refuses the mounts (a test skips then, naming the reason)
     */
    static LabMachine boot(String name, NetnsLab.Netns ns, Path mountpoint, Path transcript)
            throws IOException, InterruptedException {
        Files.createDirectories(mountpoint);
        Path log = mountpoint.resolveSibling(name + "-holder.log");
        String m = mountpoint.toString();
        String setup = String.join("\n",
                "set -e",
                "mount -t tmpfs -o mode=755 hftfw-lab " + m,
                "mkdir -p " + m + "/upper " + m + "/work " + m + "/root",
                "mount -t overlay hftfw-lab -o lowerdir=/,upperdir=" + m + "/upper,workdir=" + m + "/work " + m
                        + "/root",
                "R=" + m + "/root",
                // a /dev of its own (so /dev/log can be the machine's journal socket), with the host's devices
                "mount -t tmpfs -o mode=755 hftfw-lab-dev $R/dev",
                "for d in null zero full random urandom tty kmsg; do [ -e /dev/$d ] || continue; touch $R/dev/$d;"
                        + " mount --bind /dev/$d $R/dev/$d; done",
                "mkdir $R/dev/pts $R/dev/shm",
                "mount --rbind /dev/pts $R/dev/pts",
                "mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm",
                "ln -s /proc/self/fd $R/dev/fd",
                "ln -s /proc/self/fd/0 $R/dev/stdin",
                "ln -s /proc/self/fd/1 $R/dev/stdout",
                "ln -s /proc/self/fd/2 $R/dev/stderr",
                "ln -s /run/systemd/journal/dev-log $R/dev/log",
                "mount --rbind /sys $R/sys",
                "mount --rbind /proc $R/proc",
                "mount --bind /proc/sys $R/proc/sys",
                "mount -o remount,bind,ro $R/proc/sys",
                "mount --bind /proc/sys/net $R/proc/sys/net",
                "mount -t tmpfs -o mode=755 tmpfs $R/run",
                "mount -t tmpfs -o mode=1777 tmpfs $R/tmp",
                "exec chroot $R /bin/sh -c 'cd /root && exec sleep infinity'");
        Process holder = new ProcessBuilder("ip", "netns", "exec", ns.name(), "unshare", "--mount",
                "--propagation", "private", "/bin/sh", "-c", setup)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean up = Await.await(() -> !holder.isAlive() || holder.info().command().orElse("").endsWith("sleep"),
                60_000);
        if (!up || !holder.isAlive()) {
            holder.destroyForcibly().waitFor();
            throw new MachineRefused("the lab machine " + name + " could not be made (an overlay of / in a mount "
                    + "namespace): " + Files.readString(log).strip());
        }
        return new LabMachine(name, holder, transcript);
    }

    /** The kernel or the environment refused what a lab machine needs. */
    static final class MachineRefused extends IOException {
        private static final long serialVersionUID = 1L;

        MachineRefused(String message) {
            super(message);
        }
    }

    String name() {
        return name;
    }

    /** The machine's file {@code path} as the host reaches it (through the holder's root). */
    Path file(String path) {
        return Path.of("/proc", Long.toString(holder.pid()), "root", path.startsWith("/") ? path.substring(1) : path);
    }

    /** The command line that runs {@code argv} inside the machine, as root in root's home directory. */
    List<String> inside(List<String> argv) {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--target", Long.toString(holder.pid()), "--mount",
                "--net", "--root", "--wd", "--"));
        cmd.addAll(argv);
        return cmd;
    }

    /** Output of one command in the machine: its stdout, and its stderr apart. */
    record Result(String command, int exitCode, String output, String errors) {
        Result(String command, int exitCode, String output) {
            this(command, exitCode, output, "");
        }

        Result check() {
            if (exitCode != 0) {
                throw new AssertionError("exit " + exitCode + ": " + command + "\n" + output + errors);
            }
            return this;
        }
    }

    /**
     * Runs {@code script} with bash as a root login shell would (PATH, HOME, C locale; errexit and pipefail, so a
     * failing line fails the command), bounded, and writes it to the transcript.
     */
    Result sh(String script) throws IOException, InterruptedException {
        return record(quietly(script));
    }

    /** {@link #sh} without the transcript (the lab's own look-ups, or a condition polled until it holds). */
    Result quietly(String script) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(inside(List.of("/bin/bash", "-e", "-o", "pipefail", "-c", script)));
        environment(pb);
        Process p = pb.start();
        p.getOutputStream().close();
        // a thread of its own, not the common pool: on a 2-core machine that pool has one worker, and a command that
        // waits for another (a systemctl of the machine answered by the lab's service manager, which runs commands
        // here too) would leave the second one's reader queued behind the first's for good
        CompletableFuture<byte[]> err = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("lab-stderr-" + name).start(() -> {
            try (var in = p.getErrorStream()) {
                err.complete(in.readAllBytes());
            } catch (IOException e) {
                err.complete(new byte[0]);
            }
        });
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("timed out: " + script);
        }
        return new Result(script, p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err.join(), StandardCharsets.UTF_8));
    }

    /** A root login shell's environment, and nothing of the test JVM's. */
    static void environment(ProcessBuilder pb) {
        pb.environment().clear();
        pb.environment().put("PATH", PATH);
        pb.environment().put("HOME", "/root");
        pb.environment().put("LC_ALL", "C");
        pb.environment().put("TERM", "dumb");
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
    }

    /** Appends a command's result to the transcript, as a terminal would show it. */
    Result record(Result r) throws IOException {
        Files.writeString(transcript, "%s# %s\n%s%s[exit %d]\n\n".formatted(name, r.command().replace("\n", "\n  "),
                r.output(), r.errors(), r.exitCode()), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        return r;
    }

    /** Starts a long-running process in the machine (a service); it is stopped by PID at {@link #close}. */
    Process spawn(ProcessBuilder pb) throws IOException {
        Process p = pb.start();
        synchronized (processes) {
            processes.add(p);
        }
        return p;
    }

    @Override
    public void close() {
        List<Process> ps;
        synchronized (processes) {
            ps = new ArrayList<>(processes);
        }
        ps.forEach(NetnsLab::stop);
        NetnsLab.stop(holder);
    }

    @Override
    public String toString() {
        return name;
    }
}
