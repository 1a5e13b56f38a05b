package org.hftfw.conntrack.lab;

import org.hftfw.conntrack.netlink.Ctnetlink;
import org.hftfw.conntrack.netlink.KernelConntrackTable;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Network-namespace lab for integration tests: uniquely named namespaces (prefix + role + random suffix, so
 * parallel runs never collide), veth pairs created directly inside the namespaces (interface names are local to
 * them), addresses, commands run with {@code ip netns exec}, Java actions run inside a namespace (a thread that
 * joined it with setns(2): sockets it opens stay there), and ctnetlink tables opened inside a namespace.
 * {@link #close()} kills every process it started (by PID) and deletes every namespace it created.
 *
 * <p>Shared with other modules through the conntrack test-jar.
 */
public final class NetnsLab implements AutoCloseable {
    private static final Path NETNS_DIR = Path.of("/var/run/netns");
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    private final String prefix;
    private final String suffix;
    private final List<Netns> namespaces = Collections.synchronizedList(new ArrayList<>());
    private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());

    /** Skips the calling test unless it runs as root with iproute2 and conntrack support in the kernel. */
    public static void assumeAvailable() {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "namespace lab needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN); running as " + System.getProperty("user.name"));
        Assumptions.assumeTrue(onPath("ip"), "namespace lab needs iproute2 ('ip' not found on PATH)");
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/sys/net/netfilter/nf_conntrack_max"))
                        || Files.exists(Path.of("/proc/net/nf_conntrack")) || conntrackModuleLoadable(),
                "the kernel has no nf_conntrack");
    }

    /** Skips the calling test unless {@code binary} is on the PATH. */
    public static void assumeBinary(String binary) {
        Assumptions.assumeTrue(onPath(binary), binary + " is not installed (not found on PATH)");
    }

    private static boolean conntrackModuleLoadable() {
        try {
            return run(List.of("modprobe", "-q", "nf_conntrack"), null).exitCode() == 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Searches exactly the PATH that {@code ip netns exec} and ProcessBuilder will search, so found means runnable. */
    static boolean onPath(String binary) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        return Arrays.stream(path.split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, binary)));
    }

    /** @param prefix the test suite's unique namespace prefix (e.g. "hnl") */
    public NetnsLab(String prefix) {
        this.prefix = prefix;
        this.suffix = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    }

    /** Creates a namespace named {@code <prefix>-<role>-<random>} with loopback up. */
    public Netns netns(String role) {
        String name = prefix + "-" + role + "-" + suffix;
        run(List.of("ip", "netns", "add", name), null).check();
        Netns ns = new Netns(name);
        namespaces.add(ns);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    /** A veth pair: {@code ifA} in {@code a}, {@code ifB} in {@code b}, both up. */
    public void veth(Netns a, String ifA, Netns b, String ifB) {
        run(List.of("ip", "-n", a.name, "link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns", b.name), null)
                .check();
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
        for (Process p : ps) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<Netns> ns;
        synchronized (namespaces) {
            ns = new ArrayList<>(namespaces);
            namespaces.clear();
        }
        for (Netns n : ns) {
            run(List.of("ip", "netns", "del", n.name), null);
        }
    }

    /** Output of a finished command. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public Result check() {
            if (exitCode != 0) {
                throw new IllegalStateException("command failed (" + exitCode + "): " + String.join(" ", command)
                        + "\n" + stderr.strip());
            }
            return this;
        }
    }

    static Result run(List<String> cmd, String stdin) {
        try {
            Process p = new ProcessBuilder(cmd).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            StreamReader out = new StreamReader(p.getInputStream());
            StreamReader err = new StreamReader(p.getErrorStream());
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("command timed out: " + String.join(" ", cmd));
            }
            return new Result(cmd, p.exitValue(), out.text(), err.text());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
        }
    }

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
            return run(cmd, null).check();
        }

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
            List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
            full.addAll(List.of(cmd));
            return run(full, stdin);
        }

        /** Starts a long-running command inside the namespace; the lab kills it on close. */
        public Process spawn(Path stdout, String... cmd) {
            List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
            full.addAll(List.of(cmd));
            try {
                ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(false);
                if (stdout != null) {
                    pb.redirectOutput(stdout.toFile());
                    pb.redirectError(ProcessBuilder.Redirect.appendTo(stdout.resolveSibling(stdout.getFileName() + ".err").toFile()));
                }
                Process p = pb.start();
                processes.add(p);
                return p;
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + full, e);
            }
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
