package org.hftfw.footprint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where the daemon's resident memory goes at one phase of {@link FootprintBench}: {@code /proc/PID/status} (RssAnon,
 * RssFile, RssShmem), {@code smaps_rollup} and {@code smaps}, and the JVM's own accounts through {@code jcmd} (Native
 * Memory Tracking, metaspace, class loaders, threads, the heap histogram) and a heap dump of the live objects
 * ({@code PHASE.hprof}, 10-40 MB: what holds which arrays, which the histogram cannot tell). One file per source in
 * the folder {@code --analyse} names, prefixed by the phase. The histogram's and the dump's full collections change
 * the next phase's heap: the figures of an analysed run are not the footprint's.
 */
final class MemoryBreakdown {
    private static final long JCMD_TIMEOUT_SECONDS = 60;

    private MemoryBreakdown() {}

    /** Writes the breakdown of {@code daemon} for {@code phase}, if the spec asks for it. */
    static void write(FootprintBench.Spec spec, Process daemon, String phase)
            throws IOException, InterruptedException {
        if (spec.analyse() == null) {
            return;
        }
        Path out = spec.analyse();
        Files.createDirectories(out);
        Path proc = Path.of("/proc", Long.toString(daemon.pid()));
        for (String f : List.of("status", "smaps_rollup", "smaps")) {
            Files.copy(proc.resolve(f), out.resolve(phase + "." + f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        for (String c : List.of("VM.native_memory summary", "VM.metaspace", "VM.classloader_stats", "Thread.print",
                "GC.class_histogram")) {
            jcmd(daemon.pid(), c, out.resolve(phase + "." + c.replace(' ', '-') + ".txt"));
        }
        Path dump = out.toAbsolutePath().resolve(phase + ".hprof");
        Files.deleteIfExists(dump);                         // jcmd refuses to overwrite
        jcmd(daemon.pid(), "GC.heap_dump " + dump, out.resolve(phase + ".GC.heap_dump.txt"));
    }

    private static void jcmd(long pid, String command, Path file) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String jcmd = Path.of(java).resolveSibling("jcmd").toString();
        List<String> cmd = new ArrayList<>(List.of(jcmd, Long.toString(pid)));
        cmd.addAll(List.of(command.split(" ")));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(file.toFile()).start();
        if (!p.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("jcmd " + command + " did not answer in " + JCMD_TIMEOUT_SECONDS + " s");
        }
    }
}
