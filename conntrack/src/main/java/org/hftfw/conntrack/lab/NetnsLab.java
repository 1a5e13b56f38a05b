package org.hftfw.conntrack.lab;

import org.hftfw.conntrack.netlink.Ctnetlink;
import org.hftfw.conntrack.netlink.KernelConntrackTable;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The network-namespace lab: uniquely named namespaces (prefix + role + random suffix, so parallel runs never
 * collide), veth pairs created directly inside the namespaces (interface names are local to them), addresses,
 * commands run with {@code ip netns exec}, Java actions run inside a namespace (a thread that joined it with
 * setns(2): sockets it opens stay there), and ctnetlink tables opened inside a namespace. Every command is bounded
 * by the lab's timeout. {@link #close()} stops every process it started (by PID: SIGTERM, SIGKILL after a grace
 * period) and deletes every namespace it created.
 *
 * <p>Used by {@code hftfw lab record}, the benchmarks and the lab tests. It does not skip or fail anything itself:
 * {@link #unavailable()} and {@link #missing(String)} say why the lab cannot run, and the caller decides (a
 * command prints the reason, a test turns it into an assumption).
 */
public final class NetnsLab implements AutoCloseable {
    /** Bound of one command unless the lab was made with another. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final Path NETNS_DIR = Path.of("/var/run/netns");
    private static final long STOP_GRACE_MILLIS = 2000;

    private final String prefix;
    private final String suffix;
    private final Duration timeout;
    private final List<Netns> namespaces = Collections.synchronizedList(new ArrayList<>());
    private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());

    /**
     * The namespace file of an existing named namespace ({@code ip netns add NAME}), for {@code --netns NAME}; the
     * reason when there is none.
     */
    public static Path existing(String name) throws java.nio.file.NoSuchFileException {
        Path p = NETNS_DIR.resolve(name);
        if (name.contains("/") || !Files.exists(p)) {
            throw new java.nio.file.NoSuchFileException(p.toString(), null, "no network namespace named '" + name + "'");
        }
        return p;
    }

    /** Why the lab cannot run here (not root, no iproute2, no conntrack in the kernel), or empty if it can. */
    public static Optional<String> unavailable() {
        String user = System.getProperty("user.name");
        if (!"root".equals(user)) {
            return Optional.of("the namespace lab needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN); running as " + user);
        }
        if (!onPath("ip")) {
            return Optional.of("the namespace lab needs iproute2 ('ip' not found on PATH)");
        }
        if (!Files.exists(Path.of("/proc/sys/net/netfilter/nf_conntrack_max"))
                && !Files.exists(Path.of("/proc/net/nf_conntrack")) && !conntrackModuleLoadable()) {
            return Optional.of("the kernel has no nf_conntrack");
        }
        return Optional.empty();
    }

    /** Why {@code binary} cannot be used (not on the PATH), or empty if it can. */
    public static Optional<String> missing(String binary) {
        return onPath(binary) ? Optional.empty() : Optional.of(binary + " is not installed (not found on PATH)");
    }

