package org.hftfw.ftfw;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.hftfw.conntrack.lab.LabAssumptions;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * The interop lab: two namespaces of a {@link NetnsLab} (prefix {@code hff}) joined by a veth {@code sync}, 10.233.N.1
 * in {@code a} and 10.233.N.2 in {@code b}, with a stock conntrackd on either side. Everything created is removed by
 * {@link #close}.
 */
final class Lab implements AutoCloseable {
    private static final long CONNTRACKD_START_MILLIS = 10_000;

    final NetnsLab lab = new NetnsLab("hff", Duration.ofSeconds(60));
    final NetnsLab.Netns a;
    final NetnsLab.Netns b;
    final Path dir;
    final int subnet = 2 + java.util.concurrent.ThreadLocalRandom.current().nextInt(200);

    /** Skips unless root with ip, conntrack, conntrackd and nft present. */
    static void assumeCapable() {
        LabAssumptions.assumeAvailable();
        for (String bin : new String[] {"conntrack", "conntrackd", "nft"}) {
            LabAssumptions.assumeBinary(bin);
        }
    }

    private Lab() throws IOException {
        dir = Files.createTempDirectory("hff-lab");
        try {
            a = lab.netns("a");
            b = lab.netns("b");
            lab.veth(a, "sync", b, "sync");
            a.addr("sync", ip("1") + "/24");
            b.addr("sync", ip("2") + "/24");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    static Lab create() throws IOException {
        return new Lab();
    }

    String ip(String host) {
        return "10.233." + subnet + "." + host;
    }

    /** Runs a command inside {@code ns} to completion (bounded), returns stdout; throws on a non-zero exit. */
    String in(NetnsLab.Netns ns, String... cmd) {
        return ns.exec(cmd).check().stdout();
    }

    /** Writes a conntrackd FTFW config for a daemon in {@code ns} at host {@code self} syncing with {@code peer}. */
    Path conntrackdConf(NetnsLab.Netns ns, String self, String peer) throws IOException {
        return ConntrackdConf.lab(dir, ns.name(), ip(self), ip(peer), List.of("127.0.0.1", "10.233." + subnet + ".0/24"))
                .write();
    }

    /** Starts a stock conntrackd in {@code ns} (stopped with the lab) and waits until it answers on its UNIX socket. */
    void startConntrackd(NetnsLab.Netns ns, Path conf) throws IOException, InterruptedException {
        Path out = dir.resolve(ns.name() + ".out");
        ns.spawn(out, "conntrackd", "-C", conf.toString());
        long end = System.nanoTime() + CONNTRACKD_START_MILLIS * 1_000_000L;
        while (ns.exec("conntrackd", "-C", conf.toString(), "-s").exitCode() != 0) {
            if (System.nanoTime() > end) {
                throw new IOException("conntrackd did not start in " + ns + ": " + Files.readString(out));
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() {
        lab.close();
        try (var files = Files.list(dir)) {
            files.forEach(f -> f.toFile().delete());
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // best effort: a temp directory
        }
    }
}
