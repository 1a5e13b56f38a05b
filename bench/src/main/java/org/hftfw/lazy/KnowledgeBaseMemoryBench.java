package org.hftfw.lazy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Retained heap per knowledge-base tuple at 1 000 000 IPv4 tuples ({@code hftfw bench kb-memory}; a heap figure, not a
 * time, hence not JMH), measured as the growth of used heap (after repeated System.gc()) while the structure is
 * reachable, divided by the tuple count. Printed beside two baselines in the same run: the same tuple objects in a
 * ConcurrentHashMap (no bound, no expiry) and the seed's 80 B/tuple (C implementation, paper Sect. VII).
 *
 * <p>{@link #run} measures each configuration in a fresh JVM with -XX:+UseSerialGC (stable figures): the knowledge
 * base without and with -XX:+UseCompactObjectHeaders, then the same tuples in Caffeine caches configured otherwise
 * ({@code initialCapacity}, {@code maximumWeight}, {@code recordStats}, {@code noExpiry}), to show what each knob
 * costs or saves. {@link #main} is one such JVM: {@code [tuples] [variant]}.
 */
public final class KnowledgeBaseMemoryBench {
    private static final List<String> VARIANTS = List.of("initialCapacity", "maximumWeight", "recordStats", "noExpiry");
    private static final long CHILD_TIMEOUT_MINUTES = 10;

    private KnowledgeBaseMemoryBench() {}

    /** Every measurement, each in a child JVM on this JVM's class path. */
    public static void run(int tuples) throws IOException, InterruptedException {
        String n = Integer.toString(tuples);
        child(List.of("-XX:-UseCompactObjectHeaders"), n);
        child(List.of("-XX:+UseCompactObjectHeaders"), n);
        for (String v : VARIANTS) {
            child(List.of("-XX:-UseCompactObjectHeaders"), n, v);
        }
    }

    private static void child(List<String> flags, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx2g",
                "-XX:+UseSerialGC"));
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KnowledgeBaseMemoryBench.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (!p.waitFor(CHILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("memory bench JVM did not finish in " + CHILD_TIMEOUT_MINUTES + " min");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("memory bench JVM failed (" + p.exitValue() + "): " + String.join(" ", cmd));
        }
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        System.out.printf(Locale.ROOT, "tuples: %d; JVM flags: %s%n", n,
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        if (args.length > 1) {
            variant(args[1], n);
            return;
        }

        long before = used();
        ConcurrentHashMap<KeyStats, KeyStats> chm = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
            KeyStats k = tuple(i);
            chm.put(k, k);
        }
        long chmBytes = used() - before;
        System.out.printf(Locale.ROOT, "baseline ConcurrentHashMap<KeyStats,KeyStats>:       %6.1f B/tuple (%d)%n",
                (double) chmBytes / n, chm.size());
        chm = null;

        before = used();
        long[] now = {0};
        KnowledgeBase kb = new KnowledgeBase(n, Duration.ofHours(1), () -> now[0]);
        for (int i = 0; i < n; i++) {
            kb.put(tuple(i));
        }
        kb.cleanUp();
        long kbBytes = used() - before;
        System.out.printf(Locale.ROOT, "KnowledgeBase (Caffeine maximumSize+expireAfterAccess): %6.1f B/tuple (%d)"
                + "   [goal <= 128; seed C implementation: 80]%n", (double) kbBytes / n, kb.size());
        System.out.printf(Locale.ROOT, "  of which the tuple object: %d B (shallow, 12-byte headers)%n",
                new KeyStats.V4(0, 6, 80).objectBytes());
        if (kb.size() != n) {
            throw new IllegalStateException("unexpected evictions");
        }
    }

    /**
     * One other Caffeine configuration holding the same tuples, measured alone in a fresh JVM (measured one after
     * another in one JVM, the figures drifted by several bytes per tuple).
     */
    private static void variant(String name, int n) {
        switch (name) {
            case "initialCapacity" -> variant("variant: KnowledgeBase's cache + initialCapacity(n)", n, () -> Caffeine
                    .newBuilder().initialCapacity(n).maximumSize(n).expireAfterAccess(Duration.ofHours(1))
                    .executor(Runnable::run).build());
            case "maximumWeight" -> variant("variant: maximumWeight(n) with weigher = 1 instead of maximumSize(n)", n,
                    () -> Caffeine.newBuilder().maximumWeight(n).weigher((KeyStats k, KeyStats v) -> 1)
                            .expireAfterAccess(Duration.ofHours(1)).executor(Runnable::run).build());
            case "recordStats" -> variant("variant: KnowledgeBase's cache + recordStats()", n, () -> Caffeine
                    .newBuilder().maximumSize(n).expireAfterAccess(Duration.ofHours(1)).recordStats()
                    .executor(Runnable::run).build());
            case "noExpiry" -> variant("variant: maximumSize(n) without expireAfterAccess (no idle expiry)", n,
                    () -> Caffeine.newBuilder().maximumSize(n).executor(Runnable::run).build());
            default -> throw new IllegalArgumentException(
                    "variant must be initialCapacity, maximumWeight, recordStats or noExpiry: " + name);
        }
    }

    private static void variant(String what, int n, Supplier<Cache<KeyStats, KeyStats>> factory) {
        long before = used();
        Cache<KeyStats, KeyStats> c = factory.get();
        for (int i = 0; i < n; i++) {
            KeyStats k = tuple(i);
            c.put(k, k);
        }
        c.cleanUp();
        long bytes = used() - before;
        System.out.printf(Locale.ROOT, "%-56s %6.1f B/tuple (%d)%n", what, (double) bytes / n, c.estimatedSize());
        if (c.estimatedSize() != n) {
            throw new IllegalStateException("unexpected evictions");
        }
    }

    private static KeyStats tuple(int i) {
        KeyStats k = new KeyStats.V4((long) (0x0a000000 | i) << 32 | ((0x0a800000 | (i * 7)) & 0xffffffffL), 6,
                i % 1000);
        for (int s = 0; s < 6; s++) {
            k.observe(s, (i + s) % 3 == 0);
        }
        return k;
    }

    private static long used() {
        Runtime rt = Runtime.getRuntime();
        long prev = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long u = rt.totalMemory() - rt.freeMemory();
            if (Math.abs(u - prev) < 1024) {
                return u;
            }
            prev = u;
        }
        return prev;
    }
}