    /** Searches exactly the PATH that {@code ip netns exec} and ProcessBuilder will search, so found means runnable. */
    public static boolean onPath(String binary) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        return Arrays.stream(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, binary)));
    }

    private static boolean conntrackModuleLoadable() {
        try {
            return run(DEFAULT_TIMEOUT, List.of("modprobe", "-q", "nf_conntrack"), null).exitCode() == 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** @param prefix the user's own namespace prefix (e.g. "hnl"), so that leftovers can be told apart */
    public NetnsLab(String prefix) {
        this(prefix, DEFAULT_TIMEOUT);
    }

    /** @param commandTimeout bound of each command this lab runs (a benchmark's bulk loads need more than 30 s) */
    public NetnsLab(String prefix, Duration commandTimeout) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.timeout = Objects.requireNonNull(commandTimeout, "commandTimeout");
        this.suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    }

    /** Creates a namespace named {@code <prefix>-<role>-<random>} with loopback up. */
    public Netns netns(String role) {
        String name = prefix + "-" + role + "-" + suffix;
        run(timeout, List.of("ip", "netns", "add", name), null).check();
        Netns ns = new Netns(name);
        namespaces.add(ns);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    /** The names of the namespaces this lab has created and not yet deleted. */
    public List<String> names() {
        synchronized (namespaces) {
            return namespaces.stream().map(Netns::name).toList();
        }
    }

    /** A veth pair: {@code ifA} in {@code a}, {@code ifB} in {@code b}, both up. */
    public void veth(Netns a, String ifA, Netns b, String ifB) {
        run(timeout, List.of("ip", "-n", a.name, "link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns",
                b.name), null).check();
        a.ip("link", "set", ifA, "up");
        b.ip("link", "set", ifB, "up");
    }

    @Override
    public void close() {
        List<Process> ps;
        synchronized (processes) {
            ps = new ArrayList<>(processes);
            processes.clear();
        }
        ps.forEach(NetnsLab::stop);
        List<Netns> ns;
        synchronized (namespaces) {
            ns = new ArrayList<>(namespaces);
            namespaces.clear();
        }
        for (Netns n : ns) {
            run(timeout, List.of("ip", "netns", "del", n.name), null);
        }
    }

    /**
     * Stops a process and its descendants: SIGTERM first (a recorder such as {@code conntrack -E} flushes its output
     * then), SIGKILL after a grace period. Bounded.
     */
    public static void stop(Process p) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            if (!p.waitFor(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Output of a finished command. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        /** This result if the command succeeded; otherwise an exception naming the command and its stderr. */
        public Result check() {
            if (exitCode != 0) {
                throw new IllegalStateException("command failed (" + exitCode + "): " + String.join(" ", command)
                        + "\n" + stderr.strip());
            }
            return this;
        }
    }

    /** Runs a command outside any namespace of the lab, bounded by {@link #DEFAULT_TIMEOUT}; not checked. */
    public static Result run(String... cmd) {
        return run(DEFAULT_TIMEOUT, List.of(cmd), null);
    }

    private static Result run(Duration timeout, List<String> cmd, String stdin) {
        try {
            Process p = new ProcessBuilder(cmd).start();
            StreamReader out = new StreamReader(p.getInputStream());
            StreamReader err = new StreamReader(p.getErrorStream());
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException("command timed out after " + timeout.toSeconds() + " s: "
                        + String.join(" ", cmd));
            }
            return new Result(cmd, p.exitValue(), out.text(), err.text());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
        }
    }

    /** Drains a stream on its own thread, so that a chatty command never blocks on a full pipe. */
    private static final class StreamReader {
        private final Thread thread;
        private volatile String text = "";

        StreamReader(InputStream in) {
            thread = Thread.ofPlatform().daemon(true).start(() -> {
                try (in) {
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    text = "";
                }
            });
        }

        String text() throws InterruptedException {
            thread.join(5000);
            return text;
        }
    }

    /** One network namespace of this lab. */
    public final class Netns {
        private final String name;

        Netns(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        /** The bind-mounted namespace file, e.g. /var/run/netns/NAME. */
        public Path path() {
            return NETNS_DIR.resolve(name);
        }

        /** {@code ip -n NAME args...}, checked. */
        public Result ip(String... args) {
            List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
            cmd.addAll(List.of(args));
            return run(timeout, cmd, null).check();
        }

        /** Adds an IPv4 or IPv6 address (no duplicate address detection: the address is usable at once). */
        public void addr(String ifname, String cidr) {
            ip(cidr.contains(":") ? "-6" : "-4", "addr", "add", cidr, "dev", ifname, "nodad");
        }

        public void sysctl(String key, String value) {
            exec("sysctl", "-qw", key + "=" + value).check();
        }

        /** Runs a command inside the namespace ({@code ip netns exec}); not checked. */
        public Result exec(String... cmd) {
            return execWithInput(null, cmd);
        }

        public Result execWithInput(String stdin, String... cmd) {
            return run(timeout, inside(cmd), stdin);
        }

        /**
         * Starts a long-running command inside the namespace; the lab stops it on close. Its stdout goes to
         * {@code stdout} and its stderr to {@code stdout}{@code .err} beside it, or both are discarded if null.
         */
        public Process spawn(Path stdout, String... cmd) {
            List<String> full = inside(cmd);
            try {
                ProcessBuilder pb = new ProcessBuilder(full);
                if (stdout != null) {
                    pb.redirectOutput(stdout.toFile());
                    pb.redirectError(ProcessBuilder.Redirect.appendTo(
                            stdout.resolveSibling(stdout.getFileName() + ".err").toFile()));
                } else {
                    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
                }
                Process p = pb.start();
                processes.add(p);
                return p;
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + full, e);
            }
        }

        private List<String> inside(String... cmd) {
            List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
            full.addAll(List.of(cmd));
            return full;
        }

        /** Loads an nftables ruleset into the namespace. */
        public void nft(String ruleset) {
            execWithInput(ruleset, "nft", "-f", "-").check();
        }

        /** Runs a Java action on a thread inside this namespace; sockets it opens stay in the namespace. */
        public <T> T call(Callable<T> action) {
            return Ctnetlink.callInNetns(path(), action);
        }

        /** Opens this namespace's conntrack table (all its sockets are created inside the namespace). */
        public KernelConntrackTable openConntrack() {
            return openConntrack(Ctnetlink.Options.defaults());
        }

        public KernelConntrackTable openConntrack(Ctnetlink.Options options) {
            return Ctnetlink.open(options.withNetns(path()));
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
