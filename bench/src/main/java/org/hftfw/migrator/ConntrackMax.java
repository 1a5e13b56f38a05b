package org.hftfw.migrator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The host's {@code net.netfilter.nf_conntrack_max}, which bounds every namespace's conntrack table: a migration
 * bench of more flows than that cannot load its table (at the default 262 144 a million-flow run used to die with a
 * stack trace). A bench either refuses with a clear message or, when asked, raises the limit for its run and
 * restores it afterwards — on close, and from a shutdown hook if the run is interrupted.
 *
 * <p>With the limit, the bench raises the kernel's conntrack hash table ({@code /sys/module/nf_conntrack/parameters/
 * hashsize}, one table for every namespace of the host) with it, as operators are told to: raising only
 * the limit leaves the buckets at the default, and a million-flow bench (two tables of N flows, primary and backup)
 * then hashes 2 000 000 entries into 262 144 chains, a cost every create, update and delete pays, conntrackd's too.
 * The buckets are twice the limit: the kernel's default is one bucket per entry of the limit ({@code nf_conntrack_max}
 * defaults to {@code nf_conntrack_buckets}), and the bench's two tables, each on its own host when deployed, share
 * this host's one hash table (with as many buckets as the limit, a million-flow bench's creates walked chains of 3.6
 * entries on average, both directions of each flow being hashed: 10 % of both daemons' samples in
 * {@code nf_conntrack_hash_check_insert} and {@code __nf_conntrack_find_get}, session 10).
 */
public final class ConntrackMax implements AutoCloseable {
    static final Path FILE = Path.of("/proc/sys/net/netfilter/nf_conntrack_max");

    static final Path HASHSIZE = Path.of("/sys/module/nf_conntrack/parameters/hashsize");

    private final long original;
    private final long originalBuckets;
    private final Thread restoreOnExit;
    private boolean restored;

    private ConntrackMax(long original, long originalBuckets) {
        this.original = original;
        this.originalBuckets = originalBuckets;
        this.restoreOnExit = new Thread(this::restore, "hftfw-restore-conntrack-max");
    }

    /** The limit now. */
    public static long current() {
        return read(FILE);
    }

    /** The buckets of the kernel's conntrack hash table now. */
    public static long buckets() {
        return read(HASHSIZE);
    }

    private static long read(Path file) {
        try {
            // not Files.readString: on a /proc file (size 0) it returned the first character only
            return Long.parseLong(Files.readAllLines(file, StandardCharsets.US_ASCII).getFirst().strip());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * Why a bench of {@code flows} cannot run at the current limit without raising it (each of its two tables holds
     * them all); empty when it can.
     */
    public static Optional<String> tooSmallFor(long flows) {
        long max = current();
        return flows <= max ? Optional.empty() : Optional.of(String.format(java.util.Locale.ROOT,
                "%d flows do not fit the kernel's conntrack table: net.netfilter.nf_conntrack_max is %d. Pass "
                        + "--raise-conntrack-max to raise it for the bench (it is restored at the end), or raise it "
                        + "yourself (sysctl -w net.netfilter.nf_conntrack_max=%d)", flows, max, flows + flows / 10));
    }

    /**
     * Raises the limit to hold {@code flows} (plus 10 %), and the hash table's buckets to twice that, until
     * {@link #close()}; no change when the limit already does.
     */
    public static ConntrackMax raisedFor(long flows) {
        long before = current();
        long bucketsBefore = buckets();
        ConntrackMax m = new ConntrackMax(before, bucketsBefore);
        long wanted = flows + flows / 10;
        if (wanted > before) {
            Runtime.getRuntime().addShutdownHook(m.restoreOnExit);
            write(FILE, wanted);
            if (2 * wanted > bucketsBefore) {
                write(HASHSIZE, 2 * wanted);
            }
            System.out.printf(java.util.Locale.ROOT, "nf_conntrack_max raised from %d to %d, hashsize from %d to %d, "
                    + "for the bench (restored at the end)%n", before, wanted, bucketsBefore, buckets());
        } else {
            m.restored = true;
        }
        return m;
    }

    /** The limit before the bench raised it. */
    public long original() {
        return original;
    }

    /** Puts the original limit back now (also done by {@link #close()}). */
    public synchronized void restore() {
        if (!restored) {
            restored = true;
            write(FILE, original);
            if (buckets() != originalBuckets) {
                write(HASHSIZE, originalBuckets);
            }
            System.out.printf(java.util.Locale.ROOT, "nf_conntrack_max restored to %d, hashsize to %d%n", original,
                    buckets());
        }
    }

    private static void write(Path file, long value) {
        try {
            Files.writeString(file, Long.toString(value), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + " (needs root in the host's namespace)", e);
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(restoreOnExit);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // the JVM is already exiting (the hook runs or ran), or the hook was never registered
        }
    }
}
