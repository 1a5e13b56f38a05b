package org.hftfw.migrator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hftfw.conntrack.lab.NetnsLab;

/**
 * The stock conntrackd pair doing a migration, the migration benches' baseline: {@code conntrackd -B} on the primary
 * (a bulk send of its internal cache) until the backup's external cache holds every flow, then {@code conntrackd -c}
 * on the backup (commit into its kernel table), as the shared testbed measured it. Sizes are read from
 * {@code conntrackd -s} (one line), not from a listing of the caches, which at a million flows would take longer
 * than the migration. The hash limit is raised to twice the table (conntrackd's advice for {@code HashLimit}).
 */
final class ConntrackdPair {
    private static final Pattern ACTIVE = Pattern.compile("current active connections:\\s+(\\d+)");

    private final NetnsLab.Netns a;
    private final NetnsLab.Netns b;
    private final Path dir;
    private Path confA;
    private Path confB;
    private final java.util.List<Process> daemons = new java.util.ArrayList<>();

    ConntrackdPair(NetnsLab.Netns a, NetnsLab.Netns b, Path dir) {
        this.a = a;
        this.b = b;
        this.dir = dir;
    }

    /** Starts both daemons (killed with the lab) and waits until a's internal cache holds {@code n} flows. */
    void start(String selfA, String selfB, String ignore, int n) throws IOException, InterruptedException {
        confA = conf(a, selfA, selfB, ignore, n);
        confB = conf(b, selfB, selfA, ignore, n);
        startIn(a, confA);
        startIn(b, confB);
        waitFor(() -> cacheSize(a, confA, "internal") >= n, 120, "conntrackd internal cache in " + a);
    }

    /**
     * One migration: empties the backup's external cache, then times {@code -B} until the backup's cache holds
     * {@code n} flows (or {@code convergeSeconds} pass), and {@code -c}. Returns the row; -1 nanos when it did not
     * converge.
     */
    Round migrate(int round, int n, int convergeSeconds, java.util.function.LongSupplier inBackupKernel)
            throws InterruptedException {
        b.exec("conntrackd", "-C", confB.toString(), "-f", "external").check();
        long[] pids = daemons.stream().mapToLong(Process::pid).toArray();
        long cpu0 = ProcessCpu.millis(pids);
        long t0 = System.nanoTime();
        a.exec("conntrackd", "-C", confA.toString(), "-B").check();
        if (!reached(() -> cacheSize(b, confB, "external") >= n, convergeSeconds)) {
            long has = cacheSize(b, confB, "external");
            return new Round(-1, has, String.format(Locale.ROOT, "conntrackd round %d: the backup's external cache "
                    + "holds %d of %d flows %d s after -B: not converged", round, has, n, convergeSeconds));
        }
        long t1 = System.nanoTime();
        // what the backup's conntrackd (one thread) does during its commit, sampled as the hFT-FW writer is
        java.util.Optional<ThreadStates> committer = ThreadStates.of(daemons.get(1).pid(), "conntrackd");
        java.util.concurrent.atomic.AtomicBoolean committing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (committing.get()) {
                committer.ifPresent(ThreadStates::sample);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            b.exec("conntrackd", "-C", confB.toString(), "-c").check();
        } finally {
            committing.set(false);
            sampler.join();
            committer.ifPresent(ThreadStates::stop);
        }
        long t2 = System.nanoTime();
        long cpu = ProcessCpu.millis(pids) - cpu0;
        long inB = inBackupKernel.getAsLong();
        return new Round(t2 - t0, inB, String.format(Locale.ROOT, "conntrackd round %d: -B until the backup's cache "
                + "holds all %7.0f ms, -c %7.0f ms: total %7.0f ms (%d in the backup kernel table); CPU of both "
                + "daemons %d ms; the backup's conntrackd during -c: %s", round, (t1 - t0) / 1e6, (t2 - t1) / 1e6,
                (t2 - t0) / 1e6, inB, cpu, committer.map(c -> c.describe(n)).orElse("not found")));
    }

    /** A baseline round: its time from -B to the end of -c (-1: not converged), and the backup kernel's count. */
    record Round(long nanos, long inBackup, String line) {}

    /** Flows in a conntrackd cache ("internal" or "external") from {@code -s}; -1 while it does not answer. */
    private static long cacheSize(NetnsLab.Netns ns, Path conf, String which) {
        try {
            NetnsLab.Result r = ns.exec("conntrackd", "-C", conf.toString(), "-s");
            if (r.exitCode() != 0) {
                return -1;
            }
            String out = r.stdout();
            int at = out.indexOf("cache " + which);
            if (at < 0) {
                return -1;
            }
            Matcher m = ACTIVE.matcher(out);
            return m.find(at) ? Long.parseLong(m.group(1)) : -1;
        } catch (IllegalStateException e) {
            return -1;                                      // a hung conntrackd counts as "not there yet"
        }
    }

    private Path conf(NetnsLab.Netns ns, String self, String peer, String ignore, int n) throws IOException {
        org.hftfw.ftfw.ConntrackdConf c = org.hftfw.ftfw.ConntrackdConf.lab(dir, ns.name(), self, peer,
                List.of("127.0.0.1", ignore)).withNetlinkBuffer(8 << 20);
        String text = c.render().replace("HashLimit 262144", "HashLimit " + Math.max(262_144, 2L * n));
        return java.nio.file.Files.writeString(c.file(), text);
    }

    private void startIn(NetnsLab.Netns ns, Path conf) throws InterruptedException {
        // ip netns exec execs conntrackd: the process is the daemon
        daemons.add(ns.spawn(dir.resolve(ns.name() + ".conntrackd.out"), "conntrackd", "-C", conf.toString()));
        waitFor(() -> ns.exec("conntrackd", "-C", conf.toString(), "-s").exitCode() == 0, 15,
                "conntrackd start in " + ns);
    }

    static boolean reached(BooleanSupplier done, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    static void waitFor(BooleanSupplier done, int seconds, String what) throws InterruptedException {
        if (!reached(done, seconds)) {
            throw new IllegalStateException(what + ": not done within " + seconds + " s");
        }
    }
}
